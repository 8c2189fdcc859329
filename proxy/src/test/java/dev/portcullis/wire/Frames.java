package dev.portcullis.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/** Segment templates and helpers shared by the wire tests. */
final class Frames {
    static final long CLIENT_MAC = 0x02_00_00_00_00_0aL;
    static final long SERVER_MAC = 0x02_00_00_00_00_0bL;
    static final int CLIENT_V4 = 0x0a_00_00_01;   // 10.0.0.1
    static final int SERVER_V4 = 0x0a_00_00_02;   // 10.0.0.2
    static final long CLIENT_V6_HI = 0xfd00_0000_0000_0000L, CLIENT_V6_LO = 1;
    static final long SERVER_V6_HI = 0xfd00_0000_0000_0000L, SERVER_V6_LO = 2;

    private Frames() {
    }

    /** A client SYN (v4 or v6) with the options a Linux client sends. */
    static OutSegment syn(int ipVersion) {
        OutSegment s = new OutSegment();
        s.srcMac = CLIENT_MAC;
        s.dstMac = SERVER_MAC;
        s.ipVersion = ipVersion;
        if (ipVersion == 4) {
            s.srcLo = ParsedFrame.v4Mapped(CLIENT_V4);
            s.dstLo = ParsedFrame.v4Mapped(SERVER_V4);
        } else {
            s.srcHi = CLIENT_V6_HI;
            s.srcLo = CLIENT_V6_LO;
            s.dstHi = SERVER_V6_HI;
            s.dstLo = SERVER_V6_LO;
        }
        s.srcPort = 40000;
        s.dstPort = 80;
        s.seq = 0x1234_5678;
        s.ack = 0;
        s.flags = TcpFlags.SYN;
        s.window = 64240;
        s.mss = ipVersion == 4 ? 1460 : 1440;
        s.sackPermitted = true;
        s.hasTimestamp = true;
        s.tsVal = 0xdead_beef;
        s.tsEcr = 0;
        s.windowScale = 7;
        return s;
    }

    static MemorySegment buffer(int size) {
        return Arena.ofAuto().allocate(size, 8);
    }

    /** Writes {@code s} at offset 0 of a new 64 KB + 1 KB buffer and returns a segment of exactly the frame. */
    static MemorySegment write(OutSegment s) {
        MemorySegment buf = buffer(70_000);
        int len = SegmentWriter.write(s, buf, 0, (int) buf.byteSize());
        if (len < 0) throw new AssertionError("did not fit");
        return buf.asSlice(0, len);
    }

    static MemorySegment hex(String hex) {
        byte[] b = HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
        return MemorySegment.ofArray(b);
    }

    /** A copy of {@code frame} in a heap segment (so tests may change bytes). */
    static MemorySegment copy(MemorySegment frame) {
        MemorySegment c = MemorySegment.ofArray(new byte[(int) frame.byteSize()]);
        c.copyFrom(frame);
        return c;
    }

    static int parse(MemorySegment frame, ParsedFrame out) {
        return FrameParser.parse(frame, 0, (int) frame.byteSize(), out);
    }
}
