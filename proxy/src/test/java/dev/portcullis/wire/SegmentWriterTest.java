package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Round trips: every frame the writers build parses back to the fields it was built from, checksums valid. */
class SegmentWriterTest {
    private final ParsedFrame f = new ParsedFrame();

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void synAckWithAllOptionsRoundTrips(int ipVersion) {
        OutSegment s = Frames.syn(ipVersion);
        s.flags = TcpFlags.SYN | TcpFlags.ACK;
        s.ack = 0x1111_2222;
        s.tsEcr = 0x0102_0304;
        MemorySegment frame = Frames.write(s);

        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_TCP);
        assertThat(f.ipVersion).isEqualTo(ipVersion);
        assertThat(f.srcMac).isEqualTo(Frames.CLIENT_MAC);
        assertThat(f.dstMac).isEqualTo(Frames.SERVER_MAC);
        assertThat(f.vlanTci).isEqualTo(-1);
        assertThat(new long[] {f.srcHi, f.srcLo, f.dstHi, f.dstLo}).containsExactly(s.srcHi, s.srcLo, s.dstHi, s.dstLo);
        assertThat(f.ttl).isEqualTo(64);
        assertThat(f.srcPort).isEqualTo(40000);
        assertThat(f.dstPort).isEqualTo(80);
        assertThat(f.seq).isEqualTo(0x1234_5678);
        assertThat(f.ack).isEqualTo(0x1111_2222);
        assertThat(f.flags).isEqualTo(TcpFlags.SYN | TcpFlags.ACK);
        assertThat(f.window).isEqualTo(64240);
        assertThat(f.mss).isEqualTo(s.mss);
        assertThat(f.windowScale).isEqualTo(7);
        assertThat(f.sackPermitted).isTrue();
        assertThat(f.hasTimestamp).isTrue();
        assertThat(f.tsVal).isEqualTo(0xdead_beef);
        assertThat(f.tsEcr).isEqualTo(0x0102_0304);
        assertThat(f.sackBlockCount).isZero();
        assertThat(f.payloadLength).isZero();
        assertThat(f.fragment).isFalse();
        // MSS(4) + SACK_PERM+TS(12) + NOP WS(4): 40-byte TCP header, like Linux's SYN-ACK
        assertThat(f.payloadOffset - f.l4Offset).isEqualTo(40);
        assertThat(Checksum.verifyL4(f)).isTrue();
        assertThat(Checksum.verifyIpv4Header(f)).isTrue();
        assertThat(frame.byteSize()).isEqualTo(SegmentWriter.frameLength(s));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void viewsReadWhatTheWriterWrote(int ipVersion) {
        OutSegment s = Frames.syn(ipVersion);
        MemorySegment frame = Frames.write(s);
        EthernetView eth = new EthernetView();
        assertThat(eth.wrap(frame, 0, (int) frame.byteSize())).isTrue();
        assertThat(eth.dstMac()).isEqualTo(Frames.SERVER_MAC);
        assertThat(eth.srcMac()).isEqualTo(Frames.CLIENT_MAC);
        assertThat(eth.vlanTci()).isEqualTo(-1);
        int ipLen;
        if (ipVersion == 4) {
            assertThat(eth.etherType()).isEqualTo(EthernetView.ETHERTYPE_IPV4);
            Ipv4View ip = new Ipv4View();
            assertThat(ip.wrap(frame, 14, (int) frame.byteSize() - 14)).isTrue();
            assertThat(ip.version()).isEqualTo(4);
            assertThat(ip.ihl()).isEqualTo(5);
            assertThat(ip.dontFragment()).isTrue();
            assertThat(ip.moreFragments()).isFalse();
            assertThat(ip.identification()).isZero();
            assertThat(ip.protocol()).isEqualTo(6);
            assertThat(ip.src()).isEqualTo(Frames.CLIENT_V4);
            assertThat(ip.dst()).isEqualTo(Frames.SERVER_V4);
            assertThat(ip.totalLength()).isEqualTo((int) frame.byteSize() - 14);
            assertThat(ip.checksumValid()).isTrue();
            ipLen = 20;
        } else {
            assertThat(eth.etherType()).isEqualTo(EthernetView.ETHERTYPE_IPV6);
            Ipv6View ip = new Ipv6View();
            assertThat(ip.wrap(frame, 14, (int) frame.byteSize() - 14)).isTrue();
            assertThat(ip.version()).isEqualTo(6);
            assertThat(ip.nextHeader()).isEqualTo(6);
            assertThat(ip.hopLimit()).isEqualTo(64);
            assertThat(ip.srcHi()).isEqualTo(Frames.CLIENT_V6_HI);
            assertThat(ip.srcLo()).isEqualTo(Frames.CLIENT_V6_LO);
            assertThat(ip.dstLo()).isEqualTo(Frames.SERVER_V6_LO);
            assertThat(ip.payloadLength()).isEqualTo((int) frame.byteSize() - 54);
            ipLen = 40;
        }
        TcpView tcp = new TcpView();
        assertThat(tcp.wrap(frame, 14 + ipLen, (int) frame.byteSize() - 14 - ipLen)).isTrue();
        assertThat(tcp.srcPort()).isEqualTo(40000);
        assertThat(tcp.seq()).isEqualTo(0x1234_5678);
        assertThat(tcp.flags()).isEqualTo(TcpFlags.SYN);
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.optionsLength()).isEqualTo(20);
        assertThat(tcp.payloadLength()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void ackWithoutOptionsIsTwentyBytesOfTcp(int ipVersion) {
        OutSegment s = Frames.syn(ipVersion).resetSegment();
        s.flags = TcpFlags.ACK;
        s.seq = -1;              // wraps: 0xffffffff
        s.ack = 0x8000_0000;
        s.window = 0xffff;
        MemorySegment frame = Frames.write(s);
        assertThat(frame.byteSize()).isEqualTo(14 + (ipVersion == 4 ? 20 : 40) + 20);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.flags).isEqualTo(TcpFlags.ACK);
        assertThat(f.seq).isEqualTo(-1);
        assertThat(f.ack).isEqualTo(0x8000_0000);
        assertThat(f.window).isEqualTo(0xffff);
        assertThat(f.mss).isEqualTo(-1);
        assertThat(f.windowScale).isEqualTo(-1);
        assertThat(f.hasTimestamp).isFalse();
        assertThat(f.sackPermitted).isFalse();
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void rstRoundTrips() {
        OutSegment s = Frames.syn(4).resetSegment();
        s.flags = TcpFlags.RST | TcpFlags.ACK;
        s.seq = 0;
        s.ack = 0x1234_5679;
        s.window = 0;
        MemorySegment frame = Frames.write(s);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.flags).isEqualTo(TcpFlags.RST | TcpFlags.ACK);
        assertThat(f.ack).isEqualTo(0x1234_5679);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void dataSegmentWithTwoPayloadPiecesAndSackBlocks(int ipVersion) {
        byte[] a = "hello, ".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "world (an odd length!)".getBytes(StandardCharsets.US_ASCII);
        OutSegment s = Frames.syn(ipVersion).resetSegment();
        s.flags = TcpFlags.ACK | TcpFlags.PSH;
        s.hasTimestamp = true;
        s.tsVal = 5;
        s.tsEcr = 6;
        s.sackBlockCount = 3;
        for (int i = 0; i < 3; i++) {
            s.sackLeft[i] = 1000 * i;
            s.sackRight[i] = 1000 * i + 500;
        }
        s.payload1 = MemorySegment.ofArray(a);
        s.payload1Length = a.length;
        s.payload2 = MemorySegment.ofArray(("xx" + new String(b, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
        s.payload2Offset = 2;
        s.payload2Length = b.length;
        s.trafficClass = 0x02;   // ECT(0)
        MemorySegment frame = Frames.write(s);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.trafficClass).isEqualTo(0x02);
        assertThat(f.hasTimestamp).isTrue();
        assertThat(f.tsVal).isEqualTo(5);
        assertThat(f.tsEcr).isEqualTo(6);
        assertThat(f.sackBlockCount).isEqualTo(3);
        assertThat(f.sackLeft).startsWith(0, 1000, 2000);
        assertThat(f.sackRight).startsWith(500, 1500, 2500);
        assertThat(f.payloadLength).isEqualTo(a.length + b.length);
        byte[] got = frame.asSlice(f.payloadOffset, f.payloadLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("hello, world (an odd length!)");
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void sackBlocksThatDoNotFitAreDropped() {
        OutSegment s = Frames.syn(4).resetSegment();
        s.flags = TcpFlags.ACK;
        s.hasTimestamp = true;
        s.sackBlockCount = 4;     // 12 (TS) + 4 + 32 > 40: only 3 fit
        MemorySegment frame = Frames.write(s);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.sackBlockCount).isEqualTo(3);
        assertThat(f.payloadOffset - f.l4Offset).isEqualTo(60);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void vlanTagIsWrittenAndParsed(int ipVersion) {
        OutSegment s = Frames.syn(ipVersion);
        s.vlanTci = 0x2064;   // PCP 1, VID 100
        MemorySegment frame = Frames.write(s);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.vlanTci).isEqualTo(0x2064);
        assertThat(f.l3Offset).isEqualTo(18);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void payloadLargerThanAnyMssIsFine() {
        OutSegment s = Frames.syn(4).resetSegment();
        s.flags = TcpFlags.ACK;
        s.payload1 = MemorySegment.ofArray(new byte[65_000]);
        s.payload1Length = 65_000;
        MemorySegment frame = Frames.write(s);
        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.payloadLength).isEqualTo(65_000);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void tooSmallCapacityOrTooLongPayloadGivesMinusOne() {
        OutSegment s = Frames.syn(4);
        MemorySegment buf = Frames.buffer(2048);
        int len = SegmentWriter.frameLength(s);
        assertThat(SegmentWriter.write(s, buf, 0, len - 1)).isEqualTo(-1);
        assertThat(SegmentWriter.write(s, buf, 100, len)).isEqualTo(len);
        assertThat(SegmentWriter.write(s, buf, 2048 - len + 1, 4096)).isEqualTo(-1);   // capacity past the buffer
        assertThat(SegmentWriter.write(s, buf, -1, 4096)).isEqualTo(-1);
        s.resetSegment();
        s.payload1 = MemorySegment.ofArray(new byte[70_000]);
        s.payload1Length = 70_000;
        assertThat(SegmentWriter.write(s, Frames.buffer(80_000), 0, 80_000)).isEqualTo(-1);
    }
}
