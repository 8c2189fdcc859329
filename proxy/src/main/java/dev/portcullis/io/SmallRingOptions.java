package dev.portcullis.io;

/**
 * Sizes of a shard's small-frame ring ({@link SmallFrameSocket}): a TPACKET_V2 RX ring of fixed slots that hands
 * each frame to the reader at once (no block timer), beside the TPACKET_V3 ring of {@link RingOptions} that keeps
 * the large (GRO/TSO) frames.
 *
 * @param frameSize   bytes per slot: a power of two from 256 to 65536. A slot holds the {@code tpacket2_hdr},
 *                    the link-layer headroom and the frame, so frames up to {@link #maxFrameLength()} go here
 * @param frameCount  slots: how many small frames the ring absorbs while the shard is busy (a multiple of the
 *                    slots per page when slots are smaller than a page)
 * @param fanoutGroup PACKET_FANOUT group id (0..65535), or -1 for no fanout; distinct from the large ring's group
 *                    (a group holds sockets of one ring version)
 */
public record SmallRingOptions(int frameSize, int frameCount, int fanoutGroup) {
    /**
     * Slot bytes before the frame: the kernel puts the frame at {@code tp_mac} = align16(32 + maclen) - maclen
     * (the 32-byte tpacket2_hdr, at least 16 bytes of link header room). 128 covers any Ethernet header with room
     * to spare; a frame that did not fit would be cut, and a cut segment is dropped every time it is resent.
     */
    static final int HEADROOM = 128;
    static final int MIN_FRAME_SIZE = 256, MAX_FRAME_SIZE = 65536, MAX_FRAMES = 1 << 20;

    public SmallRingOptions {
        if (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE || Integer.bitCount(frameSize) != 1) {
            throw new IllegalArgumentException("small frameSize must be a power of two from 256 to 65536: "
                    + frameSize);
        }
        if (frameCount < 16 || frameCount > MAX_FRAMES || frameCount % framesPerBlock(frameSize) != 0) {
            throw new IllegalArgumentException("small frameCount must be 16.." + MAX_FRAMES + " and a multiple of "
                    + framesPerBlock(frameSize) + ": " + frameCount);
        }
        if (fanoutGroup < -1 || fanoutGroup > 0xffff) {
            throw new IllegalArgumentException("fanoutGroup must be -1 or 0..65535: " + fanoutGroup);
        }
    }

    /** 2 KiB slots (a 1518-byte Ethernet frame fits, tagged or not) x 4096 = 8 MiB; no fanout. */
    public static SmallRingOptions defaults() {
        return new SmallRingOptions(2048, 4096, -1);
    }

    public SmallRingOptions withFanoutGroup(int group) {
        return new SmallRingOptions(frameSize, frameCount, group);
    }

    /** The longest frame (tp_len, from the Ethernet header) the ring takes: the socket filter's split. */
    public int maxFrameLength() {
        return frameSize - HEADROOM;
    }

    /** Bytes per ring block: one page, or one slot when slots are larger (a slot never spans blocks). */
    int blockSize() {
        return Math.max(RingOptions.PAGE, frameSize);
    }

    int blockCount() {
        return frameCount / framesPerBlock(frameSize);
    }

    private static int framesPerBlock(int frameSize) {
        return Math.max(1, RingOptions.PAGE / frameSize);
    }
}
