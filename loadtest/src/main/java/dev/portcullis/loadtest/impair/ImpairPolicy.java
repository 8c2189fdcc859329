package dev.portcullis.loadtest.impair;

/**
 * Decides, per frame, what the impairment bridge does with it: drop it, pass it, pass it twice, hold it back
 * so that later frames overtake it, and when to release it. Pure and seeded: the same seed and the same frame
 * times give the same decisions, so a failure under impairment can be replayed.
 * <ul>
 *   <li>delay: uniform in [delay - jitter, delay + jitter]; frames that are not reordered leave in arrival order
 *       (a release time never goes below the previous one), so jitter alone does not reorder;</li>
 *   <li>reorder: the frame is held {@code reorderHoldNs} beyond its release time and the frames after it go
 *       first (the in-order release clock does not move for it);</li>
 *   <li>duplicate: a second copy leaves right after the first.</li>
 * </ul>
 * Counts every decision.
 */
public final class ImpairPolicy {
    private final int lossPpm;
    private final int dupPpm;
    private final int reorderPpm;
    private final long delayNs;
    private final long jitterNs;
    private final long reorderHoldNs;
    private long rng;
    private long lastReleaseNs = Long.MIN_VALUE;

    public long frames, dropped, duplicated, reordered, delayed;

    /** Rates in percent (0..100), times in nanoseconds. */
    public ImpairPolicy(double lossPct, double dupPct, double reorderPct, long delayNs, long jitterNs, long seed) {
        if (lossPct < 0 || lossPct > 100 || dupPct < 0 || dupPct > 100 || reorderPct < 0 || reorderPct > 100)
            throw new IllegalArgumentException("rates are percentages in 0..100");
        if (delayNs < 0 || jitterNs < 0 || jitterNs > delayNs)
            throw new IllegalArgumentException("delay >= jitter >= 0");
        this.lossPpm = (int) Math.round(lossPct * 10_000);
        this.dupPpm = (int) Math.round(dupPct * 10_000);
        this.reorderPpm = (int) Math.round(reorderPct * 10_000);
        this.delayNs = delayNs;
        this.jitterNs = jitterNs;
        // Held long enough that the next frames (at least a millisecond's worth) pass it.
        this.reorderHoldNs = Math.max(1_000_000L, delayNs / 2);
        this.rng = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    private long next() {
        long x = rng;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        rng = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    private boolean chance(int ppm) {
        return ppm > 0 && Long.remainderUnsigned(next(), 1_000_000) < ppm;
    }

    /**
     * Decides for a frame that arrived at {@code nowNs}; writes the release time of each copy into
     * {@code releaseNs} and returns the number of copies (0 = dropped, 1, or 2).
     */
    public int decide(long nowNs, long[] releaseNs) {
        frames++;
        if (chance(lossPpm)) {
            dropped++;
            return 0;
        }
        long d = delayNs;
        if (jitterNs > 0) d += Long.remainderUnsigned(next(), 2 * jitterNs + 1) - jitterNs;
        long at = nowNs + d;
        if (d > 0) delayed++;
        if (chance(reorderPpm)) {
            reordered++;
            at = Math.max(at, lastReleaseNs) + reorderHoldNs;
        } else {
            if (lastReleaseNs != Long.MIN_VALUE && at - lastReleaseNs < 0) at = lastReleaseNs;
            lastReleaseNs = at;
        }
        releaseNs[0] = at;
        if (chance(dupPpm)) {
            duplicated++;
            releaseNs[1] = at;
            return 2;
        }
        return 1;
    }

    public String json() {
        return "{\"frames\":" + frames + ",\"dropped\":" + dropped + ",\"duplicated\":" + duplicated
                + ",\"reordered\":" + reordered + ",\"delayed\":" + delayed + "}";
    }
}
