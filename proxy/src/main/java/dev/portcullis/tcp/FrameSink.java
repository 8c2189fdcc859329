package dev.portcullis.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Where the engine writes the frames it sends (docs/CONTRACTS.md). io implements it with a TX batch flushed once
 * per loop iteration; tests implement it with a list.
 */
public interface FrameSink {
    /** The buffer that {@link #claim} offsets point into. */
    MemorySegment buffer();

    /** Absolute offset in {@link #buffer()} where a frame of up to {@code maxLen} bytes may be written, or -1 when the batch is full. */
    long claim(int maxLen);

    /** Publishes the frame of {@code length} bytes written at {@code offset} (from the last {@link #claim}). */
    void commit(long offset, int length);
}
