package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class ArpNdWriterTest {
    private final ParsedFrame f = new ParsedFrame();
    private final MemorySegment buf = Frames.buffer(256);

    @Test
    void arpReplyAnswersTheRequest() {
        int reqLen = ArpWriter.gratuitous(buf, 0, 256, Frames.CLIENT_MAC, Frames.CLIENT_V4, -1);
        // turn the announcement into a request for the server's address
        Bytes.put32(buf, 14 + ArpView.TARGET_IP_OFFSET, Frames.SERVER_V4);
        assertThat(FrameParser.parse(buf, 0, reqLen, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ARP);
        assertThat(f.arpOp).isEqualTo(ArpView.OP_REQUEST);
        assertThat(f.dstMac).isEqualTo(ArpWriter.BROADCAST);

        MemorySegment out = Frames.buffer(256);
        int len = ArpWriter.reply(f, Frames.SERVER_MAC, out, 0, 256);
        assertThat(len).isEqualTo(42);
        ParsedFrame r = new ParsedFrame();
        assertThat(FrameParser.parse(out, 0, len, r)).isEqualTo(ParseVerdict.OK);
        assertThat(r.arpOp).isEqualTo(ArpView.OP_REPLY);
        assertThat(r.dstMac).isEqualTo(Frames.CLIENT_MAC);
        assertThat(r.srcMac).isEqualTo(Frames.SERVER_MAC);
        assertThat(r.arpSenderMac).isEqualTo(Frames.SERVER_MAC);
        assertThat(r.arpSenderIp).isEqualTo(Frames.SERVER_V4);
        assertThat(r.arpTargetMac).isEqualTo(Frames.CLIENT_MAC);
        assertThat(r.arpTargetIp).isEqualTo(Frames.CLIENT_V4);
        ArpView v = new ArpView();
        assertThat(v.wrap(out, 14, len - 14)).isTrue();
        assertThat(v.isEthernetIpv4()).isTrue();
        assertThat(v.senderIp()).isEqualTo(Frames.SERVER_V4);
    }

    @Test
    void gratuitousArpAnnouncesTheAddressWithTheTag() {
        int len = ArpWriter.gratuitous(buf, 0, 256, Frames.SERVER_MAC, Frames.SERVER_V4, 7);
        assertThat(len).isEqualTo(46);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.vlanTci).isEqualTo(7);
        assertThat(f.arpSenderIp).isEqualTo(Frames.SERVER_V4);
        assertThat(f.arpTargetIp).isEqualTo(Frames.SERVER_V4);
        assertThat(ArpWriter.gratuitous(buf, 0, 45, Frames.SERVER_MAC, Frames.SERVER_V4, 7)).isEqualTo(-1);
    }

    @Test
    void neighbourAdvertisementAnswersASolicitation() {
        // build an NS by hand: client asks for the server's address
        MemorySegment ns = Frames.buffer(128);
        long p = EthernetView.write(ns, 0, 0x3333_ff00_0002L, Frames.CLIENT_MAC, -1, EthernetView.ETHERTYPE_IPV6);
        Ipv6View.write(ns, p, 0, 32, Ipv6View.NH_ICMPV6, 255, Frames.CLIENT_V6_HI, Frames.CLIENT_V6_LO,
            0xff02_0000_0000_0000L, 0x0000_0001_ff00_0002L);
        long icmp = p + 40;
        Bytes.put32(ns, icmp, IcmpView.V6_NEIGHBOR_SOLICITATION << 24);
        Bytes.put32(ns, icmp + 4, 0);
        Bytes.put64(ns, icmp + 8, Frames.SERVER_V6_HI);
        Bytes.put64(ns, icmp + 16, Frames.SERVER_V6_LO);
        Bytes.put8(ns, icmp + 24, IcmpView.ND_OPT_SOURCE_LLA);
        Bytes.put8(ns, icmp + 25, 1);
        Bytes.putMac(ns, icmp + 26, Frames.CLIENT_MAC);
        long pseudo = Checksum.pseudoV6(Frames.CLIENT_V6_HI, Frames.CLIENT_V6_LO, 0xff02_0000_0000_0000L,
            0x0000_0001_ff00_0002L, 58, 32);
        Bytes.put16(ns, icmp + 2, Checksum.finish(Checksum.sum(ns, icmp, 32, pseudo)));
        assertThat(FrameParser.parse(ns, 0, 86, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ICMP6);
        assertThat(f.icmpType).isEqualTo(IcmpView.V6_NEIGHBOR_SOLICITATION);
        assertThat(f.ndTargetHi).isEqualTo(Frames.SERVER_V6_HI);
        assertThat(f.ndTargetLo).isEqualTo(Frames.SERVER_V6_LO);
        assertThat(f.ndSourceLinkAddr).isEqualTo(Frames.CLIENT_MAC);
        assertThat(Checksum.verifyL4(f)).isTrue();

        int len = NdWriter.advertisement(f, Frames.SERVER_MAC, buf, 0, 256);
        assertThat(len).isEqualTo(86);
        ParsedFrame na = new ParsedFrame();
        assertThat(FrameParser.parse(buf, 0, len, na)).isEqualTo(ParseVerdict.OK);
        assertThat(na.icmpType).isEqualTo(IcmpView.V6_NEIGHBOR_ADVERTISEMENT);
        assertThat(na.ttl).isEqualTo(255);
        assertThat(na.dstMac).isEqualTo(Frames.CLIENT_MAC);
        assertThat(na.srcHi).isEqualTo(Frames.SERVER_V6_HI);
        assertThat(na.srcLo).isEqualTo(Frames.SERVER_V6_LO);
        assertThat(na.dstLo).isEqualTo(Frames.CLIENT_V6_LO);
        assertThat(na.ndTargetLo).isEqualTo(Frames.SERVER_V6_LO);
        assertThat(na.ndTargetLinkAddr).isEqualTo(Frames.SERVER_MAC);
        assertThat(na.ndFlags).isEqualTo(IcmpView.NA_FLAG_SOLICITED | IcmpView.NA_FLAG_OVERRIDE);
        assertThat(Checksum.verifyL4(na)).isTrue();
    }

    @Test
    void unsolicitedAdvertisementGoesToAllNodes() {
        int len = NdWriter.unsolicited(buf, 0, 256, Frames.SERVER_MAC, Frames.SERVER_V6_HI, Frames.SERVER_V6_LO, -1);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.dstMac).isEqualTo(NdWriter.ALL_NODES_MAC);
        assertThat(f.dstHi).isEqualTo(NdWriter.ALL_NODES_HI);
        assertThat(f.dstLo).isEqualTo(NdWriter.ALL_NODES_LO);
        assertThat(f.ndFlags).isEqualTo(IcmpView.NA_FLAG_OVERRIDE);
        assertThat(Checksum.verifyL4(f)).isTrue();
        assertThat(NdWriter.unsolicited(buf, 0, 85, Frames.SERVER_MAC, 1, 2, -1)).isEqualTo(-1);
    }

    @Test
    void duplicateAddressDetectionIsAnsweredToAllNodes() {
        // RFC 4861 §7.2.4: a solicitation from the unspecified address gets an advertisement to ff02::1, S clear
        ParsedFrame ns = new ParsedFrame();
        ns.srcHi = 0;
        ns.srcLo = 0;
        ns.ndTargetHi = Frames.SERVER_V6_HI;
        ns.ndTargetLo = Frames.SERVER_V6_LO;
        ns.vlanTci = -1;
        int len = NdWriter.advertisement(ns, Frames.SERVER_MAC, buf, 0, 256);
        assertThat(FrameParser.parse(buf, 0, len, f)).isEqualTo(ParseVerdict.OK);
        assertThat(f.dstLo).isEqualTo(NdWriter.ALL_NODES_LO);
        assertThat(f.dstMac).isEqualTo(NdWriter.ALL_NODES_MAC);
        assertThat(f.ndFlags & IcmpView.NA_FLAG_SOLICITED).isZero();
        assertThat(Checksum.verifyL4(f)).isTrue();
    }
}
