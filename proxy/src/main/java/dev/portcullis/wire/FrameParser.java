package dev.portcullis.wire;

import static dev.portcullis.wire.ParseVerdict.*;

import java.lang.foreign.MemorySegment;

/**
 * Decodes one Ethernet frame into a reusable {@link ParsedFrame}: Ethernet II (one 802.1Q tag when present in
 * the frame), ARP, IPv4 (options skipped by IHL, fragments recognised), IPv6 (extension headers walked, at most
 * {@link #MAX_EXT_HEADERS}), TCP with its options, ICMPv4 destination unreachable and ICMPv6 errors and
 * neighbour discovery.
 *
 * <p>Every length is checked before it is used: the parser never reads outside
 * {@code [offset, offset + length)}, never throws, allocates nothing, and returns {@link ParseVerdict#OK} or one
 * countable reason. Checksums are not checked here ({@link Checksum#verifyL4}).
 *
 * <p>Lengths: an IPv4 total length (IPv6 payload length) smaller than the frame is trusted and the rest is
 * Ethernet padding; a larger one is rejected. A TCP payload larger than any MSS (64 KB GRO/TSO frames seen on a
 * packet socket) is fine.
 */
public final class FrameParser {
    /** Bound on IPv6 extension headers walked before giving up (RFC 8200 §4.1 lists 6 kinds). */
    public static final int MAX_EXT_HEADERS = 8;

    private static final int ETH = EthernetView.HEADER_LENGTH;

    private FrameParser() {
    }

    /** Parses with IP length fields taken at their word (no GSO frame); see the 5-argument form. */
    public static int parse(MemorySegment frame, long offset, int length, ParsedFrame out) {
        return parse(frame, offset, length, out, false);
    }

    /**
     * Parses {@code length} bytes at {@code offset} of {@code frame} into {@code out}, returns the verdict (also
     * in {@code out.verdict}). {@code out.vlanTci} is set from a tag in the frame or to -1: a shard whose ring
     * stripped the tag ({@code TP_STATUS_VLAN_VALID}) sets it from {@code tp_vlan_tci} after this call.
     *
     * @param gsoFrame true when the ring says the frame is a merged TCP frame ({@code TP_STATUS_GSO_TCP}): an
     *                 IPv4 total length or IPv6 payload length of 0 then means "the rest of the frame" (big TCP),
     *                 where otherwise it is {@link ParseVerdict#BAD_IP_LENGTH}
     */
    public static int parse(MemorySegment frame, long offset, int length, ParsedFrame out, boolean gsoFrame) {
        out.frame = frame;
        out.frameOffset = offset;
        out.frameLength = length;
        out.kind = ParsedFrame.KIND_NONE;
        out.vlanTci = -1;
        out.ipVersion = 0;
        out.fragment = false;
        out.firstFragment = false;
        if (offset < 0 || length < 0 || offset > frame.byteSize() - length) return reject(out, BAD_BOUNDS);
        if (length < ETH) return reject(out, TRUNCATED_ETHERNET);
        out.dstMac = Bytes.mac(frame, offset + EthernetView.DST_MAC_OFFSET);
        out.srcMac = Bytes.mac(frame, offset + EthernetView.SRC_MAC_OFFSET);
        int etherType = Bytes.u16(frame, offset + EthernetView.ETHERTYPE_OFFSET);
        long l3 = offset + ETH;
        if (etherType == EthernetView.ETHERTYPE_VLAN) {
            if (length < EthernetView.VLAN_HEADER_LENGTH) return reject(out, TRUNCATED_ETHERNET);
            out.vlanTci = Bytes.u16(frame, offset + EthernetView.TCI_OFFSET);
            etherType = Bytes.u16(frame, offset + EthernetView.INNER_ETHERTYPE_OFFSET);
            l3 = offset + EthernetView.VLAN_HEADER_LENGTH;
        }
        out.etherType = etherType;
        out.l3Offset = l3;
        int rest = (int) (offset + length - l3);
        return switch (etherType) {
            case EthernetView.ETHERTYPE_IPV4 -> ipv4(frame, l3, rest, out, gsoFrame);
            case EthernetView.ETHERTYPE_IPV6 -> ipv6(frame, l3, rest, out, gsoFrame);
            case EthernetView.ETHERTYPE_ARP -> arp(frame, l3, rest, out);
            default -> {
                out.kind = ParsedFrame.KIND_OTHER;
                yield reject(out, UNSUPPORTED_ETHERTYPE);
            }
        };
    }

