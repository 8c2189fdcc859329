package dev.portcullis.tcp;

/**
 * Sorted, disjoint, non-adjacent ranges [start, end) of 64-bit stream positions, bounded in number: the
 * out-of-order data a receiver holds (and the SACK blocks it reports, RFC 2018), or the SACK scoreboard of a
 * sender (RFC 6675 §3). Remembers the range that the latest addition touched, which RFC 2018 §4 wants first.
 * The arrays start small and double when needed up to {@code max}: a lossy path with a window of hundreds of
 * segments has dozens of holes at once, while most connections never have more than a few, and a pooled
 * connection keeps what it grew.
 */
final class RangeSet {
    private static final int INITIAL = 8;
    private final int max;
    private long[] start, end;
    private int count;
    private long lastStart = -1, lastEnd = -1;

    RangeSet(int max) {
        this.max = max;
        start = new long[Math.min(INITIAL, max)];
        end = new long[start.length];
    }

    int count() { return count; }
    long start(int i) { return start[i]; }
    long end(int i) { return end[i]; }
    boolean isEmpty() { return count == 0; }
    void clear() { count = 0; lastStart = lastEnd = -1; }

    /** Highest end, or {@code dflt} when empty. */
    long highest(long dflt) { return count == 0 ? dflt : end[count - 1]; }

    /** Adds [s, e); false when it would need more ranges than allowed (nothing changes then). */
    boolean add(long s, long e) {
        if (e <= s) return true;
        int i = 0;
        while (i < count && end[i] < s) i++;
        int j = i;
        while (j < count && start[j] <= e) j++;
        // ranges i..j-1 overlap or touch [s, e)
        if (i == j) {
            if (count == start.length) {
                if (count == max) return false;
                int n = Math.min(max, 2 * count);
                start = java.util.Arrays.copyOf(start, n);
                end = java.util.Arrays.copyOf(end, n);
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            start[i] = s;
            end[i] = e;
            count++;
        } else {
            long ns = Math.min(s, start[i]), ne = Math.max(e, end[j - 1]);
            start[i] = ns;
            end[i] = ne;
            int removed = j - i - 1;
            if (removed > 0) {
                System.arraycopy(start, j, start, i + 1, count - j);
                System.arraycopy(end, j, end, i + 1, count - j);
                count -= removed;
            }
        }
        lastStart = s;
        lastEnd = e;
        return true;
    }

    /** Drops everything below {@code pos}. */
    void removeBelow(long pos) {
        int i = 0;
        while (i < count && end[i] <= pos) i++;
        if (i > 0) {
            System.arraycopy(start, i, start, 0, count - i);
            System.arraycopy(end, i, end, 0, count - i);
            count -= i;
        }
        if (count > 0 && start[0] < pos) start[0] = pos;
    }

    /** If a range starts at {@code pos}, removes it and returns its end; else returns {@code pos}. */
    long takeFrom(long pos) {
        if (count > 0 && start[0] <= pos && end[0] > pos) {
            long e = end[0];
            removeBelow(e);
            return e;
        }
        return pos;
    }

    /** Index of the range holding the latest addition, or -1. */
    int latestIndex() {
        for (int i = 0; i < count; i++) if (start[i] <= lastStart && lastEnd <= end[i]) return i;
        return -1;
    }

    /** Bytes covered in [from, to). */
    long coveredBetween(long from, long to) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            long s = Math.max(start[i], from), e = Math.min(end[i], to);
            if (e > s) sum += e - s;
        }
        return sum;
    }

    /** Whether position {@code pos} is covered. */
    boolean contains(long pos) {
        for (int i = 0; i < count; i++) if (start[i] <= pos && pos < end[i]) return true;
        return false;
    }

    /** The end of the first hole at or after {@code pos} below {@code limit}: first covered position >= pos. */
    long nextCovered(long pos) {
        for (int i = 0; i < count; i++) if (end[i] > pos) return Math.max(start[i], pos);
        return Long.MAX_VALUE;
    }

    /** The first uncovered position >= pos. */
    long nextUncovered(long pos) {
        for (int i = 0; i < count; i++) {
            if (start[i] > pos) return pos;
            if (end[i] > pos) pos = end[i];
        }
        return pos;
    }
}
