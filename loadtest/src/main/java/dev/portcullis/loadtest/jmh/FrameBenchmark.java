package dev.portcullis.loadtest.jmh;

import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Parse a Linux-style SYN (74 bytes) and build a SYN-ACK with options, both in off-heap segments. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameBenchmark {
    private Arena arena;
    private MemorySegment rx, tx;
    private int synLength;
    private final ParsedFrame parsed = new ParsedFrame();
    private final OutSegment synAck = new OutSegment();
    private int seq;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        rx = arena.allocate(2048, 64);
        tx = arena.allocate(2048, 64);
        OutSegment syn = new OutSegment();
        syn.srcMac = 0x0200_0000_000aL;
        syn.dstMac = 0x0200_0000_000bL;
        syn.ipVersion = 4;
        syn.srcLo = ParsedFrame.v4Mapped(0x0a00_0001);
        syn.dstLo = ParsedFrame.v4Mapped(0x0a00_0002);
        syn.srcPort = 40000;
        syn.dstPort = 80;
        syn.seq = 0x1234_5678;
        syn.flags = TcpFlags.SYN;
        syn.window = 64240;
        syn.mss = 1460;
        syn.sackPermitted = true;
        syn.hasTimestamp = true;
        syn.tsVal = 12345;
        syn.windowScale = 7;
        synLength = SegmentWriter.write(syn, rx, 0, 2048);

        synAck.srcMac = syn.dstMac;
        synAck.dstMac = syn.srcMac;
        synAck.ipVersion = 4;
        synAck.srcLo = syn.dstLo;
        synAck.dstLo = syn.srcLo;
        synAck.srcPort = 80;
        synAck.dstPort = 40000;
        synAck.ack = syn.seq + 1;
        synAck.flags = TcpFlags.SYN | TcpFlags.ACK;
        synAck.window = 65535;
        synAck.mss = 1460;
        synAck.sackPermitted = true;
        synAck.hasTimestamp = true;
        synAck.tsEcr = syn.tsVal;
        synAck.windowScale = 7;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int parseSyn() {
        FrameParser.parse(rx, 0, synLength, parsed);
        return parsed.seq + parsed.mss + parsed.tsVal;
    }

    @Benchmark
    public int buildSynAck() {
        synAck.seq = seq++;
        synAck.tsVal = seq;
        return SegmentWriter.write(synAck, tx, 0, 2048);
    }
}
