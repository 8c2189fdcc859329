package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * The decoded form of one received frame, filled in place by {@link FrameParser#parse} and reused for the next
 * frame (one instance per shard: the receive path allocates nothing).
 *
 * <p>Addresses of both families are held as 128 bits in two longs: IPv6 as is, IPv4 as the IPv4-mapped IPv6
 * address {@code ::ffff:a.b.c.d} ({@code hi = 0}, {@code lo = 0x0000_ffff_xxxx_xxxxL}); see {@link #v4Mapped}.
 * Fields that do not apply to the frame's kind keep stale values: read only what {@link #kind} says is there.
 */
public final class ParsedFrame {
    /** What the frame is; one of the {@code KIND_*} constants. */
    public static final int KIND_NONE = 0, KIND_ARP = 1, KIND_TCP = 2, KIND_ICMP4 = 3, KIND_ICMP6 = 4, KIND_OTHER = 5;

    /** The frame these fields were read from, its start and its length (the whole Ethernet frame). */
    public MemorySegment frame;
    public long frameOffset;
    public int frameLength;

    /** {@link ParseVerdict#OK} or the reason the frame was rejected. */
    public int verdict;
    public int kind;

    // Ethernet
    public long dstMac, srcMac;          // 48 bits, network order packed into the low bits
    public int vlanTci = -1;             // -1: no tag (the ring strips it: the shard sets it from tp_vlan_tci)
    public int etherType;

    // IP (IPv4 or IPv6)
    public int ipVersion;                // 4 or 6
    public long srcHi, srcLo, dstHi, dstLo;
    public int ipProto;                  // final upper-layer protocol after IPv6 extension headers
    public int trafficClass;             // IPv4 TOS / IPv6 traffic class; ECN is the low two bits
    public int ttl;                      // TTL or hop limit
    public boolean fragment;             // IPv4 MF set or offset != 0; IPv6 fragment header present
    public boolean firstFragment;        // the fragment at offset 0 (it carries the ports)
    public long l3Offset;                // absolute offset of the IP header in frame
    public long l4Offset;                // absolute offset of the TCP / ICMP header in frame
    public int l4Length;                 // bytes of L4 header + payload, per the IP length fields

    // TCP
    public int srcPort, dstPort;
    public int seq, ack;                 // raw 32-bit sequence numbers
    public int flags;                    // TcpFlags bits: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80
    public int window;                   // raw 16-bit window, not scaled
    public int urgentPointer;
    public long payloadOffset;           // absolute offset of the TCP payload in frame
    public int payloadLength;
    // TCP options (reset for every TCP frame)
    public int mss = -1;                 // -1 when absent
    public int windowScale = -1;         // -1 when absent (the raw shift; callers clamp to 14 per RFC 7323)
    public boolean sackPermitted;
    public boolean hasTimestamp;
    public int tsVal, tsEcr;
    public int sackBlockCount;           // 0..4
    public final int[] sackLeft = new int[4];
    public final int[] sackRight = new int[4];
    public boolean fastOpen;             // TFO option (kind 34, or experimental 254/0xF989) present

    // ARP (Ethernet/IPv4 only)
    public int arpOp;                    // 1 request, 2 reply
    public long arpSenderMac, arpTargetMac;
    public int arpSenderIp, arpTargetIp; // IPv4 as an int, network order read big-endian

    // ICMPv4 / ICMPv6
    public int icmpType, icmpCode;
    public int icmpMtu;                  // next-hop MTU (v4 frag needed) or MTU (v6 packet too big)
    public boolean icmpHasInner;         // the quoted IP + first 8 TCP bytes were parsed into inner*
    public long innerSrcHi, innerSrcLo, innerDstHi, innerDstLo;
    public int innerSrcPort, innerDstPort, innerSeq;
    public long ndTargetHi, ndTargetLo;  // neighbour solicitation / advertisement target
    public long ndSourceLinkAddr = -1;   // source link-layer address option of an NS, -1 when absent
    public long ndTargetLinkAddr = -1;   // target link-layer address option of an NA, -1 when absent
    public int ndFlags;                  // NA flags word (R 0x80000000, S 0x40000000, O 0x20000000)

    /** IPv4 address (as read big-endian into an int) to the {@code lo} half of its IPv4-mapped form. */
    public static long v4Mapped(int ipv4) {
        return 0x0000_ffff_0000_0000L | (ipv4 & 0xffff_ffffL);
    }

    /** True when the 128-bit address is IPv4-mapped. */
    public static boolean isV4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }
}
