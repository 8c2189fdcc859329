package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message: the common 4 bytes and the 4 that follow.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | v4 type 3 code 4: unused      |  Next-Hop MTU (RFC 1191 §4)   |  4
 * | v6 type 2: MTU (32 bits, RFC 4443 §3.2)                       |
 * | v6 type 135/136: R|S|O flags + reserved (RFC 4861 §4.3, §4.4) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | errors: as much of the invoking packet as fits                |  8
 * | ND: target address (16 bytes), then options (type, len*8, ..) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IcmpView {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    public static final int V4_MTU_OFFSET = 6;
    public static final int BODY_OFFSET = 8;
    public static final int ND_TARGET_OFFSET = 8;
    public static final int ND_OPTIONS_OFFSET = 24;
    public static final int HEADER_LENGTH = 8;

    public static final int V4_DEST_UNREACHABLE = 3;
    public static final int V4_CODE_FRAG_NEEDED = 4;
    public static final int V6_DEST_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_NEIGHBOR_SOLICITATION = 135;
    public static final int V6_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int ND_OPT_SOURCE_LLA = 1;
    public static final int ND_OPT_TARGET_LLA = 2;
    public static final int NA_FLAG_ROUTER = 0x8000_0000;
    public static final int NA_FLAG_SOLICITED = 0x4000_0000;
    public static final int NA_FLAG_OVERRIDE = 0x2000_0000;

    private MemorySegment segment;
    private long offset;
    private int length;

    /** Points this view at a message; false when {@code length} is below 8 bytes. */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return length >= HEADER_LENGTH;
    }

    public int type() { return Bytes.u8(segment, offset + TYPE_OFFSET); }
    public int code() { return Bytes.u8(segment, offset + CODE_OFFSET); }
    public int checksum() { return Bytes.u16(segment, offset + CHECKSUM_OFFSET); }
    /** The 32 bits after the checksum (MTU for v6 packet too big, flags for ND). */
    public int rest() { return Bytes.i32(segment, offset + REST_OFFSET); }
    public int v4NextHopMtu() { return Bytes.u16(segment, offset + V4_MTU_OFFSET); }
    public long bodyOffset() { return offset + BODY_OFFSET; }
    public int bodyLength() { return length - BODY_OFFSET; }
    public int length() { return length; }
}
