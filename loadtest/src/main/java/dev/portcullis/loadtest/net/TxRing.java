package dev.portcullis.loadtest.net;

import dev.portcullis.io.Native;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * An AF_PACKET TPACKET_V2 TX ring on one interface: the caller writes frames into free slots, marks them
 * {@code TP_STATUS_SEND_REQUEST} and kicks the kernel once per batch with a zero-length {@code sendto}, which sends
 * every marked slot in one system call (the same path trafgen uses). The qdisc is bypassed, as trafgen does by
 * default since Linux 3.14.
 * <pre>
 *  slot (frameSize bytes): tpacket2_hdr { tp_status u32 @0, tp_len u32 @4, tp_snaplen @8, tp_mac u16 @12,
 *                          tp_net @14, ... } 32 bytes, then the frame at TPACKET2_HDRLEN - sizeof(sockaddr_ll) = 32
 * </pre>
 */
public final class TxRing implements AutoCloseable {
    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;
    static final int TP_STATUS_WRONG_FORMAT = 4;
    static final int TP_LEN = 4;
    /** Where the frame starts in a slot: TPACKET_ALIGN(sizeof(tpacket2_hdr)) = 32. */
    public static final int DATA_OFFSET = 32;
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment ring;
    private final int frameSize;
    private final int frames;
    private int next;
    public long wrongFormat;

    /**
     * @param frameSize slot size, a power of two holding 32 bytes of header plus the largest frame
     * @param frames    slots in the ring
     */
    public TxRing(String device, int frameSize, int frames) throws IOException {
        int blockSize = Math.max(4096, frameSize);
        int perBlock = blockSize / frameSize;
        int blocks = (frames + perBlock - 1) / perBlock;
        this.frameSize = frameSize;
        this.frames = blocks * perBlock;
        int ifindex = Native.ifNameToIndex(device);
        // Protocol 0: this socket only sends, so the kernel copies no received frame to it.
        fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0);
        try {
            Native.setsockoptInt(fd, PacketConst.SOL_PACKET, PacketConst.PACKET_VERSION, PacketConst.TPACKET_V2,
                    "PACKET_VERSION TPACKET_V2");
            Native.setsockoptInt(fd, PacketConst.SOL_PACKET, PacketConst.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment req = a.allocate(16, 4); // tpacket_req: block_size, block_nr, frame_size, frame_nr
                req.set(ValueLayout.JAVA_INT, 0, blockSize);
                req.set(ValueLayout.JAVA_INT, 4, blocks);
                req.set(ValueLayout.JAVA_INT, 8, frameSize);
                req.set(ValueLayout.JAVA_INT, 12, this.frames);
                Native.setsockopt(fd, PacketConst.SOL_PACKET, PacketConst.PACKET_TX_RING, req, "PACKET_TX_RING");
                ring = Native.mmap(fd, (long) blockSize * blocks, false);
                Native.bind(fd, PacketConst.sockaddrLl(a, ifindex, 0), device);
            }
        } catch (IOException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** The ring memory (slots are at {@code slot * frameSize}; frames at +{@link #DATA_OFFSET}). */
    public MemorySegment memory() {
        return ring;
    }

    public int frames() {
        return frames;
    }

    /**
     * The offset of the next free slot's frame area, or -1 when the kernel still owns it (the ring is full: kick
     * and wait).
     */
    public long claim() {
        long slot = (long) next * frameSize;
        int st = (int) STATUS.getAcquire(ring, slot);
        if (st == TP_STATUS_WRONG_FORMAT) {
            wrongFormat++;
            st = TP_STATUS_AVAILABLE;
        }
        return st == TP_STATUS_AVAILABLE ? slot + DATA_OFFSET : -1;
    }

    /** Hands the claimed slot (its frame of {@code length} bytes) to the kernel. */
    public void commit(int length) {
        long slot = (long) next * frameSize;
        ring.set(ValueLayout.JAVA_INT, slot + TP_LEN, length);
        STATUS.setRelease(ring, slot, TP_STATUS_SEND_REQUEST);
        next = next + 1 == frames ? 0 : next + 1;
    }

    /**
     * Has the kernel send every committed frame. The kernel walks the ring inside this call either way; with
     * {@code wait} false it returns without waiting for the last frames' completion (as trafgen does between
     * refills), so the caller refills the slots already done meanwhile. Returns the bytes sent, or -1 when the
     * kernel had no room (EAGAIN/ENOBUFS: the frames stay marked and go with the next kick).
     */
    public long kick(boolean wait) throws IOException {
        return Native.sendto(fd, MemorySegment.NULL, 0, wait ? 0 : Native.MSG_DONTWAIT, MemorySegment.NULL);
    }

    @Override
    public void close() {
        try {
            Native.munmap(ring);
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
        closeQuietly(fd);
    }

    private static void closeQuietly(int fd) {
        try {
            Native.close(fd);
        } catch (IOException e) {
            // closing path
        }
    }
}
