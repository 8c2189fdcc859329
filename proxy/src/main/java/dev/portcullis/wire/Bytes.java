package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Big-endian, unaligned accessors shared by the views, the parser and the writers (network byte order). */
final class Bytes {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {
    }

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    static int u16(MemorySegment s, long off) {
        return s.get(U16, off) & 0xffff;
    }

    static int i32(MemorySegment s, long off) {
        return s.get(U32, off);
    }

    static long i64(MemorySegment s, long off) {
        return s.get(U64, off);
    }

    /** A 48-bit MAC address into the low bits of a long. */
    static long mac(MemorySegment s, long off) {
        return ((long) u16(s, off) << 32) | (i32(s, off + 2) & 0xffff_ffffL);
    }

    static void put8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    static void put16(MemorySegment s, long off, int v) {
        s.set(U16, off, (short) v);
    }

    static void put32(MemorySegment s, long off, int v) {
        s.set(U32, off, v);
    }

    static void put64(MemorySegment s, long off, long v) {
        s.set(U64, off, v);
    }

    static void putMac(MemorySegment s, long off, long mac) {
        put16(s, off, (int) (mac >>> 32));
        put32(s, off + 2, (int) mac);
    }
}
