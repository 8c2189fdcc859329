package dev.portcullis.guard;

import java.security.SecureRandom;

/**
 * The check a pure SYN passes before a cookie is made for it: allow list, deny list, per-source and per-prefix
 * rate limits, and the heavy-hitter summaries (sources and /24 or /48 prefixes). Only pure SYNs come here: a
 * final ACK is never limited, so a client whose SYN got through always completes its handshake.
 *
 * <p>Fixed memory whatever the number of sources (a spoofed flood has millions): the limits live in count-min
 * sketches ({@link RateSketch}), the heavy hitters in Space-Saving summaries fed 1 SYN in 16 ({@link HeavyHitters}); {@link #memoryBytes()} says how
 * much. Nothing is allocated per SYN; time is passed in. One instance per shard, on the shard's thread only.
 */
public final class SynGuard {
    /** Verdicts of {@link #onSyn}. */
    public static final int PASS = 0, ALLOW_LISTED = 1, DENIED = 2, RATE_LIMITED = 3, PREFIX_RATE_LIMITED = 4;

    private final GuardConfig config;
    private final CidrTable allow, deny;
    private final RateSketch sources, prefixes;
    private final HeavyHitters topSources, topPrefixes;
    private final GuardCounters counters = new GuardCounters();

    public SynGuard(GuardConfig config) {
        this(config, new SecureRandom().nextLong());
    }

    /** With a fixed seed for the hashes (tests); production seeds are random so a flood cannot aim at cells. */
    public SynGuard(GuardConfig config, long seed) {
        this.config = config;
        this.allow = new CidrTable(config.allow());
        this.deny = new CidrTable(config.deny());
        this.sources = config.sourceRate() > 0 ? new RateSketch(config.sketchWidth(), config.sketchDepth(),
                GuardConfig.windowNs(config.sourceRate(), config.sourceBurst()), seed) : null;
        this.prefixes = config.prefixRate() > 0 ? new RateSketch(config.sketchWidth(), config.sketchDepth(),
                GuardConfig.windowNs(config.prefixRate(), config.prefixBurst()), Hashing.fmix64(seed + 7)) : null;
        int k = config.heavyHitters();
        this.topSources = k > 0 ? new HeavyHitters(k, Hashing.fmix64(seed + 11), HeavyHitters.DEFAULT_SAMPLE_SHIFT) : null;
        this.topPrefixes = k > 0 ? new HeavyHitters(k, Hashing.fmix64(seed + 13), HeavyHitters.DEFAULT_SAMPLE_SHIFT) : null;
    }

    public GuardConfig config() {
        return config;
    }

    /**
     * One pure SYN from the 128-bit source address (IPv4-mapped for IPv4). Returns {@link #PASS} or
     * {@link #ALLOW_LISTED} (make the cookie) or the reason to drop it; the counters say the same.
     */
    public int onSyn(long hi, long lo, long nowNs) {
        GuardCounters c = counters;
        c.synsChecked++;
        boolean v4 = hi == 0 && (lo >>> 32) == 0xffffL;
        long pHi = v4 ? 0 : hi & Cidr.maskHi(GuardConfig.V6_PREFIX);
        long pLo = v4 ? lo & Cidr.maskLo(96 + GuardConfig.V4_PREFIX) : 0;
        if (topSources != null) {
            topSources.offer(hi, lo, nowNs);
            topPrefixes.offer(pHi, pLo, nowNs);
        }
        if (!allow.isEmpty() && allow.contains(hi, lo)) {
            c.synsAllowListed++;
            return ALLOW_LISTED;
        }
        if (!deny.isEmpty() && deny.contains(hi, lo)) {
            c.synsDenied++;
            return DENIED;
        }
        if (prefixes != null && !prefixes.tryAcquire(pHi, pLo, config.prefixBurst(), nowNs)) {
            c.synsPrefixRateLimited++;
            return PREFIX_RATE_LIMITED;
        }
        if (sources != null && !sources.tryAcquire(hi, lo, config.sourceBurst(), nowNs)) {
            c.synsRateLimited++;
            return RATE_LIMITED;
        }
        return PASS;
    }

    public GuardCounters counters() {
        return counters;
    }

    /** Heaviest source addresses by SYNs in the last second; null when heavy-hitters = 0. */
    public HeavyHitters topSources() {
        return topSources;
    }

    /** Heaviest /24 (IPv4, as ::ffff:a.b.c.0) and /48 (IPv6) prefixes by SYNs in the last second; or null. */
    public HeavyHitters topPrefixes() {
        return topPrefixes;
    }

    /** Bytes of the fixed structures: sketches and summaries (the CIDR tables add 32 bytes per merged range). */
    public long memoryBytes() {
        long b = topSources == null ? 0 : topSources.memoryBytes() + topPrefixes.memoryBytes();
        if (sources != null) b += sources.memoryBytes();
        if (prefixes != null) b += prefixes.memoryBytes();
        return b + 32L * (allow.ranges() + deny.ranges());
    }
}
