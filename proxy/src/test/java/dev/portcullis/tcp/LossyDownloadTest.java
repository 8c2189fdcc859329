package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's sender under random loss, on a virtual clock, against a receiver that acknowledges as Linux does:
 * SACK with the block of the latest segment first (RFC 2018 §4), timestamps, an ACK for every second full
 * segment or after 40 ms, an immediate ACK while anything is out of order, a 6 MB window. The link is one
 * 100 MB/s bottleneck with a 512 KB drop-tail queue, 0.5 ms each way, random loss in both directions.
 *
 * <p>The yardstick is Mathis et al.: a Reno-like sender keeps about MSS/RTT * C/sqrt(p), C = sqrt(3/2) with an
 * ACK per segment and sqrt(3/4) with delayed ACKs: 1448 B / 1 ms * 6.1 = 8.9 MB/s at p = 2 %; a sender that
 * leaves recovery to its 200 ms retransmission timer falls well below.
 */
class LossyDownloadTest {
    static final int LOCAL_PORT = 80, PEER_PORT = 40000;

    /** One direction of a simulated link, in virtual time. */
    interface Link {
        void send(long now, byte[] b);
        /** When the next frame arrives, or Long.MAX_VALUE. */
        long next();
        byte[] poll();
    }

    /** One direction of the link: serialization at {@code bytesPerNs} behind a drop-tail queue, then delay. */
    static final class Pipe implements Link {
        final ArrayDeque<long[]> times = new ArrayDeque<>();
        final ArrayDeque<byte[]> frames = new ArrayDeque<>();
        final Random rnd;
        final double loss, bytesPerNs;
        final long delayNs, queueBytes;
        long busyUntil, sent, lost, tailDrops;

        Pipe(Random rnd, double loss, double bytesPerNs, long delayNs, long queueBytes) {
            this.rnd = rnd; this.loss = loss; this.bytesPerNs = bytesPerNs; this.delayNs = delayNs; this.queueBytes = queueBytes;
        }

        @Override public void send(long now, byte[] b) {
            sent++;
            long start = Math.max(now, busyUntil);
            if ((start - now) * bytesPerNs > queueBytes) { tailDrops++; return; }
            busyUntil = start + (long) Math.ceil(b.length / bytesPerNs);
            if (rnd.nextDouble() < loss) { lost++; return; }   // lost after taking its place on the wire
            times.add(new long[] {busyUntil + delayNs});
            frames.add(b);
        }

        @Override public long next() { return times.isEmpty() ? Long.MAX_VALUE : times.peek()[0]; }

        @Override public byte[] poll() { times.poll(); return frames.poll(); }
    }

    /** The receiving client. Stream positions are below 2^32 here. */
    static final class LinuxLikeReceiver {
        final long total;
        final Link link;
        final int iss = 0x1234_5678;
        final OutSegment out = new OutSegment();
        final MemorySegment buf = Arena.ofAuto().allocate(2048);
        final TreeMap<Long, Long> ooo = new TreeMap<>();
        final MemorySegment server = MemorySegment.ofArray(SimPeer.SERVER);
        int irs, tsRecent;
        boolean established;
        long rcvNxt, latest = -1, delackAt = Long.MAX_VALUE, synAt, establishedAt = -1, acks;
        int pendingSegs;
        boolean gro;     // in-order data is ACKed 200 us after it starts arriving: one ACK per burst, as GRO does
        boolean dsack;   // report duplicates in a D-SACK block (RFC 2883), as Linux does
        long dsackLeft = -1, dsackRight, duplicates;
        String error;

        LinuxLikeReceiver(long total, Link link) { this.total = total; this.link = link; }

        long nextDeadline() { return Math.min(delackAt, established ? Long.MAX_VALUE : synAt); }

        void onTimer(long now) {
            if (!established && now >= synAt) sendSyn(now);
            if (now >= delackAt) sendAck(now);
        }

