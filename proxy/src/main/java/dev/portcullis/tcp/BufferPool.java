package dev.portcullis.tcp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The global buffer budget (like Linux's tcp_mem): one block of memory cut into fixed-size chunks, handed to
 * connections as data arrives and taken back as it is read or acknowledged. A connection holds only the chunks
 * its bytes occupy, never a fixed reservation.
 */
final class BufferPool {
    final MemorySegment memory;
    final int chunkBytes;
    private final int chunkShift;
    private final int[] free;
    private int freeCount;

    BufferPool(long budgetBytes, int chunkBytes) {
        this.chunkBytes = chunkBytes;
        chunkShift = Integer.numberOfTrailingZeros(chunkBytes);
        int chunks = (int) Math.min(Integer.MAX_VALUE - 8, budgetBytes / chunkBytes);
        memory = Arena.ofAuto().allocate((long) chunks * chunkBytes, 64);
        free = new int[chunks];
        for (int i = 0; i < chunks; i++) free[i] = chunks - 1 - i;
        freeCount = chunks;
    }

    int chunkShift() { return chunkShift; }
    int capacity() { return free.length; }
    int freeChunks() { return freeCount; }
    int usedChunks() { return free.length - freeCount; }

    /** A free chunk's index, or -1 when the budget is spent. */
    int take() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    void give(int chunk) {
        free[freeCount++] = chunk;
    }

    long offset(int chunk) {
        return (long) chunk << chunkShift;
    }
}
