package dev.portcullis.loadtest.jmh;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.tcp.ConnectionEvents;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.FrameSink;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The engine's hot paths, frames already parsed (as the shard hands them over):
 * <ul>
 *   <li>{@code synToCookieSynAck}: a SYN in, a cookie SYN-ACK written into the TX batch (table probe, SipHash,
 *       options, checksums); each op a new source port and ISN.</li>
 *   <li>{@code writeAndAck}: on an established connection, the relay writes one MSS (a data segment goes out) and
 *       the peer's ACK for it comes in (RTT, cwnd, buffer release).</li>
 *   <li>{@code dataInAndRead}: one in-order MSS-sized data segment in (into the receive buffer, delayed-ACK
 *       logic) and read out by the relay.</li>
 * </ul>
 * Run: {@code java -jar loadtest/target/benchmarks.jar EngineBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class EngineBenchmark {
    private static final long CLIENT_MAC = 0x02_00_00_00_00_02L, LOCAL_MAC = 0x02_00_00_00_00_01L;
    private static final int CLIENT = 0x0a00_0002, VIP = 0x0a00_0001;
    private static final long WALL = 1_700_000_000L;

    /** A TX batch that is emptied after every operation. */
    static final class Batch implements FrameSink {
        final MemorySegment buf = Arena.ofAuto().allocate(1 << 20);
        long used;
        int frames;
        @Override public MemorySegment buffer() { return buf; }
        @Override public long claim(int maxLen) { return used + maxLen <= buf.byteSize() ? used : -1; }
        @Override public void commit(long offset, int length) { used = offset + length; frames++; }
        void reset() { used = 0; frames = 0; }
    }

    static final class Quiet implements ConnectionEvents {
        long acceptable, readable, writable;
        @Override public void onAcceptable() { acceptable++; }
        @Override public void onReadable(long id) { readable++; }
        @Override public void onWritable(long id) { writable++; }
        @Override public void onPeerFin(long id) { }
        @Override public void onClosed(long id, int reason) { }
    }

    private TcpEngine engine;
    private final Batch batch = new Batch();
    private final Quiet events = new Quiet();
    private final ParsedFrame syn = new ParsedFrame(), ack = new ParsedFrame(), data = new ParsedFrame();
    private final ParsedFrame out = new ParsedFrame();
    private final MemorySegment synBuf = Arena.ofAuto().allocate(2048), ackBuf = Arena.ofAuto().allocate(2048);
    private final MemorySegment dataBuf = Arena.ofAuto().allocate(4096), payload = Arena.ofAuto().allocate(4096);
    private final MemorySegment readBuf = Arena.ofAuto().allocate(65536);
    private long now = 1_000_000_000L;
    private int port = 1024;
    private long id;
    private int clientSeq, serverSeq;

    private static OutSegment base(int srcPort) {
        OutSegment o = new OutSegment();
        o.srcMac = CLIENT_MAC;
        o.dstMac = LOCAL_MAC;
        o.ipVersion = 4;
        o.srcLo = ParsedFrame.v4Mapped(CLIENT);
        o.dstLo = ParsedFrame.v4Mapped(VIP);
        o.srcPort = srcPort;
        o.dstPort = 80;
        o.window = 65535;
        return o;
    }

    private static void parse(OutSegment o, MemorySegment buf, ParsedFrame f) {
        int len = SegmentWriter.write(o, buf, 0, (int) buf.byteSize());
        if (FrameParser.parse(buf, 0, len, f) != ParseVerdict.OK) throw new IllegalStateException("setup frame");
    }

    @Setup(Level.Trial)
    public void setup() {
        EngineConfig cfg = EngineConfig.builder().localMac(LOCAL_MAC).vipV4(VIP).listen(80, 1 << 16)
                .maxConnections(1024).memoryBudgetBytes(16 << 20).timestamps(true).build();
        engine = new TcpEngine(cfg, new CookieCodec(new byte[32]), batch, events);
        OutSegment s = base(40000);
        s.flags = TcpFlags.SYN;
        s.seq = 1000;
        s.mss = 1460;
        s.windowScale = 7;
        s.sackPermitted = true;
        s.hasTimestamp = true;
        s.tsVal = 1;
        parse(s, synBuf, syn);
        // one established connection for the data-path benchmarks
        engine.onFrame(syn, now, WALL);
        FrameParser.parse(batch.buf, 0, (int) batch.used, out);
        serverSeq = out.seq + 1;
        clientSeq = 1001;
        batch.reset();
        OutSegment a = base(40000);
        a.flags = TcpFlags.ACK;
        a.seq = clientSeq;
        a.ack = serverSeq;
        a.window = 65535;
        a.hasTimestamp = true;
        a.tsVal = 2;
        a.tsEcr = out.tsVal;
        parse(a, ackBuf, ack);
        engine.onFrame(ack, now, WALL);
        id = engine.accept();
        if (id < 0) throw new IllegalStateException("no connection");
        OutSegment d = base(40000);
        d.flags = TcpFlags.ACK | TcpFlags.PSH;
        d.seq = clientSeq;
        d.ack = serverSeq;
        d.hasTimestamp = true;
        d.tsVal = 3;
        d.payload1 = payload;
        d.payload1Length = 1448;
        parse(d, dataBuf, data);
        batch.reset();
    }

    @Benchmark
    public int synToCookieSynAck() {
        ParsedFrame f = syn;
        f.srcPort = port = port == 65535 ? 1024 : port + 1;   // not the established connection's port
        f.seq += 7919;
        now += 1000;
        engine.onFrame(f, now, WALL);
        int n = batch.frames;
        batch.reset();
        return n;
    }

    @Benchmark
    public int writeAndAck() {
        now += 1000;
        int w = engine.write(id, payload, 0, 1448);      // one segment goes out
        serverSeq += w;
        ParsedFrame f = ack;
        f.seq = clientSeq;
        f.ack = serverSeq;
        f.tsVal++;
        now += 1000;
        engine.onFrame(f, now, WALL);                     // and is acknowledged
        int n = batch.frames;
        batch.reset();
        return n;
    }

    @Benchmark
    public int dataInAndRead() {
        ParsedFrame f = data;
        f.seq = clientSeq;
        f.ack = serverSeq;
        f.tsVal++;
        clientSeq += 1448;
        now += 1000;
        engine.onFrame(f, now, WALL);
        int r = engine.read(id, readBuf, 0, 65536);
        batch.reset();
        return r;
    }
}
