package dev.portcullis.cookie;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The SYN path allocates nothing (STYLE §6): parse a SYN, check its checksum, make a cookie, write the SYN-ACK,
 * check a final ACK's cookie, 100,000 times, measured with the thread's allocated-bytes counter.
 */
class NoAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void synPathAllocatesNothing() {
        CookieCodec codec = new CookieCodec("0123456789abcdef0123456789abcdef".getBytes());
        MemorySegment rx = Arena.ofAuto().allocate(2048);
        MemorySegment tx = Arena.ofAuto().allocate(2048);
        OutSegment syn = new OutSegment();
        syn.ipVersion = 4;
        syn.srcLo = ParsedFrame.v4Mapped(0x0a000001);
        syn.dstLo = ParsedFrame.v4Mapped(0x0a000002);
        syn.srcPort = 40000;
        syn.dstPort = 80;
        syn.flags = TcpFlags.SYN;
        syn.mss = 1460;
        syn.sackPermitted = true;
        syn.hasTimestamp = true;
        syn.windowScale = 7;
        int synLen = SegmentWriter.write(syn, rx, 0, 2048);
        ParsedFrame f = new ParsedFrame();
        OutSegment out = new OutSegment();
        long now = 1_795_000_000L;
        run(codec, rx, synLen, tx, f, out, now, 20_000);       // warm up
        long before = THREADS.getCurrentThreadAllocatedBytes();
        long sink = run(codec, rx, synLen, tx, f, out, now, 100_000);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("SYN path: %d bytes allocated over 100000 SYNs (sink %d)%n", allocated, sink);
        assertThat(allocated).isLessThan(1024);   // the counter itself may report a few bytes of noise
    }

    private static long run(CookieCodec codec, MemorySegment rx, int synLen, MemorySegment tx, ParsedFrame f,
                            OutSegment out, long now, int n) {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            if (FrameParser.parse(rx, 0, synLen, f) != ParseVerdict.OK || !Checksum.verifyL4(f)) throw new AssertionError();
            int mssIndex = MssTable.indexFor(f.mss, f.ipVersion == 6);
            int cookie = codec.generate(f.srcHi, f.srcLo, f.srcPort, f.dstHi, f.dstLo, f.dstPort, f.seq + i, mssIndex, now);
            out.ipVersion = 4;
            out.srcLo = f.dstLo;
            out.dstLo = f.srcLo;
            out.srcPort = f.dstPort;
            out.dstPort = f.srcPort;
            out.seq = cookie;
            out.ack = f.seq + 1;
            out.flags = TcpFlags.SYN | TcpFlags.ACK;
            out.mss = MssTable.mss(mssIndex, false);
            out.hasTimestamp = true;
            out.tsVal = TsCookie.encode(i, f.windowScale, f.sackPermitted, false);
            out.tsEcr = f.tsVal;
            sink += SegmentWriter.write(out, tx, 0, 2048);
            sink += codec.check(f.srcHi, f.srcLo, f.srcPort, f.dstHi, f.dstLo, f.dstPort, f.seq + i, cookie, now + 1);
        }
        return sink;
    }
}
