package dev.portcullis.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Where the engine writes whole Ethernet frames: a TX batch (io) or a list (tests). The engine claims room for
 * one frame, writes it in place and commits its real length.
 */
public interface FrameSink {
    /** The memory that {@link #claim} offsets point into. */
    MemorySegment buffer();

    /** Offset in {@link #buffer()} where up to {@code maxLen} bytes may be written, or -1 when the batch is full. */
    long claim(int maxLen);

    /** The frame at {@code offset} (from the last {@link #claim}) is {@code length} bytes long and ready to send. */
    void commit(long offset, int length);
}
