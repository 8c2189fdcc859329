package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over the fixed IPv6 header (RFC 8200 §3), 40 bytes. Extension headers are walked by
 * {@link FrameParser}.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Source Address (16 bytes)                 |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Destination Address (16 bytes)               | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Extension headers (RFC 8200 §4): Hop-by-Hop 0, Routing 43, Fragment 44, Destination Options 60, AH 51
 * (length in 4-byte units + 2), each starting with Next Header and a length byte.
 */
public final class Ipv6View {
    public static final int VERSION_TC_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SRC_OFFSET = 8;
    public static final int DST_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    public static final int NH_HOP_BY_HOP = 0;
    public static final int NH_TCP = 6;
    public static final int NH_ROUTING = 43;
    public static final int NH_FRAGMENT = 44;
    public static final int NH_AH = 51;
    public static final int NH_ICMPV6 = 58;
    public static final int NH_NONE = 59;
    public static final int NH_DEST_OPTS = 60;

    private MemorySegment segment;
    private long offset;
    private int length;

    /** Points this view at a header; false when {@code length} is below 40 bytes. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return length >= HEADER_LENGTH;
    }

    public int version() { return Bytes.u8(segment, offset) >>> 4; }
    public int trafficClass() { return (Bytes.u16(segment, offset) >>> 4) & 0xff; }
    public int flowLabel() { return Bytes.i32(segment, offset) & 0xfffff; }
    public int payloadLength() { return Bytes.u16(segment, offset + PAYLOAD_LENGTH_OFFSET); }
    public int nextHeader() { return Bytes.u8(segment, offset + NEXT_HEADER_OFFSET); }
    public int hopLimit() { return Bytes.u8(segment, offset + HOP_LIMIT_OFFSET); }
    public long srcHi() { return Bytes.i64(segment, offset + SRC_OFFSET); }
    public long srcLo() { return Bytes.i64(segment, offset + SRC_OFFSET + 8); }
    public long dstHi() { return Bytes.i64(segment, offset + DST_OFFSET); }
    public long dstLo() { return Bytes.i64(segment, offset + DST_OFFSET + 8); }
    public int length() { return length; }

    /** Writes the fixed header (flow label 0); returns 40. */
    static int write(MemorySegment s, long off, int trafficClass, int payloadLength, int nextHeader, int hopLimit,
                     long srcHi, long srcLo, long dstHi, long dstLo) {
        Bytes.put32(s, off, 0x6000_0000 | ((trafficClass & 0xff) << 20));
        Bytes.put16(s, off + PAYLOAD_LENGTH_OFFSET, payloadLength);
        Bytes.put8(s, off + NEXT_HEADER_OFFSET, nextHeader);
        Bytes.put8(s, off + HOP_LIMIT_OFFSET, hopLimit);
        Bytes.put64(s, off + SRC_OFFSET, srcHi);
        Bytes.put64(s, off + SRC_OFFSET + 8, srcLo);
        Bytes.put64(s, off + DST_OFFSET, dstHi);
        Bytes.put64(s, off + DST_OFFSET + 8, dstLo);
        return HEADER_LENGTH;
    }
}
