package dev.portcullis.guard;

import java.util.Arrays;

/**
 * Per-key admission over a sliding window in fixed memory: a count-min sketch (Cormode and Muthukrishnan, 2005)
 * of the SYNs admitted per key, two of them alternating so that the count covers a sliding window: the estimate
 * at a time {@code e} into the current window is {@code cur + prev * (W - e) / W} (the previous window weighted
 * by how much of it still lies inside the sliding window, as in Cloudflare's sliding-window limiter).
 *
 * <p>Each key maps to one cell per row (double hashing, Kirsch and Mitzenmacher 2006, keyed with a random seed);
 * the key's count is the minimum over its rows, never below the truth. Updates are conservative (Estan and
 * Varghese 2002): only the rows at the minimum grow, which keeps colliding keys from inflating each other.
 * Only admitted SYNs are counted, so a limited key gets {@code limit} SYNs per window through, like a token
 * bucket, and a source that stops sending is forgotten after two windows.
 *
 * <p>Memory: {@code 2 x depth x width x 4} bytes, allocated once; nothing is allocated per call.
 */
final class RateSketch {
    private final int depth, mask;
    private final long windowNs, seed0, seed1;
    private int[] cur, prev;
    private long windowStartNs;
    private boolean started;

    RateSketch(int width, int depth, long windowNs, long seed) {
        if (Integer.bitCount(width) != 1 || width < 16) throw new IllegalArgumentException("width must be a power of two >= 16");
        if (depth < 1 || depth > 16) throw new IllegalArgumentException("depth must be 1..16");
        if (windowNs <= 0) throw new IllegalArgumentException("window must be positive");
        this.depth = depth;
        this.mask = width - 1;
        this.windowNs = windowNs;
        this.seed0 = Hashing.fmix64(seed ^ 0x9e3779b97f4a7c15L);
        this.seed1 = Hashing.fmix64(seed0 ^ 0x632be59bd9b4e019L);
        this.cur = new int[depth * width];
        this.prev = new int[depth * width];
    }

    /** Bytes of counters held (both windows). */
    long memoryBytes() {
        return 2L * cur.length * Integer.BYTES;
    }

    long windowNs() {
        return windowNs;
    }

    /**
     * Admits one SYN of the key when the key's estimated count over the sliding window, this one included, stays
     * at or below {@code limit}; counts it then. Returns whether it was admitted.
     */
    boolean tryAcquire(long hi, long lo, long limit, long nowNs) {
        advance(nowNs);
        long h = Hashing.hash(hi, lo, seed0, seed1);
        int h1 = (int) h, h2 = (int) (h >>> 32) | 1;
        int width = mask + 1;
        int minCur = Integer.MAX_VALUE, minPrev = Integer.MAX_VALUE;
        for (int r = 0; r < depth; r++) {
            int i = r * width + ((h1 + r * h2) & mask);
            minCur = Math.min(minCur, cur[i]);
            minPrev = Math.min(minPrev, prev[i]);
        }
        long elapsed = Math.max(0, nowNs - windowStartNs); // a clock that stepped back counts as the window's start
        // (cur + 1) * W + prev * (W - e) <= limit * W, in integers; counts are < 2^31 and W < 2^36: no overflow
        long weighted = (minCur + 1L) * windowNs + minPrev * (windowNs - elapsed);
        if (weighted > limit * windowNs) return false;
        int target = minCur + 1;
        for (int r = 0; r < depth; r++) {
            int i = r * width + ((h1 + r * h2) & mask);
            if (cur[i] < target) cur[i] = target; // conservative update
        }
        return true;
    }

    /** The key's estimated count in the current window alone (tests). */
    int currentCount(long hi, long lo) {
        long h = Hashing.hash(hi, lo, seed0, seed1);
        int h1 = (int) h, h2 = (int) (h >>> 32) | 1;
        int min = Integer.MAX_VALUE;
        for (int r = 0; r < depth; r++) min = Math.min(min, cur[r * (mask + 1) + ((h1 + r * h2) & mask)]);
        return min;
    }

    /** Moves to the window holding nowNs: the current one becomes the previous, a cleared one the current. */
    void advance(long nowNs) {
        if (!started) {
            started = true;
            windowStartNs = nowNs;
            return;
        }
        long e = nowNs - windowStartNs;
        if (e < windowNs) return;
        if (e >= 2 * windowNs) { // silence for a whole window: nothing of the past is inside the sliding window
            Arrays.fill(cur, 0);
            Arrays.fill(prev, 0);
            windowStartNs = nowNs;
            return;
        }
        int[] t = prev;
        prev = cur;
        cur = t;
        Arrays.fill(cur, 0); // width x depth stores once per window, not per SYN
        windowStartNs += windowNs;
    }
}
