package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an Ethernet II header, with an optional IEEE 802.1Q tag.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  destination MAC (6 bytes)                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   source MAC (6 bytes)        +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  EtherType / TPID 0x8100      | [802.1Q TCI: PCP|DEI|VID]     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | [inner EtherType]             |  payload ...
 * </pre>
 * The ring usually strips the tag (it arrives in {@code tp_vlan_tci}); a tag still in the frame is parsed.
 */
public final class EthernetView {
    public static final int DST_MAC_OFFSET = 0;
    public static final int SRC_MAC_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    public static final int TCI_OFFSET = 14;
    public static final int INNER_ETHERTYPE_OFFSET = 16;
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_HEADER_LENGTH = 18;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;

    private MemorySegment segment;
    private long offset;
    private int length;

    /** Points this view at a header; false (view unusable) when {@code length} cannot hold the header. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        if (length < HEADER_LENGTH) return false;
        return !tagged() || length >= VLAN_HEADER_LENGTH;
    }

    public long dstMac() { return Bytes.mac(segment, offset + DST_MAC_OFFSET); }
    public EthernetView dstMac(long mac) { Bytes.putMac(segment, offset + DST_MAC_OFFSET, mac); return this; }
    public long srcMac() { return Bytes.mac(segment, offset + SRC_MAC_OFFSET); }
    public EthernetView srcMac(long mac) { Bytes.putMac(segment, offset + SRC_MAC_OFFSET, mac); return this; }
    /** The outer EtherType (0x8100 when tagged). */
    public int outerEtherType() { return Bytes.u16(segment, offset + ETHERTYPE_OFFSET); }
    public boolean tagged() { return outerEtherType() == ETHERTYPE_VLAN; }
    /** The tag's TCI, or -1 when untagged. */
    public int vlanTci() { return tagged() ? Bytes.u16(segment, offset + TCI_OFFSET) : -1; }
    /** The EtherType of the payload (after the tag when there is one). */
    public int etherType() {
        return tagged() ? Bytes.u16(segment, offset + INNER_ETHERTYPE_OFFSET) : outerEtherType();
    }
    public int headerLength() { return tagged() ? VLAN_HEADER_LENGTH : HEADER_LENGTH; }
    public int length() { return length; }

    /** Writes an untagged ({@code vlanTci < 0}) or tagged header; returns its length. */
    static int write(MemorySegment s, long off, long dst, long src, int vlanTci, int etherType) {
        Bytes.putMac(s, off + DST_MAC_OFFSET, dst);
        Bytes.putMac(s, off + SRC_MAC_OFFSET, src);
        if (vlanTci < 0) {
            Bytes.put16(s, off + ETHERTYPE_OFFSET, etherType);
            return HEADER_LENGTH;
        }
        Bytes.put16(s, off + ETHERTYPE_OFFSET, ETHERTYPE_VLAN);
        Bytes.put16(s, off + TCI_OFFSET, vlanTci);
        Bytes.put16(s, off + INNER_ETHERTYPE_OFFSET, etherType);
        return VLAN_HEADER_LENGTH;
    }

    static int headerLength(int vlanTci) {
        return vlanTci < 0 ? HEADER_LENGTH : VLAN_HEADER_LENGTH;
    }
}