        private OutSegment base(long now) {
            OutSegment s = out.resetSegment();
            s.srcMac = Seg.CLIENT_MAC;
            s.dstMac = Seg.LOCAL_MAC;
            s.ipVersion = 4;
            s.srcLo = ParsedFrame.v4Mapped(Seg.CLIENT_V4);
            s.dstLo = ParsedFrame.v4Mapped(Seg.VIP_V4);
            s.srcPort = PEER_PORT;
            s.dstPort = LOCAL_PORT;
            s.hasTimestamp = true;
            s.tsVal = (int) (now / 1_000_000L) + 1;
            s.tsEcr = tsRecent;
            return s;
        }

        private void emit(long now) {
            int len = SegmentWriter.write(out, buf, 0, (int) buf.byteSize());
            link.send(now, buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
        }

        void sendSyn(long now) {
            OutSegment s = base(now);
            s.seq = iss;
            s.flags = TcpFlags.SYN;
            s.window = 65535;
            s.mss = 1460;
            s.windowScale = 7;
            s.sackPermitted = true;
            emit(now);
            synAt = now + 1_000_000_000L;
        }

        void sendAck(long now) {
            OutSegment s = base(now);
            s.seq = iss + 1;
            s.ack = irs + 1 + (int) rcvNxt;
            s.flags = TcpFlags.ACK;
            s.window = (6 << 20) >> 7;
            int n = 0;
            if (dsackLeft >= 0) {                       // RFC 2883 §4: the D-SACK block goes first, once
                s.sackLeft[n] = irs + 1 + (int) dsackLeft;
                s.sackRight[n++] = irs + 1 + (int) dsackRight;
                dsackLeft = -1;
            }
            Map.Entry<Long, Long> first = latest >= 0 ? ooo.floorEntry(latest) : null;
            if (first != null && first.getValue() > latest) {
                s.sackLeft[n] = irs + 1 + (int) (long) first.getKey();
                s.sackRight[n++] = irs + 1 + (int) (long) first.getValue();
            }
            for (Map.Entry<Long, Long> e : ooo.descendingMap().entrySet()) {
                if (n == 3) break;
                if (first != null && e.getKey().equals(first.getKey())) continue;
                s.sackLeft[n] = irs + 1 + (int) (long) e.getKey();
                s.sackRight[n++] = irs + 1 + (int) (long) e.getValue();
            }
            s.sackBlockCount = n;
            emit(now);
            acks++;
            pendingSegs = 0;
            delackAt = Long.MAX_VALUE;
        }

        void onFrame(ParsedFrame f, long now) {
            if (!established) {
                if ((f.flags & (TcpFlags.SYN | TcpFlags.ACK)) != (TcpFlags.SYN | TcpFlags.ACK) || f.ack != iss + 1) return;
                established = true;
                establishedAt = now;
                irs = f.seq;
                tsRecent = f.tsVal;
                sendAck(now);
                return;
            }
            if ((f.flags & TcpFlags.RST) != 0) { error = "reset"; return; }
            int len = f.payloadLength;
            if (len == 0) return;
            long p = (f.seq - irs - 1) & 0xffffffffL;
            long end = p + len;
            if (p <= rcvNxt && f.hasTimestamp) tsRecent = f.tsVal;       // RFC 7323 §4.3
            boolean wasOoo = !ooo.isEmpty();
            if (end <= rcvNxt) {                                            // a duplicate: ACK at once
                duplicates++;
                if (dsack) { dsackLeft = p; dsackRight = end; }
                sendAck(now);
                return;
            }
            Map.Entry<Long, Long> held = ooo.floorEntry(p);
            if (dsack && p > rcvNxt && held != null && held.getValue() >= end) {
                duplicates++;                                               // all of it is held already
                dsackLeft = p;
                dsackRight = end;
                sendAck(now);
                return;
            }
            MemorySegment data = f.frame.asSlice(f.payloadOffset, len);
            if (data.mismatch(server.asSlice(p % SimPeer.PERIOD, len)) >= 0 && error == null)
                error = "bytes at " + p + " differ";
            if (p <= rcvNxt) {
                rcvNxt = end;
                for (Map.Entry<Long, Long> e = ooo.firstEntry(); e != null && e.getKey() <= rcvNxt; e = ooo.firstEntry()) {
                    rcvNxt = Math.max(rcvNxt, e.getValue());
                    ooo.pollFirstEntry();
                }
            } else {
                long l = p, r = end;
                Map.Entry<Long, Long> lo = ooo.floorEntry(p);
                if (lo != null && lo.getValue() >= p) { l = lo.getKey(); r = Math.max(r, lo.getValue()); ooo.remove(lo.getKey()); }
                for (Map.Entry<Long, Long> e = ooo.ceilingEntry(l); e != null && e.getKey() <= r; e = ooo.ceilingEntry(l)) {
                    r = Math.max(r, e.getValue());
                    ooo.remove(e.getKey());
                }
                ooo.put(l, r);
                latest = p;
            }
            if (wasOoo || !ooo.isEmpty()) sendAck(now);              // Linux: out of order or a hole filled
            else if (gro) { if (delackAt == Long.MAX_VALUE) delackAt = now + 200_000L; }
            else if (++pendingSegs >= 2) sendAck(now);
            else if (delackAt == Long.MAX_VALUE) delackAt = now + 40_000_000L;
        }
    }

