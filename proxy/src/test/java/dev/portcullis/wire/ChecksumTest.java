package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChecksumTest {
    /** Straightforward 16-bit-word reference (RFC 1071 §4.1). */
    static int reference(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        if ((len & 1) != 0) sum += (b[off + len - 1] & 0xff) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2
        MemorySegment s = Frames.hex("0001f203f4f5f6f7");
        assertThat(Checksum.fold(Checksum.sum(s, 0, 8, 0))).isEqualTo(0xddf2);
    }

    static IntStream seeds() {
        return IntStream.range(0, 50);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void wideSumMatchesWordByWordSum(int seed) {
        Random r = new Random(seed);
        byte[] b = new byte[r.nextInt(3000) + 1];
        r.nextBytes(b);
        int off = r.nextInt(Math.min(7, b.length));
        int len = b.length - off;
        assertThat(Checksum.fold(Checksum.sum(MemorySegment.ofArray(b), off, len, 0))).isEqualTo(reference(b, off, len));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void incrementalUpdateMatchesFullRecomputation(int seed) {
        Random r = new Random(seed);
        byte[] b = new byte[64];
        r.nextBytes(b);
        MemorySegment s = MemorySegment.ofArray(b);
        Bytes.put16(s, 10, 0);
        int check = Checksum.finish(Checksum.sum(s, 0, 64, 0));
        Bytes.put16(s, 10, check);
        // a 16-bit word
        int old16 = Bytes.u16(s, 20);
        int new16 = r.nextInt(0x10000);
        Bytes.put16(s, 20, new16);
        check = Checksum.adjust16(check, old16, new16);
        Bytes.put16(s, 10, check);
        assertThat(Checksum.fold(Checksum.sum(s, 0, 64, 0))).isEqualTo(0xffff);
        // a 32-bit field (e.g. a sequence number)
        int old32 = Bytes.i32(s, 24);
        int new32 = r.nextInt();
        Bytes.put32(s, 24, new32);
        check = Checksum.adjust32(check, old32, new32);
        Bytes.put16(s, 10, check);
        assertThat(Checksum.fold(Checksum.sum(s, 0, 64, 0))).isEqualTo(0xffff);
        Bytes.put16(s, 10, 0);
        assertThat(check).isEqualTo(Checksum.finish(Checksum.sum(s, 0, 64, 0)));
    }

    @Test
    void rfc1624CaseWhereEquationTwoGoesWrong() {
        // RFC 1624 §4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 (eqn. 3), not 0xFFFF
        assertThat(Checksum.adjust16(0xdd2f, 0x5555, 0x3285)).isEqualTo(0x0000);
    }

    @Test
    void corruptedSegmentFailsVerification() {
        MemorySegment frame = Frames.copy(Frames.write(Frames.syn(6)));
        ParsedFrame f = new ParsedFrame();
        Frames.parse(frame, f);
        assertThat(Checksum.verifyL4(f)).isTrue();
        Bytes.put8(frame, f.l4Offset + 4, Bytes.u8(frame, f.l4Offset + 4) ^ 0x01);
        assertThat(Checksum.verifyL4(f)).isFalse();
        // and a changed pseudo-header field (destination address) is caught too
        Bytes.put8(frame, f.l4Offset + 4, Bytes.u8(frame, f.l4Offset + 4) ^ 0x01);
        f.dstLo ^= 1;
        assertThat(Checksum.verifyL4(f)).isFalse();
    }

    @Test
    void rewritingFieldsInPlaceWithIncrementalUpdatesKeepsTheFrameValid() {
        MemorySegment frame = Frames.copy(Frames.write(Frames.syn(4)));
        ParsedFrame f = new ParsedFrame();
        Frames.parse(frame, f);
        TcpView tcp = new TcpView();
        assertThat(tcp.wrap(frame, f.l4Offset, f.l4Length)).isTrue();
        int oldSeq = tcp.seq();
        tcp.seq(0xfeed_f00d).checksum(Checksum.adjust32(tcp.checksum(), oldSeq, 0xfeed_f00d));
        int oldWindow = tcp.window();
        tcp.window(1234).checksum(Checksum.adjust16(tcp.checksum(), oldWindow, 1234));
        Ipv4View ip = new Ipv4View();
        assertThat(ip.wrap(frame, f.l3Offset, 20)).isTrue();
        int oldWord = Bytes.u16(frame, f.l3Offset + Ipv4View.TTL_OFFSET);
        ip.ttl(63);
        ip.checksum(Checksum.adjust16(ip.checksum(), oldWord, Bytes.u16(frame, f.l3Offset + Ipv4View.TTL_OFFSET)));

        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.seq).isEqualTo(0xfeed_f00d);
        assertThat(f.window).isEqualTo(1234);
        assertThat(f.ttl).isEqualTo(63);
        assertThat(Checksum.verifyL4(f)).isTrue();
        assertThat(Checksum.verifyIpv4Header(f)).isTrue();
        assertThat(ip.checksumValid()).isTrue();
    }
}
