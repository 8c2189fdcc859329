package dev.portcullis.io;

/**
 * What a shard does when it cannot keep up: it sheds pure SYNs of unproven sources early, and keeps answering
 * everything else, so that a flood costs it latency for new strangers only, never for clients it knows.
 *
 * <p>Why: the ring is a FIFO of up to 64 MiB. When SYNs come faster than the shard answers them, a full ring
 * drops at its tail (the kernel's {@code tp_drops}), blind to what it drops, and every frame that does get in
 * waits behind a standing queue: measured at the benchmark's max rate (360k SYN/s offered, 180k answered), p50
 * connect 111 ms, p99 2 s, 12 % of legit requests failed. Answering a SYN costs the shard microseconds (cookie,
 * SYN-ACK, the kernel's transmit); looking at one and dropping it costs a parse. So when the frame being read
 * has waited in the ring longer than {@code targetNs} (its kernel timestamp against now: the queue's sojourn
 * time, as CoDel measures it, RFC 8289 §1), pure SYNs from sources that have not completed a handshake lately
 * are dropped right after the parse and the guard, until the queue is short again. The shard then drains the
 * ring at the cost of a parse per SYN, the kernel stops dropping blindly, and what it answers it answers within
 * about {@code targetNs}. A new client's SYN meets the short queue or is shed, and its retransmission (1 s
 * later, RFC 6298 §5.7) tries again; a spoofed source never gets further anyway.
 *
 * <p>Proven sources: a source address whose final ACK completed a handshake (a valid cookie or SYN-queue entry,
 * which a spoofer cannot produce: it never sees the SYN-ACK) is remembered for {@code provenTtlNs} (default 120 s), and its
 * SYNs are never shed, like Linux's "proven" peers (tcp_metrics) that still get into a SYN queue under
 * pressure. The table is direct-mapped, keyed by a seeded hash, fixed in size, nothing allocated per call: a
 * collision forgets the older source, which then only goes back to being a stranger. Only completed handshakes
 * write to it, so a flood cannot evict anyone by spoofing; a real source that floods SYNs after proving itself
 * is for the guard's per-source rate limit to stop.
 *
 * <p>One per shard, on the shard's thread. Final ACKs, RSTs and segments of open connections are never shed:
 * they carry the handshakes the flood competes with.
 */
final class SynShedder {
    /**
     * Sojourn above which strangers' SYNs are shed: well under a SYN RTO, and above the hiccups (a GC pause, the
     * JIT, the scheduler on a busy box) that a shard which keeps up on average still has. Measured back to back on
     * an idle 2-core box (bench, 3 s points): 5 ms shed 2.4 % at 100k and 4 % at 200k SYN/s, which the shard
     * answers in full without shedding, and answered 226k SYN-ACK/s at max with p99 connect 12 ms; 20 ms shed
     * nothing at 100k and 200k and answered 242k at max with p99 25 ms.
     */
    static final long DEFAULT_TARGET_NS = 20_000_000L;
    /** How long a completed handshake keeps its source proven. */
    static final long DEFAULT_PROVEN_TTL_NS = 120_000_000_000L;
    static final int DEFAULT_SLOTS = 1 << 14;

    private final long targetNs, provenTtlNs;
    private final int mask;
    private final long seed;
    private final long[] keyHi, keyLo, provenAtNs;

    /** SYNs shed; SYNs of proven sources answered while shedding; sources recorded as proven. */
    long shed, provenKept, proven;

    /** {@code targetNs} 0: never shed; {@code provenTtlNs} 0: no source is ever proven. */
    SynShedder(long targetNs, long provenTtlNs, int slots, long seed) {
        if (targetNs < 0 || provenTtlNs < 0) throw new IllegalArgumentException("targetNs and provenTtlNs must be >= 0");
        if (Integer.bitCount(slots) != 1) throw new IllegalArgumentException("slots must be a power of two");
        this.targetNs = targetNs;
        this.provenTtlNs = provenTtlNs;
        this.mask = slots - 1;
        this.seed = seed;
        keyHi = new long[slots];
        keyLo = new long[slots];
        provenAtNs = new long[slots];
    }

    long targetNs() {
        return targetNs;
    }

    /**
     * A pure SYN from {@code hi/lo} that waited {@code sojournNs} in the ring: true when it is to be dropped
     * (counted) rather than answered.
     */
    boolean shed(long hi, long lo, long sojournNs, long nowNs) {
        if (sojournNs <= targetNs || targetNs == 0) return false;
        if (isProven(hi, lo, nowNs)) {
            provenKept++;
            return false;
        }
        shed++;
        return true;
    }

    /** A handshake from {@code hi/lo} completed. */
    void proven(long hi, long lo, long nowNs) {
        int i = slot(hi, lo);
        if (keyHi[i] != hi || keyLo[i] != lo || provenAtNs[i] == 0) proven++;
        keyHi[i] = hi;
        keyLo[i] = lo;
        provenAtNs[i] = nowNs == 0 ? 1 : nowNs; // 0 marks an empty slot
    }

    boolean isProven(long hi, long lo, long nowNs) {
        int i = slot(hi, lo);
        long at = provenAtNs[i];
        return at != 0 && keyHi[i] == hi && keyLo[i] == lo && nowNs - at < provenTtlNs;
    }

    private int slot(long hi, long lo) {
        long h = (hi ^ seed) * 0x9e3779b97f4a7c15L + lo;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL; // murmur3's fmix64
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
