package dev.portcullis.wire;

import static dev.portcullis.wire.ParseVerdict.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One test (at least) per rejection reason; nothing throws, every verdict is a counter index. */
class FrameParserBadInputTest {
    private static final int ETH = 14, IP4 = 14, TCP4 = 34, IP6 = 14, TCP6 = 54;
    private final ParsedFrame f = new ParsedFrame();

    private static MemorySegment syn(int v) {
        return Frames.copy(Frames.write(Frames.syn(v)));
    }

    private int parse(MemorySegment frame) {
        return Frames.parse(frame, f);
    }

    @Test
    void boundsOutsideTheSegment() {
        MemorySegment frame = syn(4);
        int n = (int) frame.byteSize();
        assertThat(FrameParser.parse(frame, 1, n, f)).isEqualTo(BAD_BOUNDS);
        assertThat(FrameParser.parse(frame, -1, 10, f)).isEqualTo(BAD_BOUNDS);
        assertThat(FrameParser.parse(frame, 0, -5, f)).isEqualTo(BAD_BOUNDS);
        assertThat(FrameParser.parse(frame, Long.MAX_VALUE, 20, f)).isEqualTo(BAD_BOUNDS);
        assertThat(f.verdict).isEqualTo(BAD_BOUNDS);
    }

    @Test
    void truncatedEthernet() {
        MemorySegment frame = syn(4);
        assertThat(FrameParser.parse(frame, 0, 13, f)).isEqualTo(TRUNCATED_ETHERNET);
        assertThat(FrameParser.parse(frame, 0, 0, f)).isEqualTo(TRUNCATED_ETHERNET);
        Bytes.put16(frame, 12, EthernetView.ETHERTYPE_VLAN);
        assertThat(FrameParser.parse(frame, 0, 17, f)).isEqualTo(TRUNCATED_ETHERNET);
    }

