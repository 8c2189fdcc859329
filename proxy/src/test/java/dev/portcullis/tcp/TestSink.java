package dev.portcullis.tcp;

import dev.portcullis.wire.Checksum;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A {@link FrameSink} for tests: frames are written into one buffer and remembered by offset and length until
 * {@link #clear()}. Holds at most {@code capacity} bytes and {@code maxFrames} frames; then claim returns -1.
 * With {@link #offloads(int)} it takes offloaded frames and does what the kernel does with them (tcp_gso_segment):
 * cuts the payload into segments of the given size, each with the headers, its own sequence number, IP length and
 * complete checksums, CWR on the first only, PSH and FIN on the last only; the segments are the frames seen.
 */
final class TestSink implements FrameSink {
    private final MemorySegment buf;
    private final long[] offsets;
    private final int[] lengths;
    private final long[] times;
    private int count;
    private long used;
    long clock; // the harness sets the time frames are stamped with
    private int offloadMax;
    /** Offloaded frames taken, and how many of them held more than one segment. */
    long offloadedFrames, multiSegmentFrames;
    /** The largest payload of one offloaded frame. */
    int largestOffloadPayload;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    TestSink(int capacity, int maxFrames) {
        buf = Arena.ofAuto().allocate(capacity);
        offsets = new long[maxFrames];
        lengths = new int[maxFrames];
        times = new long[maxFrames];
    }

    @Override public MemorySegment buffer() { return buf; }

    @Override public long claim(int maxLen) {
        if (count == offsets.length || used + maxLen > buf.byteSize()) return -1;
        return used;
    }

    @Override public void commit(long offset, int length) {
        if (length <= 0) return;
        offsets[count] = offset;
        lengths[count] = length;
        times[count] = clock;
        count++;
        used = offset + length;
    }

    /** Takes offloaded frames of up to {@code maxFrame} bytes from now on (0: none). */
    TestSink offloads(int maxFrame) {
        offloadMax = maxFrame;
        return this;
    }

    @Override public int offloadMaxFrame() { return offloadMax; }

    @Override public void commitOffloaded(long offset, int length, int segmentSize) {
        if (length <= 0) return; // a claim given back
        if (offloadMax == 0 || length > offloadMax) throw new AssertionError("offloaded frame without offloads");
        offloadedFrames++;
        boolean v6 = (buf.get(U16, offset + 12) & 0xffff) == 0x86dd;
        int l4 = 14 + (v6 ? 40 : (buf.get(ValueLayout.JAVA_BYTE, offset + 14) & 0xf) * 4);
        int hdr = l4 + ((buf.get(ValueLayout.JAVA_BYTE, offset + l4 + 12) & 0xff) >>> 4) * 4;
        int payload = length - hdr;
        largestOffloadPayload = Math.max(largestOffloadPayload, payload);
        int seg = segmentSize > 0 && payload > segmentSize ? segmentSize : Math.max(payload, 1);
        if (payload > seg) multiSegmentFrames++;
        // the segments are written after the offloaded frame, which is then forgotten
        long at = offset + length;
        int seq = buf.get(U32, offset + l4 + 4);
        int flags = buf.get(ValueLayout.JAVA_BYTE, offset + l4 + 13) & 0xff;
        for (int done = 0; done < payload || (payload == 0 && done == 0); done += seg) {
            int n = Math.min(seg, payload - done);
            if (at + hdr + n > buf.byteSize() || count == offsets.length) return; // full: the rest is lost, as on a full ring
            MemorySegment.copy(buf, offset, buf, at, hdr);
            MemorySegment.copy(buf, offset + hdr + done, buf, at + hdr, n);
            boolean first = done == 0, last = done + n >= payload;
            int f = flags & ~((first ? 0 : 0x80) | (last ? 0 : 0x09)); // CWR on the first; FIN, PSH on the last
            buf.set(ValueLayout.JAVA_BYTE, at + l4 + 13, (byte) f);
            buf.set(U32, at + l4 + 4, seq + done);
            int l4Len = hdr - l4 + n;
            long pseudo;
            if (v6) {
                buf.set(U16, at + 14 + 4, (short) l4Len);
                pseudo = Checksum.pseudoV6(buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 22),
                        buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 30),
                        buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 38),
                        buf.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at + 46), 6, l4Len);
            } else {
                buf.set(U16, at + 14 + 2, (short) (l4 - 14 + l4Len));
                buf.set(U16, at + 14 + 10, (short) 0);
                buf.set(U16, at + 14 + 10, (short) Checksum.finish(Checksum.sum(buf, at + 14, l4 - 14, 0)));
                pseudo = Checksum.pseudoV4(buf.get(U32, at + 26), buf.get(U32, at + 30), 6, l4Len);
            }
            buf.set(U16, at + l4 + 16, (short) 0);
            buf.set(U16, at + l4 + 16, (short) Checksum.finish(Checksum.sum(buf, at + l4, l4Len, pseudo)));
            offsets[count] = at;
            lengths[count] = hdr + n;
            times[count] = clock;
            count++;
            at += hdr + n;
            used = at;
            if (payload == 0) break;
        }
    }

    int count() { return count; }
    long offset(int i) { return offsets[i]; }
    int length(int i) { return lengths[i]; }
    long time(int i) { return times[i]; }
    MemorySegment frame(int i) { return buf.asSlice(offsets[i], lengths[i]); }

    void clear() {
        count = 0;
        used = 0;
    }
}
