package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an ARP packet for Ethernet/IPv4 (RFC 826), 28 bytes.
 * <pre>
 * +-------------------------------+-------------------------------+
 * | HTYPE = 1 (Ethernet)          | PTYPE = 0x0800 (IPv4)         |  0
 * +---------------+---------------+-------------------------------+
 * | HLEN = 6      | PLEN = 4      | OPER (1 request, 2 reply)     |  4
 * +---------------+---------------+-------------------------------+
 * | sender hardware address (6 bytes)                             |  8
 * +                               +-------------------------------+
 * |                               | sender protocol address       | 14
 * +-------------------------------+-------------------------------+
 * |                               | target hardware address       | 18
 * +-------------------------------+                               +
 * |                                                               |
 * +---------------------------------------------------------------+
 * | target protocol address                                       | 24
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class ArpView {
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OPER_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private MemorySegment segment;
    private long offset;

    /** Points this view at an ARP packet; false when {@code length} is below 28 bytes. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        return length >= LENGTH;
    }

    /** True for Ethernet/IPv4 with address lengths 6 and 4: the only kind answered. */
    public boolean isEthernetIpv4() {
        return Bytes.u16(segment, offset + HTYPE_OFFSET) == HTYPE_ETHERNET
            && Bytes.u16(segment, offset + PTYPE_OFFSET) == EthernetView.ETHERTYPE_IPV4
            && Bytes.u8(segment, offset + HLEN_OFFSET) == 6 && Bytes.u8(segment, offset + PLEN_OFFSET) == 4;
    }

    public int op() { return Bytes.u16(segment, offset + OPER_OFFSET); }
    public long senderMac() { return Bytes.mac(segment, offset + SENDER_MAC_OFFSET); }
    public int senderIp() { return Bytes.i32(segment, offset + SENDER_IP_OFFSET); }
    public long targetMac() { return Bytes.mac(segment, offset + TARGET_MAC_OFFSET); }
    public int targetIp() { return Bytes.i32(segment, offset + TARGET_IP_OFFSET); }

    /** Writes a whole Ethernet/IPv4 ARP packet at {@code off}; returns 28. */
    static int write(MemorySegment s, long off, int op, long senderMac, int senderIp, long targetMac, int targetIp) {
        Bytes.put16(s, off + HTYPE_OFFSET, HTYPE_ETHERNET);
        Bytes.put16(s, off + PTYPE_OFFSET, EthernetView.ETHERTYPE_IPV4);
        Bytes.put8(s, off + HLEN_OFFSET, 6);
        Bytes.put8(s, off + PLEN_OFFSET, 4);
        Bytes.put16(s, off + OPER_OFFSET, op);
        Bytes.putMac(s, off + SENDER_MAC_OFFSET, senderMac);
        Bytes.put32(s, off + SENDER_IP_OFFSET, senderIp);
        Bytes.putMac(s, off + TARGET_MAC_OFFSET, targetMac);
        Bytes.put32(s, off + TARGET_IP_OFFSET, targetIp);
        return LENGTH;
    }
}
