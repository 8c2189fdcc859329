package dev.portcullis.io;

/**
 * Sizes of one packet socket's rings and TX batch.
 *
 * @param blockSize       RX block bytes: a multiple of the page size, large enough for a 64 KB GSO/GRO frame plus
 *                        its headers (the kernel cuts frames longer than a block)
 * @param blockCount      RX blocks
 * @param frameSize       the nominal frame size TPACKET_V3 wants (frames are packed by length inside a block)
 * @param retireBlockTovMs how long a partly filled block waits before it is handed to user space. 0 lets the
 *                        kernel pick from the link speed: 8 ms on veth (unknown speed), which every lone SYN would
 *                        wait; 1 ms is the smallest
 * @param txBatchFrames   frames per sendmmsg call at most
 * @param txBufferBytes   bytes of the TX batch buffer
 * @param fanoutGroup     PACKET_FANOUT group id (0..65535), or -1 for no fanout
 */
public record RingOptions(int blockSize, int blockCount, int frameSize, int retireBlockTovMs, int txBatchFrames,
                          int txBufferBytes, int fanoutGroup) {
    public static final int PAGE = 4096;

    public RingOptions {
        if (blockSize < 128 * 1024 || blockSize % PAGE != 0 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("blockSize must be a power of two >= 128 KiB (a 64 KB frame plus"
                    + " headers must fit): " + blockSize);
        }
        if (blockCount < 2) {
            throw new IllegalArgumentException("blockCount must be >= 2: " + blockCount);
        }
        if (frameSize < 128 || frameSize % 16 != 0 || blockSize % frameSize != 0) {
            throw new IllegalArgumentException("frameSize must be a multiple of 16 dividing blockSize: " + frameSize);
        }
        if (retireBlockTovMs < 1 || retireBlockTovMs > 1000) {
            throw new IllegalArgumentException("retireBlockTovMs must be 1..1000 (explicit; 0 means 8 ms on veth): "
                    + retireBlockTovMs);
        }
        if (txBatchFrames < 1 || txBatchFrames > 1024) {
            throw new IllegalArgumentException("txBatchFrames must be 1..1024: " + txBatchFrames);
        }
        if (txBufferBytes < 16 * 1024) {
            throw new IllegalArgumentException("txBufferBytes must be >= 16 KiB: " + txBufferBytes);
        }
        if (fanoutGroup < -1 || fanoutGroup > 0xffff) {
            throw new IllegalArgumentException("fanoutGroup must be -1 or 0..65535: " + fanoutGroup);
        }
    }

    /**
     * 256 KiB x 64 blocks (16 MiB), 1 ms block timeout, batches of 64 frames in 256 KiB, no fanout. Many small
     * blocks rather than few large ones: with a 1 ms timeout a block retires every millisecond however little it
     * holds, so the block count is how many milliseconds of stall the ring absorbs under moderate load (16 blocks
     * dropped SYNs of a 65k/s flood here while the shard was 75% idle); the bytes matter for bulk (a 4 MB burst
     * of 64 KB TSO frames overflowed a 4 MiB ring).
     */
    public static RingOptions defaults() {
        return new RingOptions(256 * 1024, 64, 2048, 1, 64, 256 * 1024, -1);
    }

    public RingOptions withFanoutGroup(int group) {
        return new RingOptions(blockSize, blockCount, frameSize, retireBlockTovMs, txBatchFrames, txBufferBytes, group);
    }

    public RingOptions withRetireBlockTovMs(int ms) {
        return new RingOptions(blockSize, blockCount, frameSize, ms, txBatchFrames, txBufferBytes, fanoutGroup);
    }

    public RingOptions withBlocks(int size, int count) {
        return new RingOptions(size, count, frameSize, retireBlockTovMs, txBatchFrames, txBufferBytes, fanoutGroup);
    }
}
