package dev.portcullis.tcp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One direction's byte stream of one connection, addressed by a 64-bit stream position (so sequence numbers
 * never wrap here), stored in {@link BufferPool} chunks taken on first write and given back once every byte in
 * them is released. The window of positions held at once is at most {@code capacity} bytes from {@link #base()}.
 * Writes may land anywhere in that window (out-of-order data goes straight to its place).
 */
final class ChunkRing {
    private final BufferPool pool;
    private final int[] slots;
    private final int shift, chunkMask;
    private final int capacity;
    private long base; // first position still held

    ChunkRing(BufferPool pool, int capacity) {
        this.pool = pool;
        this.capacity = capacity;
        shift = pool.chunkShift();
        chunkMask = pool.chunkBytes - 1;
        slots = new int[(capacity >> shift) + 2];
        Arrays.fill(slots, -1);
    }

    int capacity() { return capacity; }
    long base() { return base; }

    /** Forgets everything and starts the stream at {@code position}. */
    void reset(long position) {
        releaseAll();
        base = position;
    }

    private int slot(long pos) {
        return (int) Long.remainderUnsigned(pos >>> shift, slots.length);
    }

    /**
     * Copies {@code len} bytes to stream position {@code pos} (which must lie in [base, base + capacity)).
     * Returns the bytes written: fewer when the pool runs dry.
     */
    int write(long pos, MemorySegment src, long srcOff, int len) {
        int done = 0;
        while (done < len) {
            long p = pos + done;
            int s = slot(p);
            if (slots[s] < 0) {
                int c = pool.take();
                if (c < 0) return done;
                slots[s] = c;
            }
            int inChunk = (int) (p & chunkMask);
            int n = Math.min(len - done, pool.chunkBytes - inChunk);
            MemorySegment.copy(src, srcOff + done, pool.memory, pool.offset(slots[s]) + inChunk, n);
            done += n;
        }
        return done;
    }

    /** Copies {@code len} held bytes from stream position {@code pos} out. */
    void read(long pos, MemorySegment dst, long dstOff, int len) {
        int done = 0;
        while (done < len) {
            long p = pos + done;
            int inChunk = (int) (p & chunkMask);
            int n = Math.min(len - done, pool.chunkBytes - inChunk);
            MemorySegment.copy(pool.memory, pool.offset(slots[slot(p)]) + inChunk, dst, dstOff + done, n);
            done += n;
        }
    }

    /** Absolute offset in {@link BufferPool#memory} of the byte at {@code pos}. */
    long address(long pos) {
        return pool.offset(slots[slot(pos)]) + (pos & chunkMask);
    }

    /** Bytes from {@code pos} to the end of its chunk. */
    int contiguous(long pos) {
        return pool.chunkBytes - (int) (pos & chunkMask);
    }

    /** Whether the chunk holding {@code pos} is allocated. */
    boolean has(long pos) {
        return slots[slot(pos)] >= 0;
    }

    /** Gives back every chunk wholly below {@code pos} and makes {@code pos} the new base. */
    void release(long pos) {
        if (pos <= base) return;
        long firstChunk = base >>> shift, endChunk = pos >>> shift;
        for (long c = firstChunk; c < endChunk; c++) {
            int s = (int) Long.remainderUnsigned(c, slots.length);
            if (slots[s] >= 0) {
                pool.give(slots[s]);
                slots[s] = -1;
            }
        }
        base = pos;
    }

    void releaseAll() {
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] >= 0) {
                pool.give(slots[s]);
                slots[s] = -1;
            }
        }
    }
}