    record Result(double mbPerS, EngineCounters counters, long linkLosses, long tailDrops) {}

    static Result run(long seed, long bytes, double loss, boolean gro) {
        Random rnd = new Random(seed);
        Pipe toPeer = new Pipe(new Random(rnd.nextLong()), loss, 0.1, 500_000L, 512 * 1024);
        Pipe toEngine = new Pipe(new Random(rnd.nextLong()), loss, 0.1, 500_000L, 512 * 1024);
        Result r = run(seed, bytes, toPeer, toEngine, gro, false, false);
        return new Result(r.mbPerS(), r.counters(), toPeer.lost + toEngine.lost, toPeer.tailDrops);
    }

    /** Downloads {@code bytes} from the engine to a {@link LinuxLikeReceiver} over the two links. */
    static Result run(long seed, long bytes, Link toPeer, Link toEngine, boolean gro, boolean dsack, boolean bbr) {
        RecordingEvents events = new RecordingEvents();
        events.quiet = true;
        TestSink sink = new TestSink(1 << 23, 1 << 14);
        EngineConfig cfg = EngineConfig.builder().localMac(Seg.LOCAL_MAC).vipV4(Seg.VIP_V4).listen(LOCAL_PORT, 16)
                .memoryBudgetBytes(16 << 20).sendBufferBytes(4 << 20).hashSeed(seed).bbr(bbr).build();
        TcpEngine engine = new TcpEngine(cfg, new CookieCodec(new byte[32]), sink, events);
        LinuxLikeReceiver peer = new LinuxLikeReceiver(bytes, toEngine);
        peer.gro = gro;
        peer.dsack = dsack;
        MemorySegment server = MemorySegment.ofArray(SimPeer.SERVER);
        ParsedFrame pf = new ParsedFrame(), peerPf = new ParsedFrame();
        MemorySegment rx = Arena.ofAuto().allocate(70_000);
        long now = 0, wall0 = 1_700_000_000L, id = -1, writePos = 0;
        peer.sendSyn(0);
        while (peer.rcvNxt < bytes) {
            if (id < 0) id = engine.accept();
            while (id >= 0 && writePos < bytes) {
                int w = engine.write(id, server, writePos % SimPeer.PERIOD, (int) Math.min(65536, bytes - writePos));
                if (w <= 0) break;
                writePos += w;
            }
            for (int i = 0; i < sink.count(); i++) toPeer.send(now, sink.frame(i).toArray(ValueLayout.JAVA_BYTE));
            sink.clear();
            if (peer.error != null) throw new AssertionError("seed " + seed + ": " + peer.error);
            long next = Math.min(Math.min(toPeer.next(), toEngine.next()), Math.min(engine.nextDeadlineNs(), peer.nextDeadline()));
            if (next == Long.MAX_VALUE || next > 3_600_000_000_000L)
                throw new AssertionError("seed " + seed + ": stuck at " + now / 1e9 + " s, received " + peer.rcvNxt
                        + "\n" + engine.counters());
            now = Math.max(now, next);
            sink.clock = now;
            long wall = wall0 + now / 1_000_000_000L;
            while (toEngine.next() <= now) {
                byte[] b = toEngine.poll();
                MemorySegment.copy(b, 0, rx, ValueLayout.JAVA_BYTE, 0, b.length);
                if (FrameParser.parse(rx, 0, b.length, pf) == ParseVerdict.OK) engine.onFrame(pf, now, wall);
            }
            while (toPeer.next() <= now) {
                byte[] b = toPeer.poll();
                if (FrameParser.parse(MemorySegment.ofArray(b), 0, b.length, peerPf) == ParseVerdict.OK) peer.onFrame(peerPf, now);
            }
            engine.onTimer(now, wall);
            if (peer.nextDeadline() <= now) peer.onTimer(now);
        }
        double seconds = (now - peer.establishedAt) / 1e9;
        EngineCounters ctr = engine.counters().snapshot(new EngineCounters());
        return new Result(bytes / seconds / 1e6, ctr, 0, 0);
    }