    private static int reject(ParsedFrame out, int verdict) {
        out.verdict = verdict;
        return verdict;
    }

    private static int arp(MemorySegment f, long p, int len, ParsedFrame out) {
        out.kind = ParsedFrame.KIND_ARP;
        if (len < ArpView.LENGTH) return reject(out, TRUNCATED_ARP);
        if (Bytes.u16(f, p + ArpView.HTYPE_OFFSET) != ArpView.HTYPE_ETHERNET
            || Bytes.u16(f, p + ArpView.PTYPE_OFFSET) != EthernetView.ETHERTYPE_IPV4
            || Bytes.u8(f, p + ArpView.HLEN_OFFSET) != 6 || Bytes.u8(f, p + ArpView.PLEN_OFFSET) != 4) {
            return reject(out, BAD_ARP);
        }
        out.arpOp = Bytes.u16(f, p + ArpView.OPER_OFFSET);
        out.arpSenderMac = Bytes.mac(f, p + ArpView.SENDER_MAC_OFFSET);
        out.arpSenderIp = Bytes.i32(f, p + ArpView.SENDER_IP_OFFSET);
        out.arpTargetMac = Bytes.mac(f, p + ArpView.TARGET_MAC_OFFSET);
        out.arpTargetIp = Bytes.i32(f, p + ArpView.TARGET_IP_OFFSET);
        return reject(out, OK);
    }

    private static int ipv4(MemorySegment f, long p, int len, ParsedFrame out, boolean gso) {
        if (len < Ipv4View.MIN_HEADER_LENGTH) return reject(out, TRUNCATED_IP);
        int versionIhl = Bytes.u8(f, p);
        if (versionIhl >>> 4 != 4) return reject(out, BAD_IP_VERSION);
        int hl = (versionIhl & 0x0f) * 4;
        if (hl < Ipv4View.MIN_HEADER_LENGTH || hl > len) return reject(out, BAD_IHL);
        int total = Bytes.u16(f, p + Ipv4View.TOTAL_LENGTH_OFFSET);
        if (total == 0 && gso) {
            total = len;    // big TCP: the length is the frame's (MACHINE-FACTS, TP_STATUS_GSO_TCP)
        } else if (total == 0 || total > len) {
            return reject(out, BAD_IP_LENGTH);
        }
        if (total < hl) return reject(out, BAD_IHL);
        out.ipVersion = 4;
        out.trafficClass = Bytes.u8(f, p + Ipv4View.TOS_OFFSET);
        out.ttl = Bytes.u8(f, p + Ipv4View.TTL_OFFSET);
        out.ipProto = Bytes.u8(f, p + Ipv4View.PROTOCOL_OFFSET);
        out.srcHi = 0;
        out.srcLo = ParsedFrame.v4Mapped(Bytes.i32(f, p + Ipv4View.SRC_OFFSET));
        out.dstHi = 0;
        out.dstLo = ParsedFrame.v4Mapped(Bytes.i32(f, p + Ipv4View.DST_OFFSET));
        out.l4Offset = p + hl;
        out.l4Length = total - hl;
        int flagsFragment = Bytes.u16(f, p + Ipv4View.FLAGS_FRAGMENT_OFFSET);
        int fragmentOffset = flagsFragment & Ipv4View.FRAGMENT_OFFSET_MASK;
        out.fragment = fragmentOffset != 0 || (flagsFragment & Ipv4View.FLAG_MF) != 0;
        out.firstFragment = out.fragment && fragmentOffset == 0;
        if (fragmentOffset != 0) return reject(out, NON_FIRST_FRAGMENT);
        int v = switch (out.ipProto) {
            case Ipv4View.PROTO_TCP -> tcp(f, out.l4Offset, out.l4Length, out);
            case Ipv4View.PROTO_ICMP -> icmp4(f, out.l4Offset, out.l4Length, out);
            default -> unsupported(out);
        };
        return v == OK && out.fragment ? reject(out, FIRST_FRAGMENT) : v;
    }

