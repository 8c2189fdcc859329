package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.PriorityQueue;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against an independent peer ({@link SimPeer}) through a link that loses 5 %, reorders 5 %,
 * duplicates 1 % and delays with jitter, on a virtual clock; bytes checked one by one in both directions.
 * Every run is reproducible from its seed, which failures print.
 */
class SimNetworkTest {
    static final class Packet {
        final long at, order;
        final byte[] bytes;
        Packet(long at, long order, byte[] bytes) { this.at = at; this.order = order; this.bytes = bytes; }
    }

    static final class Link {
        final PriorityQueue<Packet> q = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Long.compare(a.order, b.order));
        final Random rnd;
        final double loss, reorder, dup;
        final long delayNs, jitterNs;
        long order, sent, lost, duplicated, reordered;
        boolean enabled = true;

        Link(Random rnd, double loss, double reorder, double dup, long delayNs, long jitterNs) {
            this.rnd = rnd; this.loss = loss; this.reorder = reorder; this.dup = dup;
            this.delayNs = delayNs; this.jitterNs = jitterNs;
        }

        void send(long now, byte[] b) {
            sent++;
            if (!enabled) {
                q.add(new Packet(now + delayNs, order++, b));
                return;
            }
            if (rnd.nextDouble() < loss) { lost++; return; }
            put(now, b);
            if (rnd.nextDouble() < dup) { duplicated++; put(now, b); }
        }

        private void put(long now, byte[] b) {
            long d = delayNs + (long) (rnd.nextDouble() * jitterNs);
            if (rnd.nextDouble() < reorder) { reordered++; d += 1_000_000L + (long) (rnd.nextDouble() * 8_000_000L); }
            q.add(new Packet(now + d, order++, b));
        }

