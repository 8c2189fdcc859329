package dev.portcullis.relay;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.tcp.ConnectionEvents;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.FrameSink;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.testing.TestBackend;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay on the real {@link TcpEngine}: a small TCP client of the test's own speaks frames to the engine
 * (built by wire's SegmentWriter, parsed by its FrameParser), the relay bridges to a TestBackend on 127.0.0.1.
 * What it shows at the frame level: while the backend does not read, the relay stops reading the engine and the
 * window the engine advertises to the client closes (RFC 9293 §3.8.6.2); afterwards every byte arrives.
 */
class RelayOverEngineTest {
    static final long CLIENT_MAC = 0x02_00_00_00_00_02L, LOCAL_MAC = 0x02_00_00_00_00_01L;
    static final int CLIENT_V4 = 0xc633_6407, VIP_V4 = 0xc000_020a; // 198.51.100.7 → 192.0.2.10
    static final int MSS = 1460;

    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoop loop = group.next();
    TestBackend backend;

    /** Frames the engine sends, collected in one buffer. */
    static final class Sink implements FrameSink {
        final MemorySegment buf = Arena.ofAuto().allocate(4 << 20);
        long used;
        final List<long[]> frames = new ArrayList<>();

        @Override public MemorySegment buffer() { return buf; }
        @Override public long claim(int maxLen) { return used + maxLen <= buf.byteSize() ? used : -1; }
        @Override public void commit(long offset, int length) { frames.add(new long[]{offset, length}); used = offset + length; }
    }

    /** The client's TCP, just enough: no retransmission (nothing is lost here), cumulative ACKs. */
    final class Client {
        final Sink sink = new Sink();
        TcpEngine engine;
        Relay relay;
        final RelayCounters counters = new RelayCounters();
        final OutSegment out = new OutSegment();
        final ParsedFrame in = new ParsedFrame();
        final MemorySegment scratch = Arena.ofAuto().allocate(2048);
        final int port = 40123;
        int iss = 1000, sndNxt, sndUna, rcvNxt, peerWindow;
        boolean established, peerFin;
        int minWindowSeen = Integer.MAX_VALUE;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        void start(BackendPool pool) {
            EngineConfig cfg = EngineConfig.builder().localMac(LOCAL_MAC).vipV4(VIP_V4).listen(80, 16)
                    .receiveBufferBytes(64 * 1024).sendBufferBytes(64 * 1024).memoryBudgetBytes(8 << 20)
                    .hashSeed(7).build();
            ConnectionEvents events = new ConnectionEvents() {
                @Override public void onAcceptable() { relay.onAcceptable(); }
                @Override public void onReadable(long id) { relay.onReadable(id); }
                @Override public void onWritable(long id) { relay.onWritable(id); }
                @Override public void onPeerFin(long id) { relay.onPeerFin(id); }
                @Override public void onClosed(long id, int reason) { relay.onClosed(id, reason); }
            };
            engine = new TcpEngine(cfg, new CookieCodec(new byte[32]), sink, events);
            relay = new Relay(loop, new TcpEngineConnections(engine, () -> engine.onTimer(System.nanoTime(), wall()), this::drain),
                    Map.of(80, new Route(80, pool, ProxyMode.NONE)), counters, System::nanoTime);
            loop.scheduleAtFixedRate(() -> { engine.onTimer(System.nanoTime(), wall()); drain(); }, 5, 5, TimeUnit.MILLISECONDS);
        }

        long wall() {
            return System.currentTimeMillis() / 1000;
        }

        /** One segment from the client into the engine, then whatever the engine answers. */
        void send(int flags, byte[] data, int off, int len) {
            out.resetSegment();
            out.srcMac = CLIENT_MAC; out.dstMac = LOCAL_MAC; out.ipVersion = 4;
            out.srcHi = 0; out.srcLo = ParsedFrame.v4Mapped(CLIENT_V4); out.dstHi = 0; out.dstLo = ParsedFrame.v4Mapped(VIP_V4);
            out.srcPort = port; out.dstPort = 80;
            out.seq = sndNxt; out.ack = rcvNxt; out.flags = flags; out.window = 65535;
            if ((flags & TcpFlags.SYN) != 0) out.mss = MSS;
            if (len > 0) {
                out.payload1 = MemorySegment.ofArray(data);
                out.payload1Offset = off;
                out.payload1Length = len;
            }
            int n = SegmentWriter.write(out, scratch, 0, (int) scratch.byteSize());
            assertThat(FrameParser.parse(scratch, 0, n, in)).isEqualTo(ParseVerdict.OK);
            sndNxt += len + ((flags & (TcpFlags.SYN | TcpFlags.FIN)) != 0 ? 1 : 0);
            engine.onFrame(in, System.nanoTime(), wall());
            drain();
        }

        /** Reads the engine's frames: learns its ISN, window and data; ACKs data and FIN. */
        void drain() {
            boolean ack = false;
            for (long[] f : sink.frames) {
                assertThat(FrameParser.parse(sink.buf, f[0], (int) f[1], in)).isEqualTo(ParseVerdict.OK);
                if ((in.flags & TcpFlags.RST) != 0) throw new AssertionError("RST from the engine");
                if ((in.flags & TcpFlags.SYN) != 0) {
                    rcvNxt = in.seq + 1;
                    established = true;
                }
                if ((in.flags & TcpFlags.ACK) != 0) {
                    sndUna = in.ack;
                    peerWindow = in.window; // no window scale negotiated: the raw field
                    if (established && (in.flags & TcpFlags.SYN) == 0) minWindowSeen = Math.min(minWindowSeen, in.window);
                }
                if (in.payloadLength > 0 && in.seq == rcvNxt) {
                    byte[] b = new byte[in.payloadLength];
                    MemorySegment.copy(sink.buf, ValueLayout.JAVA_BYTE, in.payloadOffset, b, 0, b.length);
                    received.writeBytes(b);
                    rcvNxt += b.length;
                    ack = true;
                }
                if ((in.flags & TcpFlags.FIN) != 0 && in.seq + in.payloadLength == rcvNxt && !peerFin) {
                    rcvNxt++;
                    peerFin = true;
                    ack = true;
                }
            }
            sink.frames.clear();
            sink.used = 0;
            if (ack && (sndNxt != iss || established)) send(TcpFlags.ACK, null, 0, 0);
        }

        /** Bytes the client may still send: the engine's window minus what is in flight. */
        int room() {
            return peerWindow - (sndNxt - sndUna);
        }
    }

    <T> T on(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (backend != null) backend.close();
    }

    @Test
    void a_slow_backend_closes_the_engines_window_then_every_byte_arrives() throws Exception {
        backend = new TestBackend(InetAddress.getLoopbackAddress(), 0, "slow", 64 * 1024);
        BackendPool pool = new BackendPool("web", List.of(new InetSocketAddress("127.0.0.1", backend.port())), Balance.ROUND_ROBIN,
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        Client c = new Client();
        on(() -> { c.start(pool); c.sndNxt = c.iss; c.sndUna = c.iss; c.send(TcpFlags.SYN, null, 0, 0); return null; });
        assertThat(c.established).as("SYN-ACK").isTrue();
        on(() -> { c.send(TcpFlags.ACK, null, 0, 0); return null; });

        byte[] cmd = "SINK-AFTER 1500\n".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[16 << 20];
        new Random(3).nextBytes(data);
        byte[] all = new byte[cmd.length + data.length];
        System.arraycopy(cmd, 0, all, 0, cmd.length);
        System.arraycopy(data, 0, all, cmd.length, data.length);

        int sent = 0;
        long holdEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        boolean closedWhileHeld = false;
        long relayedWhenClosed = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sent < all.length) {
            final int off = sent;
            int n = on(() -> {
                // fill the window exactly (a last short segment too), so a full buffer shows as window 0
                int pos = off;
                for (int k = 0; k < 64 && pos < all.length && c.room() > 0; k++) {
                    int len = Math.min(Math.min(MSS, c.room()), all.length - pos);
                    c.send(TcpFlags.ACK | TcpFlags.PSH, all, pos, len);
                    pos += len;
                }
                return pos - off;
            });
            sent += n;
            if (n == 0) {
                if (System.nanoTime() - holdEnds < 0 && !closedWhileHeld && on(() -> c.peerWindow == 0)) {
                    closedWhileHeld = true;
                    relayedWhenClosed = on(() -> c.counters.bytesToBackend);
                }
                Thread.sleep(1);
            }
            assertThat(System.nanoTime() - deadline).as("time").isNegative();
        }
        assertThat(closedWhileHeld).as("the engine advertised a zero window while the backend held").isTrue();
        assertThat(c.minWindowSeen).isZero();
        // the window closed because the backend stopped taking bytes, not because nothing was relayed: the relay
        // had moved more than the engine's buffer, and far less than the whole stream
        assertThat(relayedWhenClosed).isGreaterThan(64 * 1024).isLessThan(all.length / 2);
        System.out.println("engine window 0 after " + relayedWhenClosed + " bytes relayed to the held backend");
        on(() -> { c.send(TcpFlags.ACK | TcpFlags.FIN, null, 0, 0); return null; });
        String expect = "SINK " + data.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + "\n";
        while (!on(() -> c.peerFin)) {
            Thread.sleep(2);
            assertThat(System.nanoTime() - deadline).as("time").isNegative();
        }
        assertThat(new String(c.received.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(expect);
        assertThat(c.counters.bytesToBackend).isEqualTo(all.length);
    }
}