    static Result report(String what, long seed, long bytes, double loss, boolean gro) {
        long t0 = System.nanoTime();
        Result r = run(seed, bytes, loss, gro);
        EngineCounters c = r.counters();
        System.out.printf("%s seed %d loss %.1f%%: %.1f MB/s virtual (%.1f s real); link losses %d, tail drops %d; "
                        + "retransmits %d (fast %d, timeout %d, lost retransmissions %d), probes %d, rto expirations %d, recoveries %d%n",
                what, seed, loss * 100, r.mbPerS(), (System.nanoTime() - t0) / 1e9, r.linkLosses(), r.tailDrops(),
                c.retransmits, c.retransmitsFast, c.retransmitsTimeout, c.lostRetransmits, c.tailLossProbes, c.rtoExpirations,
                c.fastRetransmits);
        return r;
    }

    /**
     * With SACK, random loss is repaired by ACK-driven recovery: a timeout should be rare (a lost retransmission
     * of a hole other than the head, a loss in the last segments). Before the fixes of this test's commits a
     * 20 MB transfer took 5 to 7 RTOs (a loss right after a recovery point, a lost retransmission) and ran at
     * 7.4-7.9 MB/s; the model with delayed ACKs (Mathis' constant sqrt(3/4)) gives about 8.9 MB/s.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3"})
    void twoPercentLossIsRepairedWithoutTimeouts(long seed) {
        Result r = report("2% loss", seed, 20_000_000L, 0.02, false);
        assertThat(r.counters().rtoExpirations).as("retransmission timeouts").isLessThanOrEqualTo(2);
        assertThat(r.counters().retransmitsFast).as("fast retransmits").isGreaterThan(r.counters().retransmits * 9 / 10);
        assertThat(r.mbPerS()).as("goodput, MB/s").isGreaterThan(8.5);
    }

    /**
     * In the end-to-end rig the client's GRO turns each burst into one aggregate and answers it with one ACK, so
     * losing that ACK (2 % of them) leaves nothing in flight that could draw another: without a tail loss probe
     * (RFC 8985 §7) each such loss waits for the 200 ms RTO. Here the receiver ACKs once per 200 us of arrivals.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"4", "5"})
    void aLostStretchAckIsProbedNotTimedOut(long seed) {
        Result r = report("2% loss, one ACK per burst", seed, 20_000_000L, 0.02, true);
        assertThat(r.counters().rtoExpirations).as("retransmission timeouts").isLessThanOrEqualTo(2);
        assertThat(r.mbPerS()).as("goodput, MB/s").isGreaterThan(8.5);
    }
}