        long next() { return q.isEmpty() ? Long.MAX_VALUE : q.peek().at; }
    }

    static final MemorySegment CLIENT = MemorySegment.ofArray(SimPeer.CLIENT), SERVER = MemorySegment.ofArray(SimPeer.SERVER);
    static final boolean TRACE = System.getenv("SIM_TRACE") != null;

    static void trace(long t, String dir, ParsedFrame f) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%10.6f %s %s seq %d ack %d len %d win %d", t / 1e9, dir,
                PktScript.flagString(f.flags), f.seq & 0xffffffffL, f.ack & 0xffffffffL, f.payloadLength, f.window));
        for (int i = 0; i < f.sackBlockCount; i++) sb.append(" sack ").append(f.sackLeft[i] & 0xffffffffL).append('-').append(f.sackRight[i] & 0xffffffffL);
        System.out.println(sb);
    }

    record Result(long virtualNs, long toPeerSent, long toEngineSent, long retransmits, String counters) {}

    static Result run(long seed, long bytes, boolean ts, boolean sack, double loss, boolean cookies) {
        return run(seed, bytes, ts, sack, loss, cookies, 0);
    }

    /** {@code offloadMax} &gt; 0: the sink takes offloaded frames that large and segments them as the kernel does. */
    static Result run(long seed, long bytes, boolean ts, boolean sack, double loss, boolean cookies, int offloadMax) {
        Random rnd = new Random(seed);
        Link toPeer = new Link(new Random(rnd.nextLong()), loss, 0.05, 0.01, 5_000_000L, 1_000_000L);
        Link toEngine = new Link(new Random(rnd.nextLong()), loss, 0.05, 0.01, 5_000_000L, 1_000_000L);
        // A cookie cannot be checked on a segment other than the first after the SYN-ACK (its ISN is seq - 1):
        // when the final ACK and the first data segment are both lost the connection is reset, as with Linux's
        // cookies. With cookies the impairment therefore starts once the connection is established.
        toPeer.enabled = toEngine.enabled = !cookies;
        long[] now = {0};
        RecordingEvents events = new RecordingEvents();
        events.quiet = true;
        TestSink sink = new TestSink(1 << 22, 1 << 14).offloads(offloadMax);
        EngineConfig cfg = EngineConfig.builder().localMac(Seg.LOCAL_MAC).vipV4(Seg.VIP_V4).listen(80, 16)
                .memoryBudgetBytes(8 << 20).hashSeed(seed)
                .cookieMode(cookies ? EngineConfig.CookieMode.ALWAYS : EngineConfig.CookieMode.ON_OVERFLOW).build();
        TcpEngine engine = new TcpEngine(cfg, new CookieCodec(new byte[32]), sink, events);
        SimPeer peer = new SimPeer(bytes, ts, sack, 40000, rnd.nextInt(), b -> toEngine.send(now[0], b));
        ParsedFrame pf = new ParsedFrame();
        ParsedFrame peerPf = new ParsedFrame();
        MemorySegment rx = Arena.ofAuto().allocate(70_000);
        MemorySegment io = Arena.ofAuto().allocate(65536);
        long id = -1, readPos = 0, writePos = 0;
        boolean eof = false, shut = false, closeCalled = false;
        String appError = null;
        long engineDoneAt = -1, peerDoneAt = -1;
        peer.start(0);
        long wall0 = 1_700_000_000L;
        long limit = 3_600_000_000_000L;
        while (true) {
            // the application side (the relay's part)
            if (id < 0) {
                id = engine.accept();
                if (id >= 0) toPeer.enabled = toEngine.enabled = true;
            }
            if (id >= 0 && !closeCalled) {
                int n;
                while ((n = engine.read(id, io, 0, 65536)) > 0) {
                    long at = readPos % SimPeer.PERIOD;
                    if (io.asSlice(0, n).mismatch(CLIENT.asSlice(at, n)) >= 0 && appError == null)
                        appError = "engine side: bytes from " + readPos + " differ";
                    readPos += n;
                }
                if (n < 0) eof = true;
                while (writePos < bytes) {
                    int k = (int) Math.min(65536, bytes - writePos);
                    int w = engine.write(id, SERVER, writePos % SimPeer.PERIOD, k);
                    if (w <= 0) break;
                    writePos += w;
                }
                if (writePos == bytes && !shut) { engine.shutdownOutput(id); shut = true; }
                if (eof && shut) { engine.close(id); closeCalled = true; }
            }
            // what the engine sent goes on the wire
            for (int i = 0; i < sink.count(); i++) toPeer.send(now[0], sink.frame(i).toArray(ValueLayout.JAVA_BYTE));
            sink.clear();
            boolean closed = closeCalled && !events.closed.isEmpty();
            if (engineDoneAt < 0 && readPos == bytes) engineDoneAt = now[0];
            if (peerDoneAt < 0 && peer.received == bytes) peerDoneAt = now[0];
            if (peer.done() && closed) break;
            if (peer.error != null || appError != null) {
                throw new AssertionError("seed " + seed + " at " + now[0] / 1e9 + " s: "
                        + (peer.error != null ? peer.error : appError) + "; peer received " + peer.received
                        + ", engine side read " + readPos + " wrote " + writePos + " info="
                        + (id >= 0 ? engine.info(id, null) : null) + "\n" + engine.counters());
            }
            long next = Math.min(Math.min(toPeer.next(), toEngine.next()), Math.min(engine.nextDeadlineNs(), peer.nextDeadline()));
            if (next == Long.MAX_VALUE || next > limit) {
                throw new AssertionError("seed " + seed + ": stuck at " + now[0] / 1e9 + " s: peer received " + peer.received
                        + " done=" + peer.done() + ", engine side read " + readPos + " wrote " + writePos + " eof=" + eof
                        + " closed=" + closed + " info=" + (id >= 0 ? engine.info(id, null) : null) + "\n"
                        + engine.counters());
            }
            now[0] = Math.max(now[0], next);
            long t = now[0];
            long wall = wall0 + t / 1_000_000_000L;
            sink.clock = t;
            while (toEngine.next() <= t) {
                byte[] b = toEngine.q.poll().bytes;
                MemorySegment.copy(b, 0, rx, ValueLayout.JAVA_BYTE, 0, b.length);
                if (FrameParser.parse(rx, 0, b.length, pf) == ParseVerdict.OK) {
                    if (TRACE) trace(t, "->E", pf);
                    engine.onFrame(pf, t, wall);
                }
            }
            while (toPeer.next() <= t) {
                byte[] b = toPeer.q.poll().bytes;
                MemorySegment seg = MemorySegment.ofArray(b);
                if (FrameParser.parse(seg, 0, b.length, peerPf) == ParseVerdict.OK) {
                    if (TRACE) trace(t, "E->", peerPf);
                    peer.onFrame(peerPf, t);
                }
            }
            engine.onTimer(t, wall); // every loop, as the shard does: relay calls see the current time
            if (peer.nextDeadline() <= t) peer.onTimer(t);
        }
        assertThat(readPos).as("seed %d: bytes the engine received", seed).isEqualTo(bytes);
        assertThat(peer.received).as("seed %d: bytes the peer received", seed).isEqualTo(bytes);
        assertThat(events.closed.get(0)[1]).as("seed %d: close reason", seed).isEqualTo(CloseReason.NORMAL);
        assertThat(engine.counters().connections).isZero();
        assertThat(engine.bufferChunksUsed()).as("seed %d: chunks left", seed).isZero();
        if (TRACE || System.getenv("SIM_TIMES") != null) {
            System.out.printf("seed %d: engine->peer done at %.1f s, peer->engine done at %.1f s%n", seed,
                    peerDoneAt / 1e9, engineDoneAt / 1e9);
        }
        if (offloadMax > 0) {
            assertThat(sink.multiSegmentFrames).as("seed %d: frames of several segments", seed).isPositive();
            assertThat(sink.largestOffloadPayload).as("seed %d: within the sink's frame and 64 KB", seed)
                    .isLessThanOrEqualTo(Math.min(offloadMax, 65535));
        }
        return new Result(now[0], toPeer.sent, toEngine.sent, engine.counters().retransmits, engine.counters().toString());
    }

    @ParameterizedTest(name = "seed {0}, {1} bytes, ts={2}, sack={3}, cookies={4}")
    @CsvSource({
            "1, 4000000, true, true, false",
            "2, 4000000, true, false, false",
            "3, 4000000, false, true, false",
            "4, 4000000, false, false, false",
            "5, 2000000, true, true, true",
            "6, 2000000, false, false, true",
            "7, 2000000, true, true, true",
            "8, 2000000, true, false, false",
    })
    void lossyLinkMovesBytesExactly(long seed, long bytes, boolean ts, boolean sack, boolean cookies) {
        long t0 = System.nanoTime();
        Result r = run(seed, bytes, ts, sack, 0.05, cookies);
        System.out.printf("sim seed %d ts=%b sack=%b: %d bytes each way in %.1f virtual s, %.2f s real, %d engine retransmits%n",
                seed, ts, sack, bytes, r.virtualNs() / 1e9, (System.nanoTime() - t0) / 1e9, r.retransmits());
    }

    /** The same with a sink that offloads segmentation: the engine sends new data in frames of several MSS. */
    @ParameterizedTest(name = "GSO: seed {0}, {1} bytes, ts={2}, sack={3}, frames up to {4}")
    @CsvSource({
            "11, 4000000, true, true, 65494",
            "12, 4000000, true, false, 65494",
            "13, 4000000, false, true, 16000",
            "14, 2000000, false, false, 65494",
    })
    void lossyLinkMovesBytesExactlyWithOffloadedFrames(long seed, long bytes, boolean ts, boolean sack, int offloadMax) {
        Result r = run(seed, bytes, ts, sack, 0.05, false, offloadMax);
        System.out.printf("sim GSO seed %d ts=%b sack=%b: %d bytes each way in %.1f virtual s, %d engine retransmits%n",
                seed, ts, sack, bytes, r.virtualNs() / 1e9, r.retransmits());
    }

    @Test
    void fiftyMegabytesEachWay() {
        long t0 = System.nanoTime();
        Result r = run(50, 50_000_000L, true, true, 0.05, false);
        System.out.printf("sim 50 MB each way: %.1f virtual s, %.2f s real%n%s", r.virtualNs() / 1e9,
                (System.nanoTime() - t0) / 1e9, r.counters());
    }
}
