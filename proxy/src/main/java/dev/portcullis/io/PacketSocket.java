package dev.portcullis.io;

import dev.portcullis.tcp.FrameSink;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One AF_PACKET socket (SOCK_RAW, all protocols) bound to one interface: a TPACKET_V3 RX ring read in place, a
 * classic BPF filter so only the VIP's traffic is copied, an optional PACKET_FANOUT hash group (one flow always
 * lands on one socket), and a TX batch ({@link FrameSink}) flushed with one sendmmsg(2).
 *
 * <p>Single-threaded after {@link #open}: one shard thread reads, writes and closes it (the socket may be opened
 * on another thread, e.g. one that entered a network namespace). Counters are plain longs read on that thread.
 * The RX ring is blockCount blocks of blockSize bytes, walked by {@link RxRing}.
 */
public final class PacketSocket implements FrameSink, AutoCloseable {
    // <linux/if_packet.h>
    static final int SOL_PACKET = 263, PACKET_ADD_MEMBERSHIP = 1, PACKET_MR_MULTICAST = 0, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10,
            PACKET_FANOUT = 18, PACKET_IGNORE_OUTGOING = 23, TPACKET_V3 = 2;
    static final int PACKET_FANOUT_HASH = 0, PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;
    /** tp_status / block_status bits. */
    public static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_LOSING = 1 << 2,
            TP_STATUS_CSUMNOTREADY = 1 << 3, TP_STATUS_VLAN_VALID = 1 << 4, TP_STATUS_CSUM_VALID = 1 << 7,
            TP_STATUS_GSO_TCP = 1 << 8;

    // tpacket_req3
    private static final int REQ_BLOCK_SIZE = 0, REQ_BLOCK_NR = 4, REQ_FRAME_SIZE = 8, REQ_FRAME_NR = 12,
            REQ_RETIRE_BLK_TOV = 16, REQ_SIZEOF_PRIV = 20, REQ_FEATURE_REQ_WORD = 24, REQ_SIZE = 28;
    // sockaddr_ll
    private static final int SLL_FAMILY = 0, SLL_PROTOCOL = 2, SLL_IFINDEX = 4, SLL_SIZE = 20;
    // struct mmsghdr = msghdr (56) + msg_len (4) + pad; struct iovec (16)
    private static final int MMSG_SIZE = 64, MSG_IOV = 16, MSG_IOVLEN = 24, IOV_SIZE = 16, IOV_BASE = 0, IOV_LEN = 8;

    /** Receives each complete frame of a ring block; the frame is valid only during the call. */
    public interface RxHandler {
        /**
         * @param ring    the ring mapping
         * @param offset  where the Ethernet header starts in {@code ring}
         * @param length  the frame's length (never cut: cut frames are counted and not handed on)
         * @param status  tp_status (TP_STATUS_* bits)
         * @param vlanTci the 802.1Q TCI the kernel stripped, or -1
         */
        void onFrame(MemorySegment ring, long offset, int length, int status, int vlanTci);
    }

    /**
     * Which frames the socket filter lets in: TCP to the VIPs (and the ports, if any), ARP, ND, ICMP errors.
     * {@code split} >= 0: this ring takes only frames longer than {@code split} bytes, the shard's
     * {@link SmallFrameSocket} the others (see {@link SocketFilter}); -1: any length.
     */
    public record Filter(int[] vip4, long[] vip6, int[] ports, int split) {
        public Filter(int[] vip4, long[] vip6, int[] ports) {
            this(vip4, vip6, ports, SocketFilter.NO_SPLIT);
        }

        /** No socket filter: every frame of the interface (tests and diagnostics only). */
        public static Filter none() {
            return new Filter(null, null, null);
        }

        /** The same filter for a ring that leaves frames of at most {@code maxSmall} bytes to the small ring. */
        public Filter largerThan(int maxSmall) {
            if (maxSmall < 0) {
                throw new IllegalArgumentException("split must be >= 0: " + maxSmall);
            }
            return new Filter(vip4, vip6, ports, maxSmall);
        }

        boolean attached() {
            return vip4 != null;
        }
    }

