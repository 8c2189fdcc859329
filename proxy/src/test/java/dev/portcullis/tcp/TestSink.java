package dev.portcullis.tcp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link FrameSink} for tests: frames are written into one buffer and remembered by offset and length until
 * {@link #clear()}. Holds at most {@code capacity} bytes and {@code maxFrames} frames; then claim returns -1.
 */
final class TestSink implements FrameSink {
    private final MemorySegment buf;
    private final long[] offsets;
    private final int[] lengths;
    private final long[] times;
    private int count;
    private long used;
    long clock; // the harness sets the time frames are stamped with

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