    private static int unsupported(ParsedFrame out) {
        out.kind = ParsedFrame.KIND_OTHER;
        return reject(out, UNSUPPORTED_PROTOCOL);
    }

    private static int ipv6(MemorySegment f, long p, int len, ParsedFrame out, boolean gso) {
        if (len < Ipv6View.HEADER_LENGTH) return reject(out, TRUNCATED_IP);
        int word0 = Bytes.i32(f, p);
        if (word0 >>> 28 != 6) return reject(out, BAD_IP_VERSION);
        int payload = Bytes.u16(f, p + Ipv6View.PAYLOAD_LENGTH_OFFSET);
        int room = len - Ipv6View.HEADER_LENGTH;
        if (payload == 0 && gso) {
            payload = room;  // IPv6 big TCP: payload length 0, the jumbo header already removed by GRO
        } else if (payload == 0 || payload > room) {
            return reject(out, BAD_IP_LENGTH);
        }
        out.ipVersion = 6;
        out.trafficClass = (word0 >>> 20) & 0xff;
        out.ttl = Bytes.u8(f, p + Ipv6View.HOP_LIMIT_OFFSET);
        out.srcHi = Bytes.i64(f, p + Ipv6View.SRC_OFFSET);
        out.srcLo = Bytes.i64(f, p + Ipv6View.SRC_OFFSET + 8);
        out.dstHi = Bytes.i64(f, p + Ipv6View.DST_OFFSET);
        out.dstLo = Bytes.i64(f, p + Ipv6View.DST_OFFSET + 8);
        int nh = Bytes.u8(f, p + Ipv6View.NEXT_HEADER_OFFSET);
        long q = p + Ipv6View.HEADER_LENGTH;
        long end = q + payload;
        boolean nonFirst = false;
        for (int n = 0; ; n++) {
            int extLen;
            switch (nh) {
                case Ipv6View.NH_HOP_BY_HOP, Ipv6View.NH_ROUTING, Ipv6View.NH_DEST_OPTS -> {
                    if (end - q < 8) return extTruncated(out, nh);
                    extLen = (Bytes.u8(f, q + 1) + 1) * 8;      // RFC 8200 §4.3: 8-octet units, first 8 excluded
                }
                case Ipv6View.NH_AH -> {
                    if (end - q < 8) return extTruncated(out, nh);
                    extLen = (Bytes.u8(f, q + 1) + 2) * 4;      // RFC 4302 §2.2: 4-octet units minus 2
                }
                case Ipv6View.NH_FRAGMENT -> {
                    if (end - q < 8) return extTruncated(out, nh);
                    extLen = 8;
                    int offsetFlags = Bytes.u16(f, q + 2);
                    int fragmentOffset = offsetFlags & 0xfff8;
                    boolean more = (offsetFlags & 1) != 0;
                    // RFC 6946: an atomic fragment (offset 0, M clear) is a whole packet
                    if (fragmentOffset != 0 || more) out.fragment = true;
                    if (fragmentOffset != 0) nonFirst = true;
                    else if (more) out.firstFragment = true;
                }
                default -> extLen = -1;
            }
            if (extLen < 0) break;
            if (n >= MAX_EXT_HEADERS) {
                out.ipProto = nh;
                return reject(out, TOO_MANY_EXT_HEADERS);
            }
            if (extLen > end - q) return extTruncated(out, nh);
            nh = Bytes.u8(f, q);
            q += extLen;
            if (nonFirst) {
                out.ipProto = nh;
                return reject(out, NON_FIRST_FRAGMENT);
            }
        }
        out.ipProto = nh;
        out.l4Offset = q;
        out.l4Length = (int) (end - q);
        int v = switch (nh) {
            case Ipv6View.NH_TCP -> tcp(f, q, out.l4Length, out);
            case Ipv6View.NH_ICMPV6 -> icmp6(f, q, out.l4Length, out);
            default -> unsupported(out);
        };
        return v == OK && out.fragment ? reject(out, FIRST_FRAGMENT) : v;
    }