    private final String device;
    private final int fd;
    private final int ifindex;
    private final long mac;
    private final int mtu;
    private final RingOptions options;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final RxRing rx;
    private final int blockSize, blockCount;
    private final MemorySegment pollFd;
    private final MemorySegment statsCell, statsLen;
    // TX batch
    private final MemorySegment txBuffer, msgvec, iovecs;
    private final int txMaxFrames;
    private int txPending;
    private long txUsed;
    private Runnable onFirstPending;
    private boolean closed;
    /** When set, plain frames go through this TX ring (qdisc bypass) instead of the sendmmsg batch. */
    private TxRing txRing;
    /** When set, offloaded frames (FrameSink.commitOffloaded) go through this PACKET_VNET_HDR ring. */
    private TxRing offloadRing;

    // counters (plain longs, owned by the shard thread)
    public long txFrames, txBytes, txBatches, txDropped, txErrors, txFullFlushes;
    /** PACKET_STATISTICS, accumulated (the kernel resets them on each read). */
    public long kernelPackets, kernelDrops, kernelFreezeQueueCount;
    public String lastTxError;

    private PacketSocket(String device, RingOptions options, Filter filter) throws IOException {
        Native.ensureAvailable();
        this.device = device;
        this.options = options;
        this.blockSize = options.blockSize();
        this.blockCount = options.blockCount();
        // Protocol 0 first: the socket receives nothing until bind, so no unfiltered frame slips in before the
        // filter and the ring are in place.
        this.fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0);
        MemorySegment mapped = null;
        try {
            this.ifindex = Native.ifNameToIndex(device);
            this.mac = Native.interfaceMac(fd, device);
            this.mtu = Native.interfaceMtu(fd, device);
            Native.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            long[] program = SocketFilter.forRing(filter, filter.split(), false);
            if (program != null) {
                try (Arena a = Arena.ofConfined()) {
                    Native.setsockopt(fd, Native.SOL_SOCKET, Native.SO_ATTACH_FILTER,
                            SocketFilter.toFprog(program, a), "SO_ATTACH_FILTER");
                }
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment req = a.allocate(REQ_SIZE, 4);
                req.set(JAVA_INT, REQ_BLOCK_SIZE, blockSize);
                req.set(JAVA_INT, REQ_BLOCK_NR, blockCount);
                req.set(JAVA_INT, REQ_FRAME_SIZE, options.frameSize());
                req.set(JAVA_INT, REQ_FRAME_NR, blockSize / options.frameSize() * blockCount);
                req.set(JAVA_INT, REQ_RETIRE_BLK_TOV, options.retireBlockTovMs());
                req.set(JAVA_INT, REQ_SIZEOF_PRIV, 0);
                req.set(JAVA_INT, REQ_FEATURE_REQ_WORD, 0);
                Native.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING");
            }
            mapped = Native.mmap(fd, (long) blockSize * blockCount, false);
            if (options.fanoutGroup() < 0) {
                // our own TX frames must not come back into the ring (in a fanout group the flag below does it)
                Native.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            }
            bind(fd, ifindex, Native.ETH_P_ALL, "AF_PACKET " + device);
            if (options.fanoutGroup() >= 0) {
                joinFanout(fd, options.fanoutGroup(), "PACKET_FANOUT hash group " + options.fanoutGroup());
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
        this.rx = new RxRing(mapped, blockSize, blockCount);
        this.pollFd = arena.allocate(8, 4);
        this.statsCell = arena.allocate(12, 4);
        this.statsLen = arena.allocate(4, 4);
        this.txBuffer = arena.allocate(options.txBufferBytes(), 64);
        this.txMaxFrames = options.txBatchFrames();
        this.msgvec = arena.allocate((long) MMSG_SIZE * txMaxFrames, 8);
        this.iovecs = arena.allocate((long) IOV_SIZE * txMaxFrames, 8);
        for (int i = 0; i < txMaxFrames; i++) {
            msgvec.set(ADDRESS, (long) i * MMSG_SIZE + MSG_IOV, iovecs.asSlice((long) i * IOV_SIZE, IOV_SIZE));
            msgvec.set(JAVA_LONG, (long) i * MMSG_SIZE + MSG_IOVLEN, 1L);
        }
    }

    /** Opens a socket on {@code device} in the calling thread's network namespace. */
    public static PacketSocket open(String device, RingOptions options, Filter filter) throws IOException {
        return new PacketSocket(device, options, filter);
    }

    /**
     * The same with one {@link TxRing}: with {@code tx.offloads()} it carries the offloaded frames (the others go
     * through the sendmmsg batch), else every frame (null: the sendmmsg batch only).
     */
    public static PacketSocket open(String device, RingOptions options, Filter filter, TxRing.Options tx)
            throws IOException {
        boolean off = tx != null && tx.offloads();
        return open(device, options, filter, off ? null : tx, off ? tx : null);
    }

    /**
     * The same, with TX rings of its own on the same device, opened in the calling thread's namespace too:
     * {@code plain} for every frame that is not offloaded (null: the sendmmsg batch), its slots grown if an MTU
     * frame would not fit; {@code offload} for offloaded frames (null, or PACKET_VNET_HDR refused: no offloads,
     * the engine then sends MTU frames only).
     */
    public static PacketSocket open(String device, RingOptions options, Filter filter, TxRing.Options plain,
                                    TxRing.Options offload) throws IOException {
        PacketSocket s = new PacketSocket(device, options, filter);
        try {
            if (plain != null) {
                s.txRing = TxRing.open(device, new TxRing.Options(plain.slotBytes(), plain.slots(), false)
                        .fitting(s.mtu + 18));
            }
            if (offload != null) {
                TxRing r = TxRing.open(device, offload.fitting(s.mtu + 18));
                if (r.offloads()) {
                    s.offloadRing = r;
                } else {
                    r.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The TX ring plain frames go through, or null (sendmmsg). */
    public TxRing txRing() {
        return txRing;
    }

    /** The TX ring offloaded frames go through, or null (no offloads). */
    public TxRing offloadRing() {
        return offloadRing;
    }

    public int fd() {
        return fd;
    }

    public String device() {
        return device;
    }

    public int ifindex() {
        return ifindex;
    }

    /** The interface's MAC, 48 bits in the low bits. */
    public long mac() {
        return mac;
    }

    public int mtu() {
        return mtu;
    }

    public RingOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- RX

    /**
     * Hands the frames of up to {@code maxBlocks} retired blocks to {@code handler} and gives the blocks back to
     * the kernel. Returns the number of blocks read (0: nothing ready).
     */
    public int readBlocks(RxHandler handler, int maxBlocks) {
        return closed ? 0 : rx.read(handler, maxBlocks);
    }

    /**
     * The same, with the frames of the small-frame ring {@code earlier} that arrived before each frame handed on
     * first (arrival order across the two rings, by their kernel timestamps).
     */
    public int readBlocks(RxHandler handler, int maxBlocks, SmallFrameSocket earlier) {
        return closed ? 0 : rx.read(handler, maxBlocks, earlier == null ? null : earlier.ring());
    }

    /** True when the next block is ready (no system call). */
    public boolean blockReady() {
        return !closed && rx.ready();
    }

    public long rxBlocks() {
        return rx.blocks;
    }

    public long rxFrames() {
        return rx.frames;
    }

    public long rxBytes() {
        return rx.bytes;
    }

    /** Frames the ring cut (tp_snaplen < tp_len): counted, never handed on. */
    public long rxTruncated() {
        return rx.truncated;
    }

    /** Packet headers pointing outside their block (never seen from a kernel): counted, skipped. */
    public long rxMalformed() {
        return rx.malformed;
    }

    /** The kernel's receive time (CLOCK_REALTIME, ns) of the frame being handed on: for latency figures. */
    public long lastFrameRealtimeNs() {
        return rx.lastFrameRealtimeNs;
    }

    /** Waits up to {@code timeoutMs} for a retired block with poll(2) (for a loop of its own; Netty uses epoll). */
    public boolean awaitBlock(int timeoutMs) throws IOException {
        if (blockReady()) {
            return true;
        }
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, Native.POLLIN);
        pollFd.set(JAVA_SHORT, 6, (short) 0);
        Native.poll(pollFd, 1, timeoutMs);
        return blockReady();
    }

    /** Reads PACKET_STATISTICS (tpacket_stats_v3; reading resets them in the kernel) into the accumulated counters. */
    public void readStatistics() throws IOException {
        Native.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, statsCell, statsLen, "PACKET_STATISTICS");
        kernelPackets += Integer.toUnsignedLong(statsCell.get(JAVA_INT, 0));
        kernelDrops += Integer.toUnsignedLong(statsCell.get(JAVA_INT, 4));
        kernelFreezeQueueCount += Integer.toUnsignedLong(statsCell.get(JAVA_INT, 8));
    }

    /**
     * Adds a link-layer multicast address to the interface's filter for as long as the socket lives
     * (PACKET_ADD_MEMBERSHIP): a NIC drops multicast frames it was not told about, so the neighbour
     * solicitations for an IPv6 VIP, sent to its solicited-node group (RFC 4861 §7.2.2, 33:33:ff:xx:xx:xx per
     * RFC 2464 §7), would never reach the ring on real hardware.
     */
    public void joinMulticast(long mac) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mreq = a.allocate(16, 4); // packet_mreq: ifindex, type (u16), alen (u16), address[8]
            mreq.set(JAVA_INT, 0, ifindex);
            mreq.set(JAVA_SHORT, 4, (short) PACKET_MR_MULTICAST);
            mreq.set(JAVA_SHORT, 6, (short) 6);
            for (int i = 0; i < 6; i++) {
                mreq.set(JAVA_BYTE, 8 + i, (byte) (mac >>> (8 * (5 - i))));
            }
            Native.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, "PACKET_ADD_MEMBERSHIP");
        }
    }

