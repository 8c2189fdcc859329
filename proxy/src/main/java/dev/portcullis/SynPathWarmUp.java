package dev.portcullis;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.guard.GuardConfig;
import dev.portcullis.guard.SynGuard;
import dev.portcullis.tcp.ConnectionEvents;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.FrameSink;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Compiles the SYN path before the first flood does. Until a flood comes, the parse → guard → cookie → SYN-ACK
 * path has never run hot, so the JIT compiles it during the flood's first seconds: profiled at 11 % of a 2-core
 * box for the whole of a 6 s max-rate flood (C2 spent 100-300 ms on each of {@code FrameParser.ipv4},
 * {@code SegmentWriter.write}, {@code HeavyHitters.offer}, the engine's SYN handling), while the ring backs up.
 *
 * <p>At start, before any shard runs, this feeds synthetic SYNs (the option sets of Linux, Windows and macOS,
 * sources in the benchmarking range 198.18.0.0/15, RFC 2544) and one bare ACK in eight (a bad cookie) to the
 * first VIP and listener, through the same classes a shard uses: {@link FrameParser}, the IPv4 header check, a
 * {@link SynGuard} of the real guard settings, and a {@link TcpEngine} of the real cookie mode whose frames go
 * nowhere. Separate instances: nothing of it reaches the network, the shards' counters or their guards; the JIT's
 * compiled code is per method, so the shards find it compiled. Nothing is kept afterwards.
 */
final class SynPathWarmUp {
    static final int DEFAULT_FRAMES = 300_000;
    private static final int SLOT = 128, VARIANTS = 4096;

    private SynPathWarmUp() {
    }

    /**
     * Runs {@code frames} frames for {@code vip4} (an IPv4 VIP as an int) and {@code port}; returns the cookies the
     * throwaway engine sent (a check that the path ran).
     */
    static long run(int vip4, int port, boolean cookiesAlways, GuardConfig guardConfig, int frames) {
        EngineConfig cfg = EngineConfig.builder().localMac(0x02_00_00_00_00_01L).mtu(1500).vipV4(vip4).listen(port, 64)
                .cookieMode(cookiesAlways ? EngineConfig.CookieMode.ALWAYS : EngineConfig.CookieMode.ON_OVERFLOW)
                .memoryBudgetBytes(1 << 20).maxConnections(64).build();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try (Arena arena = Arena.ofConfined()) {
            Discard sink = new Discard(arena.allocate(4096));
            TcpEngine engine = new TcpEngine(cfg, new CookieCodec(secret), sink, new NoEvents());
            SynGuard guard = new SynGuard(guardConfig);
            MemorySegment batch = arena.allocate((long) SLOT * VARIANTS);
            int[] lengths = write(batch, vip4, port);
            ParsedFrame f = new ParsedFrame();
            for (int i = 0; i < frames; i++) {
                int v = i & (VARIANTS - 1);
                long now = System.nanoTime();
                if (FrameParser.parse(batch, (long) v * SLOT, lengths[v], f, false) != ParseVerdict.OK
                        || !Checksum.verifyIpv4Header(f)) {
                    continue;
                }
                if ((f.flags & TcpFlags.ACK) == 0 && guard.onSyn(f.srcHi, f.srcLo, now) > SynGuard.ALLOW_LISTED) {
                    continue;
                }
                engine.onFrame(f, now, System.currentTimeMillis() / 1000);
            }
            return engine.counters().synCookiesSent;
        }
    }

    /** The frame variants: SYNs with three option sets, every eighth a bare ACK; checksums complete. */
    private static int[] write(MemorySegment batch, int vip4, int port) {
        SplittableRandom r = new SplittableRandom(7);
        OutSegment s = new OutSegment();
        int[] lengths = new int[VARIANTS];
        for (int v = 0; v < VARIANTS; v++) {
            s.resetSegment();
            s.srcMac = 0x02_00_00_00_00_02L;
            s.dstMac = 0x02_00_00_00_00_01L;
            s.ipVersion = 4;
            s.srcLo = 0x0000_ffff_0000_0000L | (0xc612_0000L + r.nextInt(1 << 17)); // 198.18.0.0/15
            s.dstLo = 0x0000_ffff_0000_0000L | (vip4 & 0xffff_ffffL);
            s.srcPort = 1024 + r.nextInt(60_000);
            s.dstPort = port;
            s.seq = r.nextInt();
            s.window = 64_240;
            if (v % 8 == 7) {
                s.flags = TcpFlags.ACK;
                s.ack = r.nextInt();
            } else {
                s.flags = TcpFlags.SYN;
                s.mss = 1460;
                int os = v % 3; // Linux, Windows, macOS
                s.windowScale = os == 1 ? 8 : os == 2 ? 6 : 7;
                s.sackPermitted = true;
                if (os != 1) {
                    s.hasTimestamp = true;
                    s.tsVal = r.nextInt();
                }
            }
            lengths[v] = SegmentWriter.write(s, batch, (long) v * SLOT, SLOT);
        }
        return lengths;
    }

    /** Frames go nowhere: every claim gets the same room. */
    private record Discard(MemorySegment buffer) implements FrameSink {
        @Override public long claim(int maxLen) { return maxLen <= buffer.byteSize() ? 0 : -1; }
        @Override public void commit(long offset, int length) { }
    }

    private static final class NoEvents implements ConnectionEvents {
        @Override public void onAcceptable() { }
        @Override public void onReadable(long id) { }
        @Override public void onWritable(long id) { }
        @Override public void onPeerFin(long id) { }
        @Override public void onClosed(long id, int reason) { }
    }
}
