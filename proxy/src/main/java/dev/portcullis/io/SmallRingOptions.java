package dev.portcullis.io;

/**
 * Sizes of a shard's small-frame ring ({@link SmallFrameSocket}): a TPACKET_V2 RX ring of fixed slots that hands
 * each frame to the reader at once (no block timer), beside the TPACKET_V3 ring of {@link RingOptions} that keeps
 * the large (GRO/TSO) frames.
 *
 * @param frameSize      bytes per slot: a power of two from 256 to 65536. A slot holds the {@code tpacket2_hdr},
 *                       the link-layer headroom ({@link #HEADROOM}) and the frame
 * @param frameCount     slots: how many small frames the ring absorbs while the shard is busy (a multiple of
 *                       the slots per page when slots are smaller than a page)
 * @param maxFrameLength the socket filters' split: frames of at most this many bytes (tp_len, from the Ethernet
 *                       header) come here, longer ones to the V3 ring; 60..frameSize - HEADROOM. Small enough
 *                       that a flow's data segments stay on one ring (in order, batched by V3's blocks), large
 *                       enough for SYNs, ACKs, FINs, RSTs, ARP, ND and small requests
 * @param fanoutGroup PACKET_FANOUT group id (0..65535), or -1 for no fanout; distinct from the large ring's group
 *                    (a group holds sockets of one ring version)
 */
public record SmallRingOptions(int frameSize, int frameCount, int maxFrameLength, int fanoutGroup) {
    /**
     * Slot bytes before the frame: the kernel puts the frame at {@code tp_mac} = align16(32 + maclen) - maclen
     * (the 32-byte tpacket2_hdr, at least 16 bytes of link header room). 128 covers any Ethernet header with room
     * to spare; a frame that did not fit would be cut, and a cut segment is dropped every time it is resent.
     */
    static final int HEADROOM = 128;
    static final int MIN_FRAME_SIZE = 256, MAX_FRAME_SIZE = 65536, MAX_FRAMES = 1 << 20;
    /** The shortest split: a minimum Ethernet frame (60 bytes without its FCS), e.g. an ARP request. */
    static final int MIN_SPLIT = 60;
    /**
     * The default split: SYNs (74 bytes IPv4 with Linux's options, 94 IPv6), ACKs, FINs, RSTs, ARP, ND and
     * requests up to about 190 bytes of payload go to the small ring; data segments stay on V3.
     */
    static final int DEFAULT_SPLIT = 256;

    public SmallRingOptions {
        if (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE || Integer.bitCount(frameSize) != 1) {
            throw new IllegalArgumentException("small frameSize must be a power of two from 256 to 65536: "
                    + frameSize);
        }
        if (frameCount < 16 || frameCount > MAX_FRAMES || frameCount % framesPerBlock(frameSize) != 0) {
            throw new IllegalArgumentException("small frameCount must be 16.." + MAX_FRAMES + " and a multiple of "
                    + framesPerBlock(frameSize) + ": " + frameCount);
        }
        if (maxFrameLength < MIN_SPLIT || maxFrameLength > frameSize - HEADROOM) {
            throw new IllegalArgumentException("small maxFrameLength must be " + MIN_SPLIT + ".." + (frameSize - HEADROOM)
                    + " (the slot size less " + HEADROOM + " bytes of headroom): " + maxFrameLength);
        }
        if (fanoutGroup < -1 || fanoutGroup > 0xffff) {
            throw new IllegalArgumentException("fanoutGroup must be -1 or 0..65535: " + fanoutGroup);
        }
    }

    /** 512-byte slots x 16384 = 8 MiB (about 80 ms of a 200k SYN/s flood), frames up to 256 bytes; no fanout. */
    public static SmallRingOptions defaults() {
        return new SmallRingOptions(512, 16384, DEFAULT_SPLIT, -1);
    }

    public SmallRingOptions withFanoutGroup(int group) {
        return new SmallRingOptions(frameSize, frameCount, maxFrameLength, group);
    }

    /** Slots of {@code size} bytes, {@code count} of them, taking frames up to {@code maxLength}. */
    public SmallRingOptions withFrames(int size, int count, int maxLength) {
        return new SmallRingOptions(size, count, maxLength, fanoutGroup);
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