    private static int extTruncated(ParsedFrame out, int nh) {
        out.ipProto = nh;
        return reject(out, TRUNCATED_EXT_HEADER);
    }

    private static int tcp(MemorySegment f, long p, int len, ParsedFrame out) {
        out.kind = ParsedFrame.KIND_TCP;
        out.mss = -1;
        out.windowScale = -1;
        out.sackPermitted = false;
        out.hasTimestamp = false;
        out.sackBlockCount = 0;
        out.fastOpen = false;
        if (len < TcpView.MIN_HEADER_LENGTH) return reject(out, TRUNCATED_TCP);
        out.srcPort = Bytes.u16(f, p + TcpView.SRC_PORT_OFFSET);
        out.dstPort = Bytes.u16(f, p + TcpView.DST_PORT_OFFSET);
        out.seq = Bytes.i32(f, p + TcpView.SEQ_OFFSET);
        out.ack = Bytes.i32(f, p + TcpView.ACK_OFFSET);
        int hl = (Bytes.u8(f, p + TcpView.DATA_OFFSET_OFFSET) >>> 4) * 4;
        if (hl < TcpView.MIN_HEADER_LENGTH || hl > len) return reject(out, BAD_DATA_OFFSET);
        out.flags = Bytes.u8(f, p + TcpView.FLAGS_OFFSET);
        out.window = Bytes.u16(f, p + TcpView.WINDOW_OFFSET);
        out.urgentPointer = Bytes.u16(f, p + TcpView.URGENT_OFFSET);
        out.payloadOffset = p + hl;
        out.payloadLength = len - hl;
        return reject(out, TcpOptions.parse(f, p + TcpView.MIN_HEADER_LENGTH, hl - TcpView.MIN_HEADER_LENGTH, out));
    }

    private static int icmp4(MemorySegment f, long p, int len, ParsedFrame out) {
        out.kind = ParsedFrame.KIND_ICMP4;
        out.icmpHasInner = false;
        out.icmpMtu = 0;
        if (len < IcmpView.HEADER_LENGTH) return reject(out, TRUNCATED_ICMP);
        out.icmpType = Bytes.u8(f, p + IcmpView.TYPE_OFFSET);
        out.icmpCode = Bytes.u8(f, p + IcmpView.CODE_OFFSET);
        if (out.icmpType == IcmpView.V4_DEST_UNREACHABLE) {
            // RFC 1191 §4: the next-hop MTU in the low 16 bits of the second word (code 4)
            if (out.icmpCode == IcmpView.V4_CODE_FRAG_NEEDED) out.icmpMtu = Bytes.u16(f, p + IcmpView.V4_MTU_OFFSET);
            innerIpv4(f, p + IcmpView.BODY_OFFSET, len - IcmpView.BODY_OFFSET, out);
        }
        return reject(out, OK);
    }

    /** RFC 792: the quoted datagram is its IP header and at least 8 bytes: the TCP ports and sequence number. */
    private static void innerIpv4(MemorySegment f, long p, int len, ParsedFrame out) {
        if (len < Ipv4View.MIN_HEADER_LENGTH) return;
        int versionIhl = Bytes.u8(f, p);
        int hl = (versionIhl & 0x0f) * 4;
        if (versionIhl >>> 4 != 4 || hl < Ipv4View.MIN_HEADER_LENGTH || hl + 8 > len) return;
        if (Bytes.u8(f, p + Ipv4View.PROTOCOL_OFFSET) != Ipv4View.PROTO_TCP) return;
        out.innerSrcHi = 0;
        out.innerSrcLo = ParsedFrame.v4Mapped(Bytes.i32(f, p + Ipv4View.SRC_OFFSET));
        out.innerDstHi = 0;
        out.innerDstLo = ParsedFrame.v4Mapped(Bytes.i32(f, p + Ipv4View.DST_OFFSET));
        innerTcp(f, p + hl, out);
    }

