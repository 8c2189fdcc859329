package dev.portcullis.guard;

/**
 * SYN rates of the heaviest keys, one-second windows: a {@link SpaceSaving} summary fills during the current
 * second; at the turn of the second it becomes "the last second" (what is published: SYNs per second) and the
 * older one is cleared and takes the new second. Fixed memory (two summaries of k counters), no allocation per
 * offer. On the shard's thread only.
 *
 * <p>Sampling: only one offer in {@code 2^sampleShift}, picked by a xorshift generator (a few ns; random, so a
 * flood cannot fall in step with it), reaches the summary; counts and error bounds are scaled back by
 * {@code 2^sampleShift} when read. Under a random-source flood every offer to the summary replaces a counter (a
 * hash probe, a removal and a heap sift, profiled at 1 to 2 % of the SYN path's CPU for the two summaries), so
 * sampling 1 in 16 cuts that to a sixteenth. What it costs in accuracy: a key's published rate is a binomial
 * estimate, for a key at {@code r} SYNs/s within about {@code ±2·sqrt(r·2^sampleShift)} (±1,800 at 20,000/s
 * with 1 in 16); a key is still sure to be held when its sampled count exceeds the sampled total over k, that is
 * above about {@code total / k} SYNs per second as before. The window's total ({@link #lastSecondTotal}) is
 * exact: every offer is counted.
 */
public final class HeavyHitters {
    static final long WINDOW_NS = 1_000_000_000L;
    /** 1 in 16 SYNs reaches the summaries (see the class comment). */
    static final int DEFAULT_SAMPLE_SHIFT = 4;

    private SpaceSaving current, last;
    private long windowStartNs;
    private boolean started;
    private final int sampleShift;
    private final long sampleMask;
    private long rng;
    private long currentTotal, lastTotal;

    /** Every offer counted exactly (no sampling). */
    HeavyHitters(int k, long seed) {
        this(k, seed, 0);
    }

    HeavyHitters(int k, long seed, int sampleShift) {
        if (sampleShift < 0 || sampleShift > 16) throw new IllegalArgumentException("sampleShift must be 0..16");
        current = new SpaceSaving(k, seed);
        last = new SpaceSaving(k, Hashing.fmix64(seed + 1));
        this.sampleShift = sampleShift;
        this.sampleMask = (1L << sampleShift) - 1;
        this.rng = Hashing.fmix64(seed + 2) | 1; // xorshift's state must not be 0
    }

    void offer(long hi, long lo, long nowNs) {
        advance(nowNs);
        currentTotal++;
        if (sampleMask != 0) {
            long x = rng; // xorshift64 (Marsaglia 2003)
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            rng = x;
            if ((x & sampleMask) != 0) return;
        }
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
        lastTotal = currentTotal;
        currentTotal = 0;
        if (e >= 2 * WINDOW_NS) { // a whole second without an offer: the last second was empty too
            last.clear();
            lastTotal = 0;
            windowStartNs = nowNs;
        } else {
            windowStartNs += WINDOW_NS;
        }
    }

    /**
     * The top n of the last complete second, largest first: keys, SYNs in that second (an upper bound without
     * sampling, an estimate with it) and the error bound (true count >= count - error, less the sampling noise).
     * Returns how many were written. Allocates a little: publisher only.
     */
    public int top(int n, long nowNs, long[] hi, long[] lo, long[] count, long[] error) {
        advance(nowNs);
        int m = last.top(n, hi, lo, count, error);
        for (int i = 0; i < m; i++) {
            count[i] <<= sampleShift;
            error[i] <<= sampleShift;
        }
        return m;
    }

    /** SYNs offered in the last complete second (the denominator of the shares; exact, sampled or not). */
    public long lastSecondTotal(long nowNs) {
        advance(nowNs);
        return lastTotal;
    }

    /** One offer in 2^this reaches the summaries. */
    int sampleShift() {
        return sampleShift;
    }

    long memoryBytes() {
        return current.memoryBytes() + last.memoryBytes();
    }

    /** The summary of the window being filled (tests). */
    SpaceSaving currentWindow() {
        return current;
    }
}
