package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an IPv4 header (RFC 791 §3.1). Options (IHL &gt; 5) are skipped, not read.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL &gt; 5) ...                      | 20
 * </pre>
 * Flags: bit 0x4000 DF, 0x2000 MF; the fragment offset is the low 13 bits, in 8-byte units.
 */
public final class Ipv4View {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int ID_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SRC_OFFSET = 12;
    public static final int DST_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;

    private MemorySegment segment;
    private long offset;
    private int length;

    /** Points this view at a header; false when {@code length} is below 20 bytes or below what IHL says. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return length >= MIN_HEADER_LENGTH && ihl() >= 5 && headerLength() <= length;
    }

    public int version() { return Bytes.u8(segment, offset + VERSION_IHL_OFFSET) >>> 4; }
    public int ihl() { return Bytes.u8(segment, offset + VERSION_IHL_OFFSET) & 0x0f; }
    public int headerLength() { return ihl() * 4; }
    public int tos() { return Bytes.u8(segment, offset + TOS_OFFSET); }
    public int totalLength() { return Bytes.u16(segment, offset + TOTAL_LENGTH_OFFSET); }
    public int identification() { return Bytes.u16(segment, offset + ID_OFFSET); }
    public int flagsFragment() { return Bytes.u16(segment, offset + FLAGS_FRAGMENT_OFFSET); }
    public boolean dontFragment() { return (flagsFragment() & FLAG_DF) != 0; }
    public boolean moreFragments() { return (flagsFragment() & FLAG_MF) != 0; }
    /** Fragment offset in bytes. */
    public int fragmentOffset() { return (flagsFragment() & FRAGMENT_OFFSET_MASK) * 8; }
    public int ttl() { return Bytes.u8(segment, offset + TTL_OFFSET); }
    public int protocol() { return Bytes.u8(segment, offset + PROTOCOL_OFFSET); }
    public int checksum() { return Bytes.u16(segment, offset + CHECKSUM_OFFSET); }
    public Ipv4View checksum(int c) { Bytes.put16(segment, offset + CHECKSUM_OFFSET, c); return this; }
    public int src() { return Bytes.i32(segment, offset + SRC_OFFSET); }
    public int dst() { return Bytes.i32(segment, offset + DST_OFFSET); }
    public Ipv4View ttl(int ttl) { Bytes.put8(segment, offset + TTL_OFFSET, ttl); return this; }
    /** True when the header checksum (options included) verifies. */
    public boolean checksumValid() {
        return Checksum.fold(Checksum.sum(segment, offset, headerLength(), 0)) == 0xffff;
    }
    public int length() { return length; }

    /** Writes a 20-byte header (DF set, id 0, checksum complete); returns 20. */
    static int write(MemorySegment s, long off, int tos, int totalLength, int ttl, int proto, int src, int dst) {
        Bytes.put16(s, off + VERSION_IHL_OFFSET, 0x4500 | (tos & 0xff));
        Bytes.put16(s, off + TOTAL_LENGTH_OFFSET, totalLength);
        Bytes.put32(s, off + ID_OFFSET, FLAG_DF); // id 0: RFC 6864 §4.1 allows any id on atomic datagrams
        Bytes.put16(s, off + TTL_OFFSET, (ttl << 8) | proto);
        Bytes.put16(s, off + CHECKSUM_OFFSET, 0);
        Bytes.put32(s, off + SRC_OFFSET, src);
        Bytes.put32(s, off + DST_OFFSET, dst);
        Bytes.put16(s, off + CHECKSUM_OFFSET, ~Checksum.fold(Checksum.sum(s, off, MIN_HEADER_LENGTH, 0)) & 0xffff);
        return MIN_HEADER_LENGTH;
    }
}
