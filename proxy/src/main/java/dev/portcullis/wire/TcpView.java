package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over a TCP header (RFC 9293 §3.1). Options are decoded by {@link FrameParser} into
 * {@link ParsedFrame}; this view gives the fixed fields and the option bytes' bounds.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (data offset &gt; 5)  ...             | 20
 * </pre>
 * Option kinds (IANA): 0 EOL, 1 NOP, 2 MSS (len 4), 3 window scale (len 3, RFC 7323 §2), 4 SACK permitted
 * (len 2, RFC 2018), 5 SACK (len 2 + 8n), 8 timestamps (len 10, RFC 7323 §3), 34 TCP Fast Open (RFC 7413),
 * 254 with magic 0xF989 (experimental TFO, RFC 6994).
 */
public final class TcpView {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int SEQ_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int OPT_EOL = 0;
    public static final int OPT_NOP = 1;
    public static final int OPT_MSS = 2;
    public static final int OPT_WSCALE = 3;
    public static final int OPT_SACK_PERM = 4;
    public static final int OPT_SACK = 5;
    public static final int OPT_TIMESTAMP = 8;
    public static final int OPT_FASTOPEN = 34;
    public static final int OPT_EXPERIMENTAL = 254;
    public static final int TFO_EXPERIMENTAL_MAGIC = 0xF989;

    private MemorySegment segment;
    private long offset;
    private int length;

    /**
     * Points this view at a segment of {@code length} bytes (header + payload); false when it is shorter than
     * 20 bytes, the data offset is below 5 or the header is longer than the segment.
     */
    public boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return length >= MIN_HEADER_LENGTH && dataOffset() >= 5 && headerLength() <= length;
    }

    public int srcPort() { return Bytes.u16(segment, offset + SRC_PORT_OFFSET); }
    public int dstPort() { return Bytes.u16(segment, offset + DST_PORT_OFFSET); }
    public int seq() { return Bytes.i32(segment, offset + SEQ_OFFSET); }
    public int ack() { return Bytes.i32(segment, offset + ACK_OFFSET); }
    public int dataOffset() { return Bytes.u8(segment, offset + DATA_OFFSET_OFFSET) >>> 4; }
    public int headerLength() { return dataOffset() * 4; }
    public int flags() { return Bytes.u8(segment, offset + FLAGS_OFFSET); }
    public int window() { return Bytes.u16(segment, offset + WINDOW_OFFSET); }
    public int checksum() { return Bytes.u16(segment, offset + CHECKSUM_OFFSET); }
    public int urgentPointer() { return Bytes.u16(segment, offset + URGENT_OFFSET); }
    public long optionsOffset() { return offset + MIN_HEADER_LENGTH; }
    public int optionsLength() { return headerLength() - MIN_HEADER_LENGTH; }
    public long payloadOffset() { return offset + headerLength(); }
    public int payloadLength() { return length - headerLength(); }

    public TcpView seq(int v) { Bytes.put32(segment, offset + SEQ_OFFSET, v); return this; }
    public TcpView ack(int v) { Bytes.put32(segment, offset + ACK_OFFSET, v); return this; }
    public TcpView window(int v) { Bytes.put16(segment, offset + WINDOW_OFFSET, v); return this; }
    public TcpView checksum(int v) { Bytes.put16(segment, offset + CHECKSUM_OFFSET, v); return this; }
    public int length() { return length; }
}