    private static void innerTcp(MemorySegment f, long p, ParsedFrame out) {
        out.innerSrcPort = Bytes.u16(f, p + TcpView.SRC_PORT_OFFSET);
        out.innerDstPort = Bytes.u16(f, p + TcpView.DST_PORT_OFFSET);
        out.innerSeq = Bytes.i32(f, p + TcpView.SEQ_OFFSET);
        out.icmpHasInner = true;
    }

    private static int icmp6(MemorySegment f, long p, int len, ParsedFrame out) {
        out.kind = ParsedFrame.KIND_ICMP6;
        out.icmpHasInner = false;
        out.icmpMtu = 0;
        out.ndSourceLinkAddr = -1;
        out.ndTargetLinkAddr = -1;
        if (len < IcmpView.HEADER_LENGTH) return reject(out, TRUNCATED_ICMP);
        int type = Bytes.u8(f, p + IcmpView.TYPE_OFFSET);
        out.icmpType = type;
        out.icmpCode = Bytes.u8(f, p + IcmpView.CODE_OFFSET);
        switch (type) {
            case IcmpView.V6_DEST_UNREACHABLE, IcmpView.V6_PACKET_TOO_BIG -> {
                if (type == IcmpView.V6_PACKET_TOO_BIG) out.icmpMtu = Bytes.i32(f, p + IcmpView.REST_OFFSET);
                innerIpv6(f, p + IcmpView.BODY_OFFSET, len - IcmpView.BODY_OFFSET, out);
                return reject(out, OK);
            }
            case IcmpView.V6_NEIGHBOR_SOLICITATION, IcmpView.V6_NEIGHBOR_ADVERTISEMENT -> {
                return reject(out, neighbour(f, p, len, out));
            }
            default -> {
                return reject(out, OK);
            }
        }
    }

    /** The quoted packet's fixed header and 8 TCP bytes, when TCP follows it directly (no extension headers). */
    private static void innerIpv6(MemorySegment f, long p, int len, ParsedFrame out) {
        if (len < Ipv6View.HEADER_LENGTH + 8 || Bytes.u8(f, p) >>> 4 != 6) return;
        if (Bytes.u8(f, p + Ipv6View.NEXT_HEADER_OFFSET) != Ipv6View.NH_TCP) return;
        out.innerSrcHi = Bytes.i64(f, p + Ipv6View.SRC_OFFSET);
        out.innerSrcLo = Bytes.i64(f, p + Ipv6View.SRC_OFFSET + 8);
        out.innerDstHi = Bytes.i64(f, p + Ipv6View.DST_OFFSET);
        out.innerDstLo = Bytes.i64(f, p + Ipv6View.DST_OFFSET + 8);
        innerTcp(f, p + Ipv6View.HEADER_LENGTH, out);
    }

    /** RFC 4861 §7.1.1 / §7.1.2 validity: hop limit 255, code 0, at least 24 bytes, no option of length 0. */
    private static int neighbour(MemorySegment f, long p, int len, ParsedFrame out) {
        if (len < IcmpView.ND_OPTIONS_OFFSET) return TRUNCATED_ICMP;
        if (out.ttl != 255 || out.icmpCode != 0) return BAD_ND;
        out.ndFlags = Bytes.i32(f, p + IcmpView.REST_OFFSET);
        out.ndTargetHi = Bytes.i64(f, p + IcmpView.ND_TARGET_OFFSET);
        out.ndTargetLo = Bytes.i64(f, p + IcmpView.ND_TARGET_OFFSET + 8);
        long q = p + IcmpView.ND_OPTIONS_OFFSET;
        long end = p + len;
        while (q < end) {
            if (end - q < 2) return BAD_ND;
            int type = Bytes.u8(f, q);
            int optLen = Bytes.u8(f, q + 1) * 8;
            if (optLen == 0 || optLen > end - q) return BAD_ND;
            if (optLen >= 8 && type == IcmpView.ND_OPT_SOURCE_LLA) out.ndSourceLinkAddr = Bytes.mac(f, q + 2);
            if (optLen >= 8 && type == IcmpView.ND_OPT_TARGET_LLA) out.ndTargetLinkAddr = Bytes.mac(f, q + 2);
            q += optLen;
        }
        return OK;
    }
}