    /** The Ethernet address of the solicited-node multicast group of an IPv6 address (RFC 4291 §2.7.1). */
    public static long solicitedNodeMac(long lo) {
        return 0x3333_ff00_0000L | (lo & 0xff_ffffL);
    }

    /** Reads and clears the socket's pending error (SO_ERROR); 0 when none. */
    public int takeError() throws IOException {
        return takeError(fd, statsCell, statsLen);
    }

    /**
     * Binds an AF_PACKET socket to interface {@code ifindex} for {@code protocol} (host order: ETH_P_ALL to
     * receive everything, 0 for a socket that only sends).
     */
    static void bind(int fd, int ifindex, int protocol, String what) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sll = a.allocate(SLL_SIZE, 4);
            sll.set(JAVA_SHORT, SLL_FAMILY, (short) Native.AF_PACKET);
            sll.set(JAVA_SHORT, SLL_PROTOCOL, Short.reverseBytes((short) protocol)); // big-endian
            sll.set(JAVA_INT, SLL_IFINDEX, ifindex);
            Native.bind(fd, sll, what);
        }
    }

    /** Joins PACKET_FANOUT hash group {@code group}, leaving out the frames this host sends. */
    static void joinFanout(int fd, int group, String what) throws IOException {
        int arg = group | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16);
        Native.setsockoptInt(fd, SOL_PACKET, PACKET_FANOUT, arg, what);
    }

    /** Reads and clears {@code fd}'s pending error (SO_ERROR) through {@code cell} (4 bytes at least). */
    static int takeError(int fd, MemorySegment cell, MemorySegment len) throws IOException {
        Native.getsockopt(fd, Native.SOL_SOCKET, Native.SO_ERROR, cell.asSlice(0, 4), len, "SO_ERROR");
        return cell.get(JAVA_INT, 0);
    }

    // ---------------------------------------------------------------- TX

    @Override
    public MemorySegment buffer() {
        return txRing != null ? txRing.memory() : txBuffer;
    }

    /** With the offload ring (PACKET_VNET_HDR): its largest frame; else 0 (no offloads). */
    @Override
    public int offloadMaxFrame() {
        return offloadRing != null ? offloadRing.maxFrame() : 0;
    }

    @Override
    public MemorySegment offloadBuffer() {
        return offloadRing != null ? offloadRing.memory() : txBuffer;
    }

    @Override
    public long claimOffloaded(int maxLen) {
        if (offloadRing == null || closed) {
            txDropped++;
            return -1;
        }
        long r = offloadRing.claim(maxLen);
        if (r < 0) txDropped++; // ring full: the engine drops the frame, counted; TCP resends
        return r;
    }

    @Override
    public void commitOffloaded(long offset, int length, int segmentSize) {
        if (offloadRing == null || closed) {
            txErrors++;
            return;
        }
        int before = pendingFrames();
        long queued = offloadRing.frames;
        offloadRing.commitOffloaded(offset, length, segmentSize);
        ringCommitted(offloadRing.frames != queued, before, length);
    }

    private void ringCommitted(boolean queued, int pendingBefore, int length) {
        if (!queued) {
            if (length != 0) txErrors++;  // refused: counted here and in the ring's own counters
            return;
        }
        txBytes += length;
        txFrames++;            // handed to the ring: the kernel sends it with the next kick
        if (pendingBefore == 0 && onFirstPending != null) {
            onFirstPending.run();
        }
    }

    /**
     * Where the next frame of up to {@code maxLen} bytes may be written. A full batch is flushed first, so -1
     * comes only for a frame larger than the whole buffer or after the socket was closed.
     */
    @Override
    public long claim(int maxLen) {
        if (txRing != null) {
            long r = closed ? -1 : txRing.claim(maxLen);
            if (r < 0) txDropped++; // ring full (or a frame larger than a slot): the engine drops it, TCP resends
            return r;
        }
        if (closed || maxLen <= 0 || maxLen > txBuffer.byteSize()) {
            return -1;
        }
        if (txPending == txMaxFrames || txUsed + maxLen > txBuffer.byteSize()) {
            txFullFlushes++;
            flush();
        }
        return txUsed;
    }

    @Override
    public void commit(long offset, int length) {
        if (txRing != null) {
            int before = pendingFrames();
            long queued = txRing.frames;
            txRing.commit(offset, length);
            ringCommitted(txRing.frames != queued, before, length);
            return;
        }
        if (closed || length <= 0 || offset < txUsed || offset + length > txBuffer.byteSize()
                || txPending == txMaxFrames) {
            txErrors++;
            return;
        }
        long iov = (long) txPending * IOV_SIZE;
        iovecs.set(JAVA_LONG, iov + IOV_BASE, txBuffer.address() + offset);
        iovecs.set(JAVA_LONG, iov + IOV_LEN, length);
        txBytes += length;
        // keep the next frame 8-byte aligned: the writers use unaligned access, but copies run faster aligned
        txUsed = (offset + length + 7) & ~7L;
        if (txPending++ == 0 && onFirstPending != null && (offloadRing == null || offloadRing.pending() == 0)) {
            onFirstPending.run();
        }
    }

    /** Called when a batch gets its first frame (the shard schedules one flush per loop iteration with it). */
    public void onFirstPending(Runnable r) {
        this.onFirstPending = r;
    }

    public int pendingFrames() {
        return (txRing != null ? txRing.pending() : txPending) + (offloadRing != null ? offloadRing.pending() : 0);
    }

    /**
     * Sends the batch with sendmmsg(2), never blocking: frames the kernel will not take now (EAGAIN, ENOBUFS) are
     * dropped and counted (TCP retransmits), a frame it rejects (e.g. EMSGSIZE) is counted and skipped.
     * Returns the frames sent.
     */
    public int flush() {
        if (closed) return 0;
        // offloaded frames (new data) first: a FIN or other frame queued after them in this batch stays behind them
        int kicked = offloadRing != null ? kick(offloadRing) : 0;
        if (txRing != null) {
            return kicked + kick(txRing);
        }
        return kicked + flushBatch();
    }

    private int kick(TxRing r) {
        long failedBefore = r.kicksFailed;
        int n = r.kick();
        if (n > 0) txBatches++;
        if (r.kicksFailed != failedBefore) {
            txErrors++;            // the frames stay marked: the next kick sends them
            lastTxError = r.lastError;
        }
        return n;
    }

    private int flushBatch() {
        int pending = txPending;
        if (pending == 0 || closed) {
            return 0;
        }
        int sent = 0;
        while (sent < pending) {
            MemorySegment from = sent == 0 ? msgvec : msgvec.asSlice((long) sent * MMSG_SIZE);
            int r;
            try {
                r = Native.sendmmsg(fd, from, pending - sent, Native.MSG_DONTWAIT);
            } catch (IOException e) {
                lastTxError = e.getMessage();
                txErrors++;
                sent++; // skip the frame the kernel refused
                continue;
            }
            if (r <= 0) {
                txDropped += pending - sent;
                break;
            }
            txFrames += r;
            sent += r;
        }
        txBatches++;
        txPending = 0;
        txUsed = 0;
        return sent;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        for (TxRing r : new TxRing[] {offloadRing, txRing}) {
            if (r == null) continue;
            try {
                r.close();
            } catch (IOException e) {
                lastTxError = e.getMessage();
            }
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

    /** Copies a ring frame out (tests and diagnostics). */
    public static byte[] copy(MemorySegment ring, long offset, int length) {
        byte[] b = new byte[length];
        MemorySegment.copy(ring, JAVA_BYTE, offset, b, 0, length);
        return b;
    }

    @Override
    public String toString() {
        return "PacketSocket[" + device + " fd=" + fd + " ifindex=" + ifindex + " mtu=" + mtu + "]";
    }
}
