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

    /**
     * The largest frame {@link #commitOffloaded} takes, or 0 when the sink has no offloads: then every frame is at
     * most the MTU with complete checksums and {@code commitOffloaded} is never called.
     */
    default int offloadMaxFrame() {
        return 0;
    }

    /** The memory that {@link #claimOffloaded} offsets point into; the default is {@link #buffer()}. */
    default MemorySegment offloadBuffer() {
        return buffer();
    }

    /**
     * Like {@link #claim}, for a frame that will be committed with {@link #commitOffloaded} (a sink may keep those
     * apart, e.g. on a socket with PACKET_VNET_HDR); the default is {@link #claim}.
     */
    default long claimOffloaded(int maxLen) {
        return claim(maxLen);
    }

    /**
     * Like {@link #commit}, for an untagged Ethernet + IPv4/IPv6 + TCP frame whose TCP checksum field holds only
     * the pseudo-header sum (folded, not complemented), the form Linux hands a device with CHECKSUM_PARTIAL: the
     * sink has the checksum finished and, when the payload is longer than {@code segmentSize} (&gt; 0), the frame
     * cut into segments of {@code segmentSize} payload bytes (TCP segmentation offload: each segment gets the
     * headers, its own sequence number and checksum; PSH and FIN only on the last). The frame was claimed with
     * {@link #claimOffloaded} in {@link #offloadBuffer()}. Only called when {@link #offloadMaxFrame()} is above 0;
     * the default cancels the claim.
     */
    default void commitOffloaded(long offset, int length, int segmentSize) {
        commit(offset, 0);
    }
}
