package dev.portcullis.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Frames captured here from real Linux kernels (6.18): netns B ran curl against python's http.server in netns A
 * over a veth pair, once over IPv4 and once over IPv6, with tx checksum offload, TSO and GSO off on both veths
 * so that every checksum is complete; tcpdump on A's veth ({@code tcp port 8080 or arp or icmp6}). Expected
 * values are as tcpdump decoded them.
 */
class PcapReplayTest {
    private static final long CLIENT_MAC = 0xd20c_1dae_7964L;   // d2:0c:1d:ae:79:64
    private static final long SERVER_MAC = 0xba97_f9a6_53c0L;   // ba:97:f9:a6:53:c0
    private static final int CLIENT_V4 = 0x0a4d_0002, SERVER_V4 = 0x0a4d_0001;   // 10.77.0.2, 10.77.0.1
    private static final long FD77 = 0xfd77_0000_0000_0000L;
    private static List<MemorySegment> frames;
    private final ParsedFrame f = new ParsedFrame();

    @BeforeAll
    static void load() throws IOException {
        frames = Pcap.read("/pcap/linux-curl-v4-v6.pcap");
    }

    private ParsedFrame parse(int i) {
        assertThat(Frames.parse(frames.get(i), f)).as("frame %d", i).isEqualTo(ParseVerdict.OK);
        return f;
    }

    @Test
    void everyFrameParsesAndEveryChecksumVerifies() {
        assertThat(frames).hasSize(29);
        int tcp = 0, v6 = 0;
        for (int i = 0; i < frames.size(); i++) {
            parse(i);
            if (f.kind == ParsedFrame.KIND_TCP || f.kind == ParsedFrame.KIND_ICMP6) {
                assertThat(Checksum.verifyL4(f)).as("frame %d", i).isTrue();
                assertThat(Checksum.verifyIpv4Header(f)).as("frame %d", i).isTrue();
            }
            if (f.kind == ParsedFrame.KIND_TCP) tcp++;
            if (f.ipVersion == 6) v6++;
        }
        assertThat(tcp).isEqualTo(24);
        assertThat(v6).isEqualTo(15);
    }

    @Test
    void ipv4Handshake() {
        parse(3);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_TCP);
        assertThat(f.srcMac).isEqualTo(CLIENT_MAC);
        assertThat(f.dstMac).isEqualTo(SERVER_MAC);
        assertThat(f.srcLo).isEqualTo(ParsedFrame.v4Mapped(CLIENT_V4));
        assertThat(f.dstLo).isEqualTo(ParsedFrame.v4Mapped(SERVER_V4));
        assertThat(f.srcPort).isEqualTo(40920);
        assertThat(f.dstPort).isEqualTo(8080);
        assertThat(f.flags).isEqualTo(TcpFlags.SYN);
        assertThat(f.seq).isEqualTo((int) 3275943487L);
        assertThat(f.window).isEqualTo(64240);
        assertThat(f.mss).isEqualTo(1460);
        assertThat(f.sackPermitted).isTrue();
        assertThat(f.hasTimestamp).isTrue();
        assertThat(f.tsVal).isEqualTo(1753954133);
        assertThat(f.tsEcr).isZero();
        assertThat(f.windowScale).isEqualTo(10);
        assertThat(f.ttl).isEqualTo(64);

        parse(4);
        assertThat(f.flags).isEqualTo(TcpFlags.SYN | TcpFlags.ACK);
        assertThat(f.seq).isEqualTo(1026257343);
        assertThat(f.ack).isEqualTo((int) 3275943488L);
        assertThat(f.window).isEqualTo(65160);
        assertThat(f.tsVal).isEqualTo(83220);
        assertThat(f.tsEcr).isEqualTo(1753954133);

