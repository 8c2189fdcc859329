package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** ICMP errors quote the packet that caused them; the parser pulls out the connection they are about. */
class IcmpParseTest {
    private final ParsedFrame f = new ParsedFrame();

    /** Our SYN-ACK from the server, as a router on the way would quote it back to us. */
    private static MemorySegment quotedSegment(int v) {
        OutSegment s = Frames.syn(v);
        s.flags = TcpFlags.SYN | TcpFlags.ACK;
        s.srcMac = Frames.SERVER_MAC;
        long hi = s.srcHi, lo = s.srcLo;
        s.srcHi = s.dstHi;
        s.srcLo = s.dstLo;
        s.dstHi = hi;
        s.dstLo = lo;
        s.srcPort = 80;
        s.dstPort = 40000;
        s.seq = 0x0bad_cafe;
        return Frames.write(s);
    }

    @Test
    void fragmentationNeededGivesTheMtuAndTheQuotedConnection() {
        MemorySegment inner = quotedSegment(4);
        int quote = 20 + 8;
        int icmpLen = 8 + quote;
        MemorySegment frame = MemorySegment.ofArray(new byte[14 + 20 + icmpLen]);
        long p = EthernetView.write(frame, 0, Frames.SERVER_MAC, Frames.CLIENT_MAC, -1, EthernetView.ETHERTYPE_IPV4);
        Ipv4View.write(frame, p, 0, 20 + icmpLen, 64, Ipv4View.PROTO_ICMP, 0x0a0000fe, Frames.SERVER_V4);
        long icmp = p + 20;
        Bytes.put32(frame, icmp, (3 << 24) | (4 << 16));
        Bytes.put32(frame, icmp + 4, 1400);
        MemorySegment.copy(inner, 14, frame, icmp + 8, quote);
        Bytes.put16(frame, icmp + 2, Checksum.finish(Checksum.sum(frame, icmp, icmpLen, 0)));

        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ICMP4);
        assertThat(f.icmpType).isEqualTo(IcmpView.V4_DEST_UNREACHABLE);
        assertThat(f.icmpCode).isEqualTo(IcmpView.V4_CODE_FRAG_NEEDED);
        assertThat(f.icmpMtu).isEqualTo(1400);
        assertThat(f.icmpHasInner).isTrue();
        assertThat(f.innerSrcLo).isEqualTo(ParsedFrame.v4Mapped(Frames.SERVER_V4));
        assertThat(f.innerDstLo).isEqualTo(ParsedFrame.v4Mapped(Frames.CLIENT_V4));
        assertThat(f.innerSrcPort).isEqualTo(80);
        assertThat(f.innerDstPort).isEqualTo(40000);
        assertThat(f.innerSeq).isEqualTo(0x0bad_cafe);
        assertThat(Checksum.verifyL4(f)).isTrue();
        IcmpView view = new IcmpView();
        assertThat(view.wrap(frame, icmp, icmpLen)).isTrue();
        assertThat(view.v4NextHopMtu()).isEqualTo(1400);

        // a quote too short for the ports still gives the MTU, without an inner tuple
        assertThat(FrameParser.parse(frame, 0, 14 + 20 + 8 + 20 + 4, f)).isEqualTo(ParseVerdict.BAD_IP_LENGTH);
        Bytes.put16(frame, p + 2, 20 + 8 + 24);
        assertThat(FrameParser.parse(frame, 0, 14 + 20 + 8 + 24, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.icmpMtu).isEqualTo(1400);
        assertThat(f.icmpHasInner).isFalse();
    }

    @Test
    void packetTooBigGivesTheMtuAndTheQuotedConnection() {
        MemorySegment inner = quotedSegment(6);
        int quote = (int) inner.byteSize() - 14;
        int icmpLen = 8 + quote;
        MemorySegment frame = MemorySegment.ofArray(new byte[14 + 40 + icmpLen]);
        long p = EthernetView.write(frame, 0, Frames.SERVER_MAC, Frames.CLIENT_MAC, -1, EthernetView.ETHERTYPE_IPV6);
        long routerHi = 0xfd00_0000_0000_0000L, routerLo = 0xfe;
        Ipv6View.write(frame, p, 0, icmpLen, Ipv6View.NH_ICMPV6, 64, routerHi, routerLo, Frames.SERVER_V6_HI,
            Frames.SERVER_V6_LO);
        long icmp = p + 40;
        Bytes.put32(frame, icmp, IcmpView.V6_PACKET_TOO_BIG << 24);
        Bytes.put32(frame, icmp + 4, 1280);
        MemorySegment.copy(inner, 14, frame, icmp + 8, quote);
        long pseudo = Checksum.pseudoV6(routerHi, routerLo, Frames.SERVER_V6_HI, Frames.SERVER_V6_LO, 58, icmpLen);
        Bytes.put16(frame, icmp + 2, Checksum.finish(Checksum.sum(frame, icmp, icmpLen, pseudo)));

        assertThat(Frames.parse(frame, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ICMP6);
        assertThat(f.icmpType).isEqualTo(IcmpView.V6_PACKET_TOO_BIG);
        assertThat(f.icmpMtu).isEqualTo(1280);
        assertThat(f.icmpHasInner).isTrue();
        assertThat(f.innerSrcLo).isEqualTo(Frames.SERVER_V6_LO);
        assertThat(f.innerDstLo).isEqualTo(Frames.CLIENT_V6_LO);
        assertThat(f.innerSrcPort).isEqualTo(80);
        assertThat(f.innerSeq).isEqualTo(0x0bad_cafe);
        assertThat(Checksum.verifyL4(f)).isTrue();
    }
}
