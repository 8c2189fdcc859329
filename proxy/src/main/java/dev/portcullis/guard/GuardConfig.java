package dev.portcullis.guard;

import java.util.List;

/**
 * The settings of one {@link SynGuard} (one per shard; the config package maps {@code portcullis.guard} onto it
 * and divides the rates among the shards).
 *
 * @param sourceRate   SYNs per second one source address may send on average; 0 turns the limit off
 * @param sourceBurst  SYNs one source may send in one window of {@code sourceBurst / sourceRate} seconds (>= 1)
 * @param prefixRate   the same for a whole /24 (IPv4) or /48 (IPv6); 0 turns it off
 * @param prefixBurst  the same for the prefix
 * @param allow        never denied, never limited (wins over deny)
 * @param deny         SYNs from these are dropped
 * @param sketchWidth  cells per row of the count-min sketch, a power of two
 * @param sketchDepth  rows of the sketch
 * @param heavyHitters counters of the heavy-hitter summaries (k of Space-Saving), per window; 0 = no summaries
 */
public record GuardConfig(long sourceRate, long sourceBurst, long prefixRate, long prefixBurst, List<Cidr> allow,
                          List<Cidr> deny, int sketchWidth, int sketchDepth, int heavyHitters) {
    /** IPv4 sources are grouped by /24, IPv6 sources by /48 (the usual smallest routed blocks). */
    public static final int V4_PREFIX = 24, V6_PREFIX = 48;

    public GuardConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        if (sourceRate < 0 || prefixRate < 0) throw new IllegalArgumentException("rates must be >= 0");
        // burst x window (ns, <= 60 s) must fit a long in RateSketch: 1e9 x 6e10 < 9.2e18
        if (sourceBurst > 1_000_000_000L || prefixBurst > 1_000_000_000L) throw new IllegalArgumentException("bursts must be <= 1e9");
        if (sourceRate > 0 && sourceBurst < 1 || prefixRate > 0 && prefixBurst < 1) throw new IllegalArgumentException("bursts must be >= 1");
        if (Integer.bitCount(sketchWidth) != 1 || sketchWidth < 16) throw new IllegalArgumentException("sketch width must be a power of two >= 16");
        if (sketchDepth < 1 || sketchDepth > 16) throw new IllegalArgumentException("sketch depth must be 1..16");
        if (heavyHitters != 0 && heavyHitters < 10) throw new IllegalArgumentException("heavy hitters must be 0 (off) or >= 10");
    }

    /** Everything off but the heavy hitters. */
    public static GuardConfig off() {
        return new GuardConfig(0, 0, 0, 0, List.of(), List.of(), 65536, 4, 256);
    }

    /** The window length of a rate: burst / rate seconds, kept within 10 ms .. 60 s. */
    static long windowNs(long rate, long burst) {
        double s = (double) burst / rate;
        return (long) (Math.max(0.01, Math.min(60.0, s)) * 1e9);
    }
}