        parse(5);
        assertThat(f.flags).isEqualTo(TcpFlags.ACK);
        assertThat(f.seq).isEqualTo((int) 3275943488L);
        assertThat(f.ack).isEqualTo(1026257344);
        assertThat(f.window).isEqualTo(63);
        assertThat(f.mss).isEqualTo(-1);
        assertThat(f.hasTimestamp).isTrue();
        assertThat(f.payloadLength).isZero();
    }

    @Test
    void dataAndClose() {
        parse(6);
        assertThat(f.flags).isEqualTo(TcpFlags.PSH | TcpFlags.ACK);
        assertThat(f.payloadLength).isEqualTo(87);
        byte[] data = f.frame.asSlice(f.payloadOffset, f.payloadLength).toArray(ValueLayout.JAVA_BYTE);
        assertThat(new String(data, StandardCharsets.US_ASCII)).startsWith("GET /hello.txt HTTP/1.1\r\n");
        parse(10);
        assertThat(f.payloadLength).isEqualTo(32);
        data = f.frame.asSlice(f.payloadOffset, f.payloadLength).toArray(ValueLayout.JAVA_BYTE);
        assertThat(new String(data, StandardCharsets.US_ASCII)).isEqualTo("hello from portcullis wire test\n");
        parse(12);
        assertThat(f.flags).isEqualTo(TcpFlags.FIN | TcpFlags.ACK);
    }

    @Test
    void ipv6Handshake() {
        parse(17);
        assertThat(f.ipVersion).isEqualTo(6);
        assertThat(f.srcHi).isEqualTo(FD77);
        assertThat(f.srcLo).isEqualTo(2);
        assertThat(f.dstLo).isEqualTo(1);
        assertThat(f.srcPort).isEqualTo(35596);
        assertThat(f.flags).isEqualTo(TcpFlags.SYN);
        assertThat(f.seq).isEqualTo((int) 3395310270L);
        assertThat(f.window).isEqualTo(64800);
        assertThat(f.mss).isEqualTo(1440);
        assertThat(f.windowScale).isEqualTo(10);
        assertThat(f.tsVal).isEqualTo(1834999389);
        parse(20);
        assertThat(f.payloadLength).isEqualTo(87);
    }

    @Test
    void arpAndNeighbourDiscovery() {
        parse(0);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ICMP6);
        assertThat(f.icmpType).isEqualTo(133);   // router solicitation: parsed, left to the caller
        parse(1);
        assertThat(f.kind).isEqualTo(ParsedFrame.KIND_ARP);
        assertThat(f.arpOp).isEqualTo(ArpView.OP_REQUEST);
        assertThat(f.arpSenderMac).isEqualTo(CLIENT_MAC);
        assertThat(f.arpSenderIp).isEqualTo(CLIENT_V4);
        assertThat(f.arpTargetIp).isEqualTo(SERVER_V4);
        parse(15);
        assertThat(f.icmpType).isEqualTo(IcmpView.V6_NEIGHBOR_SOLICITATION);
        assertThat(f.ndTargetHi).isEqualTo(FD77);
        assertThat(f.ndTargetLo).isEqualTo(1);
        assertThat(f.ndSourceLinkAddr).isEqualTo(CLIENT_MAC);
        parse(16);
        assertThat(f.icmpType).isEqualTo(IcmpView.V6_NEIGHBOR_ADVERTISEMENT);
        assertThat(f.ndFlags).isEqualTo(IcmpView.NA_FLAG_SOLICITED | IcmpView.NA_FLAG_OVERRIDE);
        assertThat(f.ndTargetLinkAddr).isEqualTo(SERVER_MAC);
    }

    private static void assertSameBytes(MemorySegment ours, int len, MemorySegment linux) {
        assertThat(len).isEqualTo((int) linux.byteSize());
        assertThat(ours.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(linux.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void ourArpReplyIsTheKernelsByteForByte() {
        parse(1);
        MemorySegment buf = MemorySegment.ofArray(new byte[64]);
        assertSameBytes(buf, ArpWriter.reply(f, SERVER_MAC, buf, 0, 64), frames.get(2));
    }

    @Test
    void ourNeighbourAdvertisementIsTheKernelsByteForByte() {
        parse(15);
        MemorySegment buf = MemorySegment.ofArray(new byte[128]);
        assertSameBytes(buf, NdWriter.advertisement(f, SERVER_MAC, buf, 0, 128), frames.get(16));
    }

    /** The kernel's SYN-ACK rebuilt from its parsed fields: same bytes (the kernel also sends id 0, DF). */
    @Test
    void ourSynAckIsTheKernelsByteForByte() {
        parse(4);
        OutSegment s = fromParsed(f);
        MemorySegment buf = MemorySegment.ofArray(new byte[128]);
        assertSameBytes(buf, SegmentWriter.write(s, buf, 0, 128), frames.get(4));
        // IPv6: the kernel sets a flow label (RFC 6437), we send 0; every other byte is the same
        parse(18);
        s = fromParsed(f);
        int len = SegmentWriter.write(s, buf, 0, 128);
        MemorySegment linux = Frames.copy(frames.get(18));
        Bytes.put32(linux, 14, Bytes.i32(linux, 14) & 0xfff0_0000);
        assertSameBytes(buf, len, linux);
    }

    private static OutSegment fromParsed(ParsedFrame f) {
        OutSegment s = new OutSegment();
        s.srcMac = f.srcMac;
        s.dstMac = f.dstMac;
        s.ipVersion = f.ipVersion;
        s.srcHi = f.srcHi;
        s.srcLo = f.srcLo;
        s.dstHi = f.dstHi;
        s.dstLo = f.dstLo;
        s.ttl = f.ttl;
        s.trafficClass = f.trafficClass;
        s.srcPort = f.srcPort;
        s.dstPort = f.dstPort;
        s.seq = f.seq;
        s.ack = f.ack;
        s.flags = f.flags;
        s.window = f.window;
        s.mss = f.mss;
        s.windowScale = f.windowScale;
        s.sackPermitted = f.sackPermitted;
        s.hasTimestamp = f.hasTimestamp;
        s.tsVal = f.tsVal;
        s.tsEcr = f.tsEcr;
        return s;
    }
}
