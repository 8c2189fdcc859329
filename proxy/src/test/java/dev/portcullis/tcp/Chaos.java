package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.TcpFlags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds arbitrary segments, timer jumps, ICMP errors and relay calls to an engine holding live connections, from
 * any source of choices (Jazzer's data or a seeded Random). After every step memory and connections must be
 * within their bounds; at the end, once every id is aborted and the clock has run past every timer, nothing may
 * be left: no chunk, no connection, no TIME_WAIT entry.
 */
final class Chaos {
    interface Source {
        int pick(int bound);   // 0 .. bound-1
        boolean more();
    }

    static final int MAX_CONNS = 8;

    final TestSink sink = new TestSink(1 << 18, 1 << 10);
    final RecordingEvents events = new RecordingEvents();
    final TcpEngine engine;
    final EngineConfig cfg;
    private final Seg seg = new Seg();
    private final ParsedFrame out = new ParsedFrame();
    private final MemorySegment payload = Arena.ofAuto().allocate(70_000);
    private final MemorySegment io = Arena.ofAuto().allocate(70_000);
    private final List<Long> ids = new ArrayList<>();
    private final int[] clientIsn = new int[8], serverIsn = new int[8], lastTs = new int[8];
    private long now = 1_000_000_000L;

    Chaos(boolean cookies) {
        events.quiet = true;
        cfg = EngineConfig.builder().localMac(Seg.LOCAL_MAC).vipV4(Seg.VIP_V4).listen(80, 4)
                .cookieMode(cookies ? EngineConfig.CookieMode.ALWAYS : EngineConfig.CookieMode.ON_OVERFLOW)
                .memoryBudgetBytes(64 * 1024).chunkBytes(1024).receiveBufferBytes(8192).sendBufferBytes(8192)
                .maxConnections(MAX_CONNS).timeWaitCapacity(4).synQueueSize(4).oooMaxRanges(4)
                .idleTimeoutNs(30_000_000_000L).hashSeed(1).build();
        engine = new TcpEngine(cfg, new CookieCodec(new byte[32]), sink, events);
        for (int i = 0; i < 64 * 1024; i++) payload.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
    }

    long wall() { return 1_700_000_000L + now / 1_000_000_000L; }

    /** Opens connection {@code k} (client port 40000 + k) with a proper handshake. */
    void open(int k) {
        OutSegment o = seg.start(false, 40000 + k, 80);
        clientIsn[k] = 1000 * k + 77;
        o.seq = clientIsn[k];
        o.flags = TcpFlags.SYN;
        o.mss = 1460;
        o.windowScale = 2;
        o.sackPermitted = true;
        o.hasTimestamp = true;
        o.tsVal = 5;
        engine.onFrame(seg.build(), now, wall());
        learn();
        OutSegment a = seg.start(false, 40000 + k, 80);
        a.seq = clientIsn[k] + 1;
        a.ack = serverIsn[k] + 1;
        a.flags = TcpFlags.ACK;
        a.hasTimestamp = true;
        a.tsVal = 6;
        a.tsEcr = lastTs[k];
        engine.onFrame(seg.build(), now, wall());
        drain();
    }

    private void learn() {
        for (int i = 0; i < sink.count(); i++) {
            MemorySegment f = sink.frame(i);
            if (FrameParser.parse(f, 0, (int) f.byteSize(), out) != 0) continue;
            int k = out.dstPort - 40000;
            if (k < 0 || k >= 8) continue;
            if ((out.flags & TcpFlags.SYN) != 0) serverIsn[k] = out.seq;
            if (out.hasTimestamp) lastTs[k] = out.tsVal;
            if (f.byteSize() > cfg.mtu() + 18) throw new AssertionError("frame above the MTU: " + f.byteSize());
        }
        sink.clear();
    }

    private void drain() {
        learn();
        long id;
        while ((id = engine.accept()) >= 0) ids.add(id);
    }

    void step(Source s) {
        switch (s.pick(12)) {
            case 0, 1, 2, 3, 4, 5 -> segment(s);
            case 6 -> {
                now += s.pick(4) == 0 ? s.pick(200) * 1_000_000_000L : s.pick(2_000_000) * 1000L;
                engine.onTimer(now, wall());
            }
            case 7, 8 -> relay(s);
            case 9 -> icmp(s);
            case 10 -> open(s.pick(8));
            default -> now += s.pick(50_000_000);
        }
        drain();
        EngineCounters c = engine.counters();
        if (engine.bufferChunksUsed() > c.bufferChunksTotal) throw new AssertionError("chunks above the budget");
        if (c.connections > MAX_CONNS || c.connections < 0) throw new AssertionError("connections " + c.connections);
        if (c.timeWaitEntries > 4 || c.timeWaitEntries < 0) throw new AssertionError("TIME_WAIT " + c.timeWaitEntries);
        if (c.synQueueDepth > 4 || c.synQueueDepth < 0) throw new AssertionError("SYN queue " + c.synQueueDepth);
    }

    private int near(Source s, int base) {
        return switch (s.pick(4)) {
            case 0 -> base;
            case 1 -> base + s.pick(20_000) - 2_000;
            case 2 -> base - s.pick(200_000);
            default -> s.pick(Integer.MAX_VALUE) * (s.pick(2) == 0 ? 1 : -1);
        };
    }

    private void segment(Source s) {
        int k = s.pick(9);
        OutSegment o = seg.start(s.pick(8) == 0, k < 8 ? 40000 + k : 1 + s.pick(65535), s.pick(16) == 0 ? s.pick(65536) : 80);
        int kk = Math.min(k, 7);
        o.seq = near(s, clientIsn[kk] + 1);
        o.ack = near(s, serverIsn[kk] + 1);
        o.flags = s.pick(3) == 0 ? s.pick(256) : TcpFlags.ACK | (s.pick(4) == 0 ? TcpFlags.FIN : 0)
                | (s.pick(8) == 0 ? TcpFlags.RST : 0) | (s.pick(8) == 0 ? TcpFlags.SYN : 0);
        o.window = s.pick(65536);
        if (s.pick(2) == 0) {
            o.hasTimestamp = true;
            o.tsVal = s.pick(3) == 0 ? s.pick(Integer.MAX_VALUE) : 6 + s.pick(1000);
            o.tsEcr = s.pick(2) == 0 ? lastTs[kk] : s.pick(Integer.MAX_VALUE);
        }
        if (s.pick(4) == 0) o.mss = s.pick(65536);
        if (s.pick(6) == 0) o.windowScale = s.pick(16);
        if (s.pick(6) == 0) o.sackPermitted = true;
        int blocks = s.pick(5);
        o.sackBlockCount = o.hasTimestamp ? Math.min(blocks, 3) : blocks;
        for (int i = 0; i < o.sackBlockCount; i++) {
            o.sackLeft[i] = near(s, serverIsn[kk] + 1);
            o.sackRight[i] = o.sackLeft[i] + s.pick(30_000) - 1000;
        }
        int len = switch (s.pick(5)) {
            case 0 -> s.pick(64_000);
            case 1, 2 -> s.pick(1500);
            default -> 0;
        };
        if (len > 0) {
            o.payload1 = payload;
            o.payload1Offset = s.pick(1000);
            o.payload1Length = len;
        }
        ParsedFrame f = seg.build();
        if (s.pick(10) == 0) f.vlanTci = s.pick(4096);
        engine.onFrame(f, now, wall());
        // the good-citizen part: sometimes continue the stream exactly where it is, so connections progress
        if (k < 8 && s.pick(3) == 0) clientIsn[k] += len;
    }

    private void relay(Source s) {
        if (ids.isEmpty()) return;
        long id = ids.get(s.pick(ids.size()));
        switch (s.pick(7)) {
            case 0, 1 -> engine.read(id, io, 0, 1 + s.pick(20_000));
            case 2, 3 -> engine.write(id, payload, 0, 1 + s.pick(20_000));
            case 4 -> engine.shutdownOutput(id);
            case 5 -> engine.close(id);
            default -> engine.abort(id);
        }
        engine.info(id, null);
    }

    private void icmp(Source s) {
        int k = s.pick(8);
        ParsedFrame f = new ParsedFrame();
        f.kind = s.pick(2) == 0 ? ParsedFrame.KIND_ICMP4 : ParsedFrame.KIND_ICMP6;
        f.icmpType = s.pick(4);
        f.icmpCode = s.pick(5);
        f.icmpMtu = s.pick(70_000);
        f.icmpHasInner = s.pick(4) != 0;
        OutSegment o = seg.start(false, 40000 + k, 80);
        f.innerSrcHi = o.dstHi; f.innerSrcLo = o.dstLo; f.innerDstHi = o.srcHi; f.innerDstLo = o.srcLo;
        f.innerSrcPort = 80;
        f.innerDstPort = 40000 + k;
        f.innerSeq = near(s, serverIsn[k] + 1);
        engine.onFrame(f, now, wall());
    }

    /** Aborts everything, lets every timer run out, and checks that nothing is left. */
    void finish() {
        drain();
        for (long id : ids) engine.abort(id);
        for (int i = 0; i < 20; i++) {
            now += 60_000_000_000L;
            engine.onTimer(now, wall());
            drain();
            for (long id : ids) engine.abort(id);
        }
        EngineCounters c = engine.counters();
        if (c.connections != 0) throw new AssertionError("connections left: " + c.connections + "\n" + c);
        if (engine.bufferChunksUsed() != 0) throw new AssertionError("chunks left: " + engine.bufferChunksUsed() + "\n" + c);
        if (c.timeWaitEntries != 0 || c.synQueueDepth != 0) throw new AssertionError("entries left\n" + c);
    }
}
