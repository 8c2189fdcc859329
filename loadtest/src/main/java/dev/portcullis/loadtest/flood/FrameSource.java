package dev.portcullis.loadtest.flood;

import java.lang.foreign.MemorySegment;

/**
 * Writes the flood's frames one after another into a buffer (a TX ring slot, or a test's segment): picks the kind
 * by the mix's weights, the profile, a source address within the prefix, a source port in 1024..65535 and random
 * sequence / acknowledgment numbers from one seeded xorshift generator. Allocates nothing per frame. Counts what
 * it wrote.
 */
public final class FrameSource {
    private static final OsProfile[] MIXED = {OsProfile.LINUX, OsProfile.WINDOWS, OsProfile.MACOS};

    private final FloodSpec spec;
    private final FloodFrames.Template[] synTemplates;
    private final FloodFrames.Template ack;
    private final FloodFrames.Template rst;
    private final int synCut;
    private final int ackCut;
    private final int total;
    private final int hostMask;
    private long rng;
    private int ipId;

    long syns, acks, rsts, bytes;

    public FrameSource(FloodSpec spec) {
        this.spec = spec;
        OsProfile[] ps = spec.mixedProfiles() ? MIXED : new OsProfile[] {spec.profile()};
        synTemplates = new FloodFrames.Template[ps.length];
        for (int i = 0; i < ps.length; i++)
            synTemplates[i] = FloodFrames.template(FloodKind.SYN, ps[i], spec.srcMac(), spec.dstMac(), spec.dstIp(), spec.dstPort());
        ack = FloodFrames.template(FloodKind.ACK, OsProfile.BARE, spec.srcMac(), spec.dstMac(), spec.dstIp(), spec.dstPort());
        rst = FloodFrames.template(FloodKind.RST, OsProfile.BARE, spec.srcMac(), spec.dstMac(), spec.dstIp(), spec.dstPort());
        synCut = spec.synWeight();
        ackCut = synCut + spec.ackWeight();
        total = ackCut + spec.rstWeight();
        hostMask = spec.srcMaskBits() == 0 ? -1 : (int) (0xffffffffL >>> spec.srcMaskBits());
        rng = spec.seed() == 0 ? 0x9E3779B97F4A7C15L : spec.seed();
    }

    /** The largest frame this source writes. */
    public int maxFrameLength() {
        int m = Math.max(ack.length(), rst.length());
        for (FloodFrames.Template t : synTemplates) m = Math.max(m, t.length());
        return m;
    }

    private long next() {
        // xorshift64* (Vigna): fast, full period, good enough for addresses and sequence numbers.
        long x = rng;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        rng = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    /** Writes one frame at {@code off}; returns its length. */
    public int write(MemorySegment buf, long off, int tsClock) {
        long r = next();
        int pick = (int) ((r >>> 33) % total);
        FloodFrames.Template t;
        if (pick < synCut) {
            t = synTemplates[synTemplates.length == 1 ? 0 : (int) ((r >>> 8) & 0xffff) % synTemplates.length];
            syns++;
        } else if (pick < ackCut) {
            t = ack;
            acks++;
        } else {
            t = rst;
            rsts++;
        }
        MemorySegment.copy(t.segment(), 0, buf, off, t.length());
        long r2 = next();
        int src = spec.fixedSource() ? spec.srcBase() : (spec.srcBase() & ~hostMask) | ((int) r2 & hostMask);
        int sport = 1024 + (int) ((r2 >>> 32) & 0xffff) % (65536 - 1024);
        long r3 = next();
        FloodFrames.stamp(buf, off, t, src, sport, (int) r3, (int) (r3 >>> 32), ipId++, tsClock);
        bytes += t.length();
        return t.length();
    }
}
