package dev.portcullis.guard;

/**
 * SYN rates of the heaviest keys, one-second windows: a {@link SpaceSaving} summary fills during the current
 * second; at the turn of the second it becomes "the last second" (what is published: SYNs per second) and the
 * older one is cleared and takes the new second. Fixed memory (two summaries of k counters), no allocation per
 * offer. On the shard's thread only.
 */
public final class HeavyHitters {
    static final long WINDOW_NS = 1_000_000_000L;

    private SpaceSaving current, last;
    private long windowStartNs;
    private boolean started;

    HeavyHitters(int k, long seed) {
        current = new SpaceSaving(k, seed);
        last = new SpaceSaving(k, Hashing.fmix64(seed + 1));
    }

    void offer(long hi, long lo, long nowNs) {
        advance(nowNs);
        current.offer(hi, lo);
    }

    /** Turns the windows when nowNs is past the current one (also called by the publisher, so silence ages out). */
    void advance(long nowNs) {
        if (!started) {
            started = true;
            windowStartNs = nowNs;
            return;
        }
        long e = nowNs - windowStartNs;
        if (e < WINDOW_NS) return;
        SpaceSaving t = last;
        last = current;
        current = t;
        current.clear();
        if (e >= 2 * WINDOW_NS) { // a whole second without an offer: the last second was empty too
            last.clear();
            windowStartNs = nowNs;
        } else {
            windowStartNs += WINDOW_NS;
        }
    }

    /**
     * The top n of the last complete second, largest first: keys, SYNs in that second (an upper bound) and the
     * error bound (true count >= count - error). Returns how many were written. Allocates a little: publisher only.
     */
    public int top(int n, long nowNs, long[] hi, long[] lo, long[] count, long[] error) {
        advance(nowNs);
        return last.top(n, hi, lo, count, error);
    }

    /** SYNs offered in the last complete second (the denominator of the shares). */
    public long lastSecondTotal(long nowNs) {
        advance(nowNs);
        return last.offered();
    }

    long memoryBytes() {
        return current.memoryBytes() + last.memoryBytes();
    }

    /** The summary of the window being filled (tests). */
    SpaceSaving currentWindow() {
        return current;
    }
}
