package dev.portcullis.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A shard's second AF_PACKET socket, receive only: a TPACKET_V2 ring of small fixed slots for the frames of at
 * most {@link SmallRingOptions#maxFrameLength()} bytes (SYNs, ACKs, FINs, RSTs, ARP, ND, small requests), while
 * the shard's {@link PacketSocket} (TPACKET_V3) keeps the longer ones and does all the sending.
 *
 * <p>Why the split is small by default (256 bytes) rather than "whatever fits a slot": with MTU-sized segments on
 * V2 too, a flow's single segments overtook its merged ones still waiting in an open V3 block (reordering, dup
 * ACKs) and every segment woke the loop (no batching): uploads through TransferIT ran at about 60 % of their
 * speed. With data segments on V3 they keep their order and batching, and the frames whose wait the client
 * feels (the handshake, ACKs, short requests) are handed over at once.
 *
 * <p>Why two rings: V3 hands a block over when it is full or when its timer ({@code tp_retire_blk_tov}, 1 ms at
 * least) fires, so with little traffic every SYN waited up to a millisecond in the ring; V2 wakes the reader per
 * frame. V2 slots are fixed, so the 64 KB frames GRO and a local sender's TSO make would waste a 64 KB slot each:
 * they stay on V3. Both sockets carry the same VIP filter ending in opposite length tests, so each frame goes to
 * exactly one of them ({@link SocketFilter}). With fanout each ring type has its own group; the kernel hashes a
 * flow (the symmetric flow hash, PACKET_FANOUT_HASH) the same way in both, and the shards join both groups in the
 * same order, so a flow's small and large frames reach the same shard.
 *
 * <p>Single-threaded after {@link #open} (the shard thread reads and closes it). Counters are plain longs.
 */
public final class SmallFrameSocket implements AutoCloseable {
    static final int TPACKET_V2 = 1;
    // tpacket_req (16): block_size, block_nr, frame_size, frame_nr
    private static final int REQ_BLOCK_SIZE = 0, REQ_BLOCK_NR = 4, REQ_FRAME_SIZE = 8, REQ_FRAME_NR = 12,
            REQ_SIZE = 16;
    /** struct tpacket_stats (V1/V2): tp_packets, tp_drops. */
    private static final int STATS_SIZE = 8;

    private final String device;
    private final int fd;
    private final SmallRingOptions options;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final SmallRing rx;
    private final MemorySegment pollFd, statsCell, statsLen;
    private boolean closed;

    /** PACKET_STATISTICS, accumulated (the kernel resets them on each read). */
    public long kernelPackets, kernelDrops;

    private SmallFrameSocket(String device, SmallRingOptions options, PacketSocket.Filter filter) throws IOException {
        Native.ensureAvailable();
        this.device = device;
        this.options = options;
        // protocol 0 until bind: nothing unfiltered enters before the filter and the ring are in place
        this.fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0);
        MemorySegment mapped = null;
        long bytes = (long) options.frameSize() * options.frameCount();
        try {
            int ifindex = Native.ifNameToIndex(device);
            Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PacketSocket.PACKET_VERSION, TPACKET_V2,
                    "PACKET_VERSION TPACKET_V2");
            try (Arena a = Arena.ofConfined()) {
                Native.setsockopt(fd, Native.SOL_SOCKET, Native.SO_ATTACH_FILTER,
                        SocketFilter.toFprog(SocketFilter.forRing(filter, options.maxFrameLength(), true), a),
                        "SO_ATTACH_FILTER");
                MemorySegment req = a.allocate(REQ_SIZE, 4);
                req.set(JAVA_INT, REQ_BLOCK_SIZE, options.blockSize());
                req.set(JAVA_INT, REQ_BLOCK_NR, options.blockCount());
                req.set(JAVA_INT, REQ_FRAME_SIZE, options.frameSize());
                req.set(JAVA_INT, REQ_FRAME_NR, options.frameCount());
                Native.setsockopt(fd, PacketSocket.SOL_PACKET, PacketSocket.PACKET_RX_RING, req,
                        "PACKET_RX_RING V2");
            }
            mapped = Native.mmap(fd, bytes, false);
            if (options.fanoutGroup() < 0) {
                // the shard's own TX frames (sent on the V3 socket) must not come back here
                Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PacketSocket.PACKET_IGNORE_OUTGOING, 1,
                        "PACKET_IGNORE_OUTGOING");
            }
            PacketSocket.bind(fd, ifindex, Native.ETH_P_ALL, "AF_PACKET " + device + " (small-frame ring)");
            if (options.fanoutGroup() >= 0) {
                PacketSocket.joinFanout(fd, options.fanoutGroup(),
                        "PACKET_FANOUT hash group " + options.fanoutGroup() + " (small-frame ring)");
            }
        } catch (IOException | RuntimeException e) {
            if (mapped != null) {
                try {
                    Native.munmap(mapped);
                } catch (IOException ignored) {
                    // already failing
                }
            }
            Native.close(fd);
            arena.close();
            throw e;
        }
        this.ring = mapped;
        this.rx = new SmallRing(mapped, options.frameSize(), options.frameCount());
        this.pollFd = arena.allocate(8, 4);
        this.statsCell = arena.allocate(STATS_SIZE, 4);
        this.statsLen = arena.allocate(4, 4);
    }

    /**
     * Opens the ring on {@code device} in the calling thread's network namespace. {@code filter} is the VIP
     * filter the shard's {@link PacketSocket} has, without a split: this socket adds the "at most
     * maxFrameLength" test, and the PacketSocket must be opened with {@code filter.largerThan(maxFrameLength)}.
     */
    public static SmallFrameSocket open(String device, SmallRingOptions options, PacketSocket.Filter filter)
            throws IOException {
        return new SmallFrameSocket(device, options, filter);
    }

    public int fd() {
        return fd;
    }

    public String device() {
        return device;
    }

    public SmallRingOptions options() {
        return options;
    }

    /** The walker, for the V3 ring's ordered merge ({@link PacketSocket#readBlocks(PacketSocket.RxHandler, int, SmallFrameSocket)}); null once closed. */
    SmallRing ring() {
        return closed ? null : rx;
    }

    /** Hands up to {@code maxFrames} ready frames to {@code handler}; returns how many slots were read. */
    public int readFrames(PacketSocket.RxHandler handler, int maxFrames) {
        return closed ? 0 : rx.read(handler, maxFrames);
    }

    /** True when the next slot holds a frame (no system call). */
    public boolean frameReady() {
        return !closed && rx.ready();
    }

    /** Waits up to {@code timeoutMs} for a frame with poll(2) (for a loop of its own; Netty uses epoll). */
    public boolean awaitFrame(int timeoutMs) throws IOException {
        if (frameReady()) {
            return true;
        }
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, Native.POLLIN);
        pollFd.set(JAVA_SHORT, 6, (short) 0);
        Native.poll(pollFd, 1, timeoutMs);
        return frameReady();
    }

    public long rxFrames() {
        return rx.frames;
    }

    public long rxBytes() {
        return rx.bytes;
    }

    /** Frames a slot cut (tp_snaplen < tp_len): counted, never handed on. */
    public long rxTruncated() {
        return rx.truncated;
    }

    /** Slot headers pointing outside their slot (never seen from a kernel): counted, skipped. */
    public long rxMalformed() {
        return rx.malformed;
    }

    /** The kernel's receive time (CLOCK_REALTIME, ns) of the frame being handed on: for latency figures. */
    public long lastFrameRealtimeNs() {
        return rx.lastFrameRealtimeNs;
    }

    /** Reads PACKET_STATISTICS (tpacket_stats; reading resets them in the kernel) into the accumulated counters. */
    public void readStatistics() throws IOException {
        if (closed) {
            return;
        }
        Native.getsockopt(fd, PacketSocket.SOL_PACKET, PacketSocket.PACKET_STATISTICS, statsCell, statsLen,
                "PACKET_STATISTICS");
        kernelPackets += Integer.toUnsignedLong(statsCell.get(JAVA_INT, 0));
        kernelDrops += Integer.toUnsignedLong(statsCell.get(JAVA_INT, 4));
    }

    /** Reads and clears the socket's pending error (SO_ERROR); 0 when none. */
    public int takeError() throws IOException {
        return PacketSocket.takeError(fd, statsCell, statsLen);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Native.munmap(ring);
        } finally {
            try {
                Native.close(fd);
            } finally {
                arena.close();
            }
        }
    }

    @Override
    public String toString() {
        return "SmallFrameSocket[" + device + " fd=" + fd + " " + options.frameCount() + " x "
                + options.frameSize() + "]";
    }
}
