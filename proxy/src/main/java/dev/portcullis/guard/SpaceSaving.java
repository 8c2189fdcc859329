package dev.portcullis.guard;

import java.util.Arrays;

/**
 * The top keys of a stream in k counters: Space-Saving (Metwally, Agrawal and El Abbadi, 2005). A key already
 * held counts up; a new key takes the counter of the smallest and inherits its count as its error bound. Every
 * key whose true count exceeds {@code n / k} (n = keys offered) is held, and a held key's count is at most its
 * true count plus its error.
 *
 * <p>Layout, all arrays made once: the k counters (key, count, error) by slot; a binary min-heap of slots by
 * count with each slot's heap position; an open-addressing index (linear probing, load at most 1/4) from key to
 * slot, whose deletions shift back (Knuth 6.4 algorithm R) so no tombstones pile up. An offer is one probe and a
 * sift-down of one heap path: O(log k), no allocation.
 */
final class SpaceSaving {
    private final int k, indexMask;
    private final long seed0, seed1;
    private final long[] keyHi, keyLo, count, error;
    /** Each slot's index home (the key's hash), kept so a backward shift does not hash again. */
    private final int[] home;
    private final int[] heap, heapPos, index; // index: slot + 1, 0 = empty
    private int used;
    private long offered;

    SpaceSaving(int k, long seed) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1");
        this.k = k;
        int size = Integer.highestOneBit(Math.max(4, k * 4 - 1)) << 1;
        this.indexMask = size - 1;
        this.seed0 = Hashing.fmix64(seed ^ 0x3c6ef372fe94f82bL);
        this.seed1 = Hashing.fmix64(seed0 ^ 0xa54ff53a5f1d36f1L);
        keyHi = new long[k];
        keyLo = new long[k];
        count = new long[k];
        error = new long[k];
        home = new int[k];
        heap = new int[k];
        heapPos = new int[k];
        index = new int[size];
    }

    /** Bytes of the arrays (heap, index and counters), for the memory figure. */
    long memoryBytes() {
        return 4L * k * Long.BYTES + 3L * k * Integer.BYTES + (long) index.length * Integer.BYTES;
    }

    int capacity() {
        return k;
    }

    int size() {
        return used;
    }

    /** Keys offered since the last clear. */
    long offered() {
        return offered;
    }

    void offer(long hi, long lo) {
        offered++;
        int h = (int) Hashing.hash(hi, lo, seed0, seed1) & indexMask;
        int at = find(hi, lo, h);
        if (at >= 0) {
            int slot = index[at] - 1;
            count[slot]++;
            siftDown(heapPos[slot]);
            return;
        }
        if (used < k) {
            int slot = used++;
            keyHi[slot] = hi;
            keyLo[slot] = lo;
            home[slot] = h;
            count[slot] = 1;
            error[slot] = 0;
            heap[slot] = slot;
            heapPos[slot] = slot;
            index[-at - 1] = slot + 1;
            siftUp(slot);
            return;
        }
        int slot = heap[0]; // the smallest counter goes to the new key
        remove(find(keyHi[slot], keyLo[slot], home[slot]));
        keyHi[slot] = hi;
        keyLo[slot] = lo;
        home[slot] = h;
        error[slot] = count[slot];
        count[slot]++;
        index[-find(hi, lo, h) - 1] = slot + 1; // probed again: the removal may have moved the chain
        siftDown(0);
    }

    /** The index position holding the key, or -(the empty position where it would go) - 1. */
    private int find(long hi, long lo, int h) {
        int i = h;
        while (true) {
            int s = index[i];
            if (s == 0) return -i - 1;
            if (keyHi[s - 1] == hi && keyLo[s - 1] == lo) return i;
            i = (i + 1) & indexMask;
        }
    }

    /** Backward-shift deletion: entries after the hole that could live in it move up. */
    private void remove(int i) {
        index[i] = 0;
        int j = i;
        while (true) {
            j = (j + 1) & indexMask;
            int s = index[j];
            if (s == 0) return;
            int hs = home[s - 1];
            // s may move to i when i lies cyclically in [hs, j)
            boolean movable = i <= j ? (hs <= i || hs > j) : (hs <= i && hs > j);
            if (movable) {
                index[i] = s;
                index[j] = 0;
                i = j;
            }
        }
    }

    private void siftDown(int p) {
        int slot = heap[p];
        long c = count[slot];
        while (true) {
            int l = 2 * p + 1;
            if (l >= used) break;
            int r = l + 1;
            int m = r < used && count[heap[r]] < count[heap[l]] ? r : l;
            if (count[heap[m]] >= c) break;
            heap[p] = heap[m];
            heapPos[heap[p]] = p;
            p = m;
        }
        heap[p] = slot;
        heapPos[slot] = p;
    }

    private void siftUp(int p) {
        int slot = heap[p];
        long c = count[slot];
        while (p > 0) {
            int parent = (p - 1) >>> 1;
            if (count[heap[parent]] <= c) break;
            heap[p] = heap[parent];
            heapPos[heap[p]] = p;
            p = parent;
        }
        heap[p] = slot;
        heapPos[slot] = p;
    }

    void clear() {
        Arrays.fill(index, 0);
        used = 0;
        offered = 0;
    }

    /**
     * Copies the n largest counters, largest first, into the arrays (each of length >= n); returns how many.
     * O(k log k) on a scratch copy: for the publisher (every 200 ms), not the packet path.
     */
    int top(int n, long[] outHi, long[] outLo, long[] outCount, long[] outError) {
        Integer[] order = new Integer[used];
        for (int i = 0; i < used; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compare(count[b], count[a]));
        int m = Math.min(n, used);
        for (int i = 0; i < m; i++) {
            int s = order[i];
            outHi[i] = keyHi[s];
            outLo[i] = keyLo[s];
            outCount[i] = count[s];
            outError[i] = error[s];
        }
        return m;
    }

    /** The counter of a key, or 0 when it is not held (tests). */
    long countOf(long hi, long lo) {
        int at = find(hi, lo, (int) Hashing.hash(hi, lo, seed0, seed1) & indexMask);
        return at >= 0 ? count[index[at] - 1] : 0;
    }
}
