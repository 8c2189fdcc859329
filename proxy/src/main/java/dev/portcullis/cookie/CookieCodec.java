package dev.portcullis.cookie;

import java.util.Objects;

/**
 * SYN cookies: the 32-bit ISN of our SYN-ACK encodes everything needed to create the connection when the final ACK
 * comes back, so a SYN costs no state.
 * <pre>
 *   31                                        5 4     2 1   0
 *  +-------------------------------------------+-------+-----+
 *  |  hash: top 27 bits of SipHash-2-4         |  t&7  | mss |
 *  +-------------------------------------------+-------+-----+
 *  hash = SipHash-2-4(K(t), srcAddr, dstAddr, srcPort, dstPort, clientIsn, t, mss)
 *  t    = floor(wallSeconds / 60)            (the counter, from the wall clock)
 *  K(t) = SipHash-2-4(M, t, 0) || SipHash-2-4(M, t, 1)   (a 128-bit key per counter value)
 *  M    = HMAC-SHA256(master secret, "portcullis syn-cookie v1")[0..16)
 * </pre>
 * The counter comes from the wall clock (passed in) and the keys only from the master secret, so instances that
 * share a secret validate each other's cookies with no coordination; their clocks only need to agree to within
 * the minute of grace. Source and destination are as the client's SYN has them (src = the client).
 *
 * <p>A final ACK is valid when {@code ack - 1} is a cookie made for its 4-tuple and {@code seq - 1}, in the current
 * counter or the one before (a cookie lives 60 to 120 s, as in Linux). <b>Random ACKs:</b> an ACK with a random ack
 * number passes only if its 3 counter bits name one of the 2 acceptable counters (2/8) and its 27 hash bits match
 * (2^-27): 2^-27 * 2^-2 = <b>2^-29 per try</b>, the same as Linux's cookies (whose check of the counter and MSS index
 * sits on top of the hash). All four MSS indices are valid, so the index adds no filter of its own.
 *
 * <p>The comparison of hash bits is constant-time: no branch depends on a secret-derived bit. Generate and check
 * allocate nothing except, once per minute, the next counter's keys (a small immutable holder, so an instance may be
 * shared between threads).
 */
public final class CookieCodec {
    /** The hash bits do not match: forged, or the tuple or client ISN differ. */
    public static final int REJECT_HASH = -1;
    /** The counter bits name neither the current counter nor the previous one. */
    public static final int REJECT_TOO_OLD = -2;
    /** The MSS index is outside the table (cannot happen with 2 bits and 4 entries; kept for the contract). */
    public static final int REJECT_BAD_MSS = -3;

    /** Seconds per counter value. */
    public static final long COUNTER_SECONDS = 60;
    static final int MSS_BITS = 2;
    static final int COUNTER_BITS = 3;
    static final int HASH_BITS = 32 - COUNTER_BITS - MSS_BITS;
    private static final int MSS_MASK = (1 << MSS_BITS) - 1;
    private static final int COUNTER_MASK = (1 << COUNTER_BITS) - 1;
    private static final int HASH_MASK = (1 << HASH_BITS) - 1;

    private final long masterK0, masterK1;
    /** Keys for one counter value and the one before; replaced (never mutated) when the counter moves. */
    private EpochKeys keys;

    private record EpochKeys(long counter, long k0, long k1, long prevK0, long prevK1) {
    }

    /** @param masterSecret 16 to 64 bytes, configured or random at start */
    public CookieCodec(byte[] masterSecret) {
        Objects.requireNonNull(masterSecret, "masterSecret");
        if (masterSecret.length < 16 || masterSecret.length > 64) {
            throw new IllegalArgumentException("cookie master secret must be 16..64 bytes, got " + masterSecret.length);
        }
        long[] k = Keys.derive(masterSecret, "portcullis syn-cookie v1");
        masterK0 = k[0];
        masterK1 = k[1];
        keys = epochKeys(0);
    }

    /**
     * 32 random bytes for a master secret when none is configured (then only this process validates its cookies;
     * configure one shared secret for several instances).
     */
    public static byte[] randomSecret() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    /** The counter for a wall-clock second count. */
    public static long counter(long wallSeconds) {
        return Math.floorDiv(wallSeconds, COUNTER_SECONDS);
    }

    /**
     * Our ISN for a SYN from {@code src} to {@code dst} with the client's ISN and the MSS index from
     * {@link MssTable#indexFor}.
     */
    public int generate(long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort, int clientIsn,
                        int mssIndex, long wallSeconds) {
        long t = counter(wallSeconds);
        EpochKeys k = keysFor(t);
        int mss = mssIndex & MSS_MASK;
        int hash = hash(k.k0, k.k1, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, clientIsn, t, mss);
        return (hash << (COUNTER_BITS + MSS_BITS)) | ((int) (t & COUNTER_MASK) << MSS_BITS) | mss;
    }

    /**
     * Checks the cookie of a final ACK ({@code clientIsn = seq - 1}, {@code cookie = ack - 1}); returns the MSS
     * index (0..3) or a negative {@code REJECT_*} reason.
     */
    public int check(long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort, int clientIsn,
                     int cookie, long wallSeconds) {
        long now = counter(wallSeconds);
        EpochKeys k = keysFor(now);
        int mss = cookie & MSS_MASK;
        int tBits = (cookie >>> MSS_BITS) & COUNTER_MASK;
        // Branches on the counter bits are on attacker-visible, public bits, not on the secret.
        long t;
        long k0, k1;
        if (tBits == (int) (now & COUNTER_MASK)) {
            t = now;
            k0 = k.k0;
            k1 = k.k1;
        } else if (tBits == (int) ((now - 1) & COUNTER_MASK)) {
            t = now - 1;
            k0 = k.prevK0;
            k1 = k.prevK1;
        } else {
            return REJECT_TOO_OLD;
        }
        if (mss >= MssTable.SIZE) return REJECT_BAD_MSS;
        int expected = hash(k0, k1, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort, clientIsn, t, mss);
        int diff = (expected ^ (cookie >>> (COUNTER_BITS + MSS_BITS))) & HASH_MASK;
        int ok = (diff - 1) >> 31;               // -1 when diff == 0, else 0 (diff < 2^27): no branch
        return (mss & ok) | (REJECT_HASH & ~ok);
    }

    private static int hash(long k0, long k1, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo,
                            int dstPort, int clientIsn, long t, int mss) {
        long ports = ((long) (srcPort & 0xffff) << 48) | ((long) (dstPort & 0xffff) << 32);
        long h = SipHash.hash(k0, k1, srcHi, srcLo, dstHi, dstLo, ports | (clientIsn & 0xffff_ffffL), (t << 8) | mss);
        return (int) (h >>> (64 - HASH_BITS));
    }

    private EpochKeys keysFor(long t) {
        EpochKeys k = keys;
        if (k.counter != t) {
            k = epochKeys(t);
            keys = k;           // a benign race: every thread computes the same immutable value
        }
        return k;
    }

    private EpochKeys epochKeys(long t) {
        return new EpochKeys(t, SipHash.hash(masterK0, masterK1, t, 0), SipHash.hash(masterK0, masterK1, t, 1),
            SipHash.hash(masterK0, masterK1, t - 1, 0), SipHash.hash(masterK0, masterK1, t - 1, 1));
    }
}