    @Test
    void unsupportedEtherType() {
        MemorySegment frame = syn(4);
        Bytes.put16(frame, 12, 0x88cc);   // LLDP
        assertThat(parse(frame)).isEqualTo(UNSUPPORTED_ETHERTYPE);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_OTHER);
    }

    @Test
    void arpTruncatedOrForeign() {
        MemorySegment buf = Frames.buffer(64);
        int len = ArpWriter.gratuitous(buf, 0, 64, Frames.SERVER_MAC, Frames.SERVER_V4, -1);
        assertThat(FrameParser.parse(buf, 0, len - 1, f)).isEqualTo(TRUNCATED_ARP);
        Bytes.put8(buf, ETH + ArpView.HLEN_OFFSET, 8);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(BAD_ARP);
        Bytes.put8(buf, ETH + ArpView.HLEN_OFFSET, 6);
        Bytes.put16(buf, ETH + ArpView.PTYPE_OFFSET, EthernetView.ETHERTYPE_IPV6);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(BAD_ARP);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void truncatedIp(int v) {
        MemorySegment frame = syn(v);
        assertThat(FrameParser.parse(frame, 0, ETH + (v == 4 ? 19 : 39), f)).isEqualTo(TRUNCATED_IP);
    }

    @Test
    void versionNibbleDisagreesWithEtherType() {
        MemorySegment frame = syn(4);
        Bytes.put8(frame, IP4, 0x65);
        assertThat(parse(frame)).isEqualTo(BAD_IP_VERSION);
        MemorySegment six = syn(6);
        Bytes.put8(six, IP6, 0x45);
        assertThat(parse(six)).isEqualTo(BAD_IP_VERSION);
    }

    @Test
    void ihlBelowFiveOrPastTheFrameOrPastTheTotalLength() {
        MemorySegment frame = syn(4);
        Bytes.put8(frame, IP4, 0x44);
        assertThat(parse(frame)).isEqualTo(BAD_IHL);
        Bytes.put8(frame, IP4, 0x40);
        assertThat(parse(frame)).isEqualTo(BAD_IHL);
        Bytes.put8(frame, IP4, 0x4f);      // 60 bytes of header, total length 60: TCP would be empty
        Bytes.put16(frame, IP4 + 2, 40);   // total length below the header
        assertThat(parse(frame)).isEqualTo(BAD_IHL);
        assertThat(FrameParser.parse(frame, 0, ETH + 40, f)).isEqualTo(BAD_IHL);   // header past the frame
    }

    @Test
    void ipv4OptionsAreSkippedByIhl() {
        // rebuild a SYN with 8 bytes of IPv4 options (NOP NOP NOP EOL padding)
        MemorySegment base = syn(4);
        int n = (int) base.byteSize();
        MemorySegment frame = MemorySegment.ofArray(new byte[n + 8]);
        MemorySegment.copy(base, 0, frame, 0, TCP4);
        MemorySegment.copy(base, TCP4, frame, TCP4 + 8, n - TCP4);
        Bytes.put32(frame, TCP4, 0x01010100);
        Bytes.put8(frame, IP4, 0x47);
        Bytes.put16(frame, IP4 + 2, Bytes.u16(base, IP4 + 2) + 8);
        Bytes.put16(frame, IP4 + 10, 0);
        Bytes.put16(frame, IP4 + 10, Checksum.finish(Checksum.sum(frame, IP4, 28, 0)));
        assertThat(parse(frame)).isEqualTo(OK);
        assertThat(f.l4Offset).isEqualTo(TCP4 + 8);
        assertThat(f.srcPort).isEqualTo(40000);
        assertThat(f.mss).isEqualTo(1460);
        assertThat(Checksum.verifyIpv4Header(f)).isTrue();
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void ipv4TotalLengthZeroOrPastTheFrame() {
        MemorySegment frame = syn(4);
        int total = Bytes.u16(frame, IP4 + 2);
        Bytes.put16(frame, IP4 + 2, 0);
        assertThat(parse(frame)).isEqualTo(BAD_IP_LENGTH);
        Bytes.put16(frame, IP4 + 2, total + 1);
        assertThat(parse(frame)).isEqualTo(BAD_IP_LENGTH);
    }

    @Test
    void gsoFrameTakesTheLengthFromTheFrame() {
        MemorySegment frame = syn(4);
        int total = Bytes.u16(frame, IP4 + 2);
        Bytes.put16(frame, IP4 + 2, 0);     // IPv4 big TCP: total length 0 on the ring
        assertThat(FrameParser.parse(frame, 0, (int) frame.byteSize(), f, true)).isEqualTo(OK);
        assertThat(f.l4Length).isEqualTo(total - 20);
        assertThat(f.mss).isEqualTo(1460);
        MemorySegment six = syn(6);
        int payload = Bytes.u16(six, IP6 + 4);
        Bytes.put16(six, IP6 + 4, 0);
        assertThat(parse(six)).isEqualTo(BAD_IP_LENGTH);
        assertThat(FrameParser.parse(six, 0, (int) six.byteSize(), f, true)).isEqualTo(OK);
        assertThat(f.l4Length).isEqualTo(payload);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void ethernetPaddingAfterTheIpPacketIsIgnored(int v) {
        OutSegment s = Frames.syn(v).resetSegment();
        s.flags = TcpFlags.ACK;
        MemorySegment base = Frames.write(s);                 // 54 or 74 bytes
        MemorySegment frame = MemorySegment.ofArray(new byte[(int) base.byteSize() + 6]);
        MemorySegment.copy(base, 0, frame, 0, base.byteSize());
        frame.asSlice(base.byteSize()).fill((byte) 0x5a);     // padding up to the 60-byte minimum and beyond
        assertThat(parse(frame)).isEqualTo(OK);
        assertThat(f.payloadLength).isZero();
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void ipv6PayloadLengthPastTheFrame() {
        MemorySegment frame = syn(6);
        Bytes.put16(frame, IP6 + 4, Bytes.u16(frame, IP6 + 4) + 1);
        assertThat(parse(frame)).isEqualTo(BAD_IP_LENGTH);
    }

    /** An IPv6 SYN with {@code ext} inserted after the fixed header; {@code firstNh} names the first of them. */
    static MemorySegment withExtensions(int firstNh, byte[] ext) {
        MemorySegment base = Frames.copy(Frames.write(Frames.syn(6)));
        int n = (int) base.byteSize();
        MemorySegment frame = MemorySegment.ofArray(new byte[n + ext.length]);
        MemorySegment.copy(base, 0, frame, 0, TCP6);
        MemorySegment.copy(MemorySegment.ofArray(ext), 0, frame, TCP6, ext.length);
        MemorySegment.copy(base, TCP6, frame, TCP6 + ext.length, n - TCP6);
        Bytes.put8(frame, IP6 + 6, firstNh);
        Bytes.put16(frame, IP6 + 4, Bytes.u16(base, IP6 + 4) + ext.length);
        return frame;
    }

    /** {@code count} Destination Options headers of 8 bytes (PadN), the last pointing at {@code last}. */
    static byte[] destOpts(int count, int last) {
        byte[] b = new byte[8 * count];
        for (int i = 0; i < count; i++) {
            b[8 * i] = (byte) (i == count - 1 ? last : Ipv6View.NH_DEST_OPTS);
            b[8 * i + 1] = 0;
            b[8 * i + 2] = 1;    // PadN
            b[8 * i + 3] = 4;
        }
        return b;
    }

    @Test
    void ipv6ExtensionHeadersAreWalked() {
        MemorySegment frame = withExtensions(Ipv6View.NH_DEST_OPTS, destOpts(3, Ipv6View.NH_TCP));
        assertThat(parse(frame)).isEqualTo(OK);
        assertThat(f.ipProto).isEqualTo(6);
        assertThat(f.l4Offset).isEqualTo(TCP6 + 24);
        assertThat(f.srcPort).isEqualTo(40000);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void hopByHopRoutingAndAuthenticationHeadersAreWalkedByTheirOwnLengthUnits() {
        byte[] ext = new byte[8 + 16 + 24];
        ext[0] = Ipv6View.NH_ROUTING;       // hop-by-hop, 8 bytes: (0 + 1) * 8
        ext[8] = Ipv6View.NH_AH;            // routing, 16 bytes: (1 + 1) * 8
        ext[9] = 1;
        ext[24] = Ipv6View.NH_TCP;          // AH, 24 bytes: (4 + 2) * 4 (RFC 4302 §2.2)
        ext[25] = 4;
        MemorySegment frame = withExtensions(Ipv6View.NH_HOP_BY_HOP, ext);
        assertThat(parse(frame)).isEqualTo(OK);
        assertThat(f.l4Offset).isEqualTo(TCP6 + 48);
        assertThat(f.dstPort).isEqualTo(80);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }

    @Test
    void tooManyExtensionHeaders() {
        MemorySegment ok = withExtensions(Ipv6View.NH_DEST_OPTS, destOpts(FrameParser.MAX_EXT_HEADERS, 6));
        assertThat(parse(ok)).isEqualTo(OK);
        MemorySegment frame = withExtensions(Ipv6View.NH_DEST_OPTS, destOpts(FrameParser.MAX_EXT_HEADERS + 1, 6));
        assertThat(parse(frame)).isEqualTo(TOO_MANY_EXT_HEADERS);
    }

    @Test
    void extensionHeaderPastThePacket() {
        byte[] ext = destOpts(1, 6);
        ext[1] = 100;     // claims 808 bytes
        assertThat(parse(withExtensions(Ipv6View.NH_DEST_OPTS, ext))).isEqualTo(TRUNCATED_EXT_HEADER);
        MemorySegment frame = withExtensions(Ipv6View.NH_DEST_OPTS, destOpts(1, 6));
        Bytes.put16(frame, IP6 + 4, 4);   // payload ends inside the extension header
        assertThat(FrameParser.parse(frame, 0, IP6 + 40 + 4, f)).isEqualTo(TRUNCATED_EXT_HEADER);
    }

    private static byte[] fragmentHeader(int offsetBytes, boolean more) {
        byte[] b = new byte[8];
        b[0] = Ipv6View.NH_TCP;
        int w = offsetBytes | (more ? 1 : 0);
        b[2] = (byte) (w >>> 8);
        b[3] = (byte) w;
        b[4] = 0x12;     // identification
        return b;
    }

    @Test
    void ipv6Fragments() {
        assertThat(parse(withExtensions(Ipv6View.NH_FRAGMENT, fragmentHeader(1448, false)))).isEqualTo(NON_FIRST_FRAGMENT);
        assertThat(f.fragment).isTrue();
        assertThat(parse(withExtensions(Ipv6View.NH_FRAGMENT, fragmentHeader(0, true)))).isEqualTo(FIRST_FRAGMENT);
        assertThat(f.fragment).isTrue();
        assertThat(f.firstFragment).isTrue();
        assertThat(f.srcPort).isEqualTo(40000);
        // RFC 6946: an atomic fragment is a whole packet
        assertThat(parse(withExtensions(Ipv6View.NH_FRAGMENT, fragmentHeader(0, false)))).isEqualTo(OK);
        assertThat(f.fragment).isFalse();
    }

    @Test
    void ipv4Fragments() {
        MemorySegment frame = syn(4);
        Bytes.put16(frame, IP4 + 6, 185);    // offset 1480, no DF
        assertThat(parse(frame)).isEqualTo(NON_FIRST_FRAGMENT);
        assertThat(f.fragment).isTrue();
        assertThat(f.firstFragment).isFalse();
        Bytes.put16(frame, IP4 + 6, Ipv4View.FLAG_MF);
        assertThat(parse(frame)).isEqualTo(FIRST_FRAGMENT);
        assertThat(f.firstFragment).isTrue();
        assertThat(f.dstPort).isEqualTo(80);
    }

    @Test
    void otherUpperLayerProtocols() {
        MemorySegment frame = syn(4);
        Bytes.put8(frame, IP4 + 9, 17);
        assertThat(parse(frame)).isEqualTo(UNSUPPORTED_PROTOCOL);
        assertThat(f.ipProto).isEqualTo(17);
        MemorySegment six = syn(6);
        Bytes.put8(six, IP6 + 6, Ipv6View.NH_NONE);
        assertThat(parse(six)).isEqualTo(UNSUPPORTED_PROTOCOL);
        Bytes.put8(six, IP6 + 6, 1);     // ICMPv4 inside IPv6 is not ICMP
        assertThat(parse(six)).isEqualTo(UNSUPPORTED_PROTOCOL);
    }

    @Test
    void truncatedTcp() {
        MemorySegment frame = syn(4);
        Bytes.put16(frame, IP4 + 2, 20 + 19);
        assertThat(parse(frame)).isEqualTo(TRUNCATED_TCP);
    }

    @Test
    void dataOffsetBelowFiveOrPastTheSegment() {
        MemorySegment frame = syn(4);
        Bytes.put8(frame, TCP4 + 12, 0x40);
        assertThat(parse(frame)).isEqualTo(BAD_DATA_OFFSET);
        Bytes.put8(frame, TCP4 + 12, 0x00);
        assertThat(parse(frame)).isEqualTo(BAD_DATA_OFFSET);
        Bytes.put8(frame, TCP4 + 12, 0xb0);    // 44 bytes > the 40 there are
        assertThat(parse(frame)).isEqualTo(BAD_DATA_OFFSET);
    }

    /** A SYN whose 20 option bytes are replaced by {@code opts} (padded with EOL). */
    private MemorySegment withOptions(int... opts) {
        MemorySegment frame = syn(4);
        frame.asSlice(TCP4 + 20, 20).fill((byte) 0);
        for (int i = 0; i < opts.length; i++) Bytes.put8(frame, TCP4 + 20 + i, opts[i]);
        return frame;
    }

    @Test
    void optionLengthZeroOneOrPastTheHeader() {
        assertThat(parse(withOptions(1, 1, 0, 0x22, 0))).isEqualTo(OK);        // NOP NOP EOL: nothing after EOL is read
        assertThat(parse(withOptions(1, 1, 0x22, 0))).isEqualTo(BAD_TCP_OPTION); // TFO with length 0
        assertThat(parse(withOptions(30, 0))).isEqualTo(BAD_TCP_OPTION);       // unknown kind, length 0
        assertThat(parse(withOptions(2, 1, 5, 0xb4))).isEqualTo(BAD_TCP_OPTION);   // MSS with length 1
        assertThat(parse(withOptions(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30, 4))).isEqualTo(BAD_TCP_OPTION);
        int[] lastByte = new int[20];
        java.util.Arrays.fill(lastByte, 1);
        lastByte[19] = 2;                   // a kind in the last byte, its length byte missing
        assertThat(parse(withOptions(lastByte))).isEqualTo(BAD_TCP_OPTION);
    }

    @Test
    void optionsKnownUnknownAndMalformedButSkippable() {
        // MSS 1400, unknown kind 99 (len 4) skipped, TFO request (kind 34 len 2), WS 14, EOL then garbage
        assertThat(parse(withOptions(2, 4, 0x05, 0x78, 99, 4, 0xff, 0xff, 34, 2, 1, 3, 3, 14, 0, 2, 4, 0, 1))).isEqualTo(OK);
        assertThat(f.mss).isEqualTo(1400);
        assertThat(f.fastOpen).isTrue();
        assertThat(f.windowScale).isEqualTo(14);
        assertThat(f.sackPermitted).isFalse();
        assertThat(f.hasTimestamp).isFalse();
        // a timestamp of the wrong length is ignored (as Linux does), the experimental TFO is recognised
        assertThat(parse(withOptions(8, 6, 0, 0, 0, 1, 254, 4, 0xf9, 0x89, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2))).isEqualTo(OK);
        assertThat(f.hasTimestamp).isFalse();
        assertThat(f.fastOpen).isTrue();
        assertThat(f.sackBlockCount).isEqualTo(1);
        assertThat(f.sackLeft[0]).isEqualTo(1);
        assertThat(f.sackRight[0]).isEqualTo(2);
    }

    @Test
    void truncatedIcmp() {
        MemorySegment frame = syn(4);
        Bytes.put8(frame, IP4 + 9, 1);
        Bytes.put16(frame, IP4 + 2, 27);
        assertThat(parse(frame)).isEqualTo(TRUNCATED_ICMP);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ICMP4);
    }

    @Test
    void neighbourDiscoveryValidity() {
        MemorySegment buf = Frames.buffer(128);
        int len = NdWriter.unsolicited(buf, 0, 128, Frames.SERVER_MAC, 1, 2, -1);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(OK);
        Bytes.put8(buf, IP6 + 7, 254);      // RFC 4861 §7.1.2: hop limit must be 255
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(BAD_ND);
        Bytes.put8(buf, IP6 + 7, 255);
        Bytes.put8(buf, IP6 + 40 + 24 + 1, 0);    // option of length 0
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(BAD_ND);
        Bytes.put8(buf, IP6 + 40 + 24 + 1, 2);    // option past the end
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(BAD_ND);
    }

    @Test
    void everyVerdictHasAName() {
        for (int v = 0; v < COUNT; v++) assertThat(ParseVerdict.name(v)).isNotEqualTo("unknown");
        assertThat(ParseVerdict.name(COUNT)).isEqualTo("unknown");
        assertThat(ParseVerdict.name(-1)).isEqualTo("unknown");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 6})
    void everyTruncationOfAValidFrameIsRejectedWithoutReadingPastIt(int v) {
        OutSegment s = Frames.syn(v);
        s.payload1 = MemorySegment.ofArray(new byte[33]);
        s.payload1Length = 33;
        MemorySegment full = Frames.write(s);
        for (int len = 0; len < full.byteSize(); len++) {
            // a heap segment of exactly len bytes: any read past it would throw
            MemorySegment cut = MemorySegment.ofArray(new byte[len]);
            MemorySegment.copy(full, 0, cut, 0, len);
            int verdict = Frames.parse(cut, f);
            assertThat(verdict).as("length %d", len).isNotEqualTo(OK).isBetween(1, COUNT - 1);
        }
        assertThat(Frames.parse(full, f)).isEqualTo(OK);
    }
}
