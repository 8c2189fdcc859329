package dev.portcullis.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A TPACKET_V2 TX ring on an AF_PACKET socket of its own (protocol 0: it receives nothing), bound to the shard's
 * interface: the engine writes each frame in place into a free slot, the slot is marked
 * {@code TP_STATUS_SEND_REQUEST}, and one non-blocking zero-length send per batch hands every marked slot to the
 * driver in one system call (tpacket_snd), the path the project's flood generator and trafgen use.
 * {@code PACKET_QDISC_BYPASS} skips the qdisc, as trafgen does; {@code PACKET_LOSS} lets the kernel skip a frame it
 * cannot parse instead of stopping the ring at it (frames are checked before {@link #commit} so that never
 * happens unseen).
 *
 * <p>With {@code PACKET_VNET_HDR} each frame is preceded by a {@code struct virtio_net_hdr} (10 bytes): a TCP
 * frame committed with {@link #commitOffloaded} gets {@code VIRTIO_NET_HDR_F_NEEDS_CSUM} (the kernel, or the NIC,
 * finishes the TCP checksum from the pseudo-header sum in the field) and, when its payload exceeds the segment
 * size, {@code GSO_TCPV4/TCPV6}: the kernel cuts it into MSS-sized segments, or passes it whole where the device
 * takes GSO (veth), which is what makes bulk sending cheap. Other frames get a zeroed header.
 * <pre>
 *  slot (slotBytes):  tpacket2_hdr { tp_status u32 @0, tp_len u32 @4, ... } padded to 32 (TPACKET2_HDRLEN - sll)
 *                     [virtio_net_hdr 10 bytes, little-endian: flags @0, gso_type @1, hdr_len @2, gso_size @4,
 *                      csum_start @6, csum_offset @8]   (only with PACKET_VNET_HDR)
 *                     Ethernet frame
 * </pre>
 * Slot life: AVAILABLE (0, ours to fill) -&gt; SEND_REQUEST (1, committed) -&gt; SENDING (2, the kernel holds the
 * skb until the device is done with the pages) -&gt; AVAILABLE; WRONG_FORMAT (4) when the kernel refused one (only
 * without PACKET_LOSS): counted and reused.
 *
 * <p>Single-threaded: the shard thread claims, commits, kicks and closes.
 */
public final class TxRing implements AutoCloseable {
    // <linux/if_packet.h>
    static final int PACKET_VERSION = 10, PACKET_TX_RING = 13, PACKET_LOSS = 14, PACKET_VNET_HDR = 15,
            PACKET_QDISC_BYPASS = 20, TPACKET_V2 = 1;
    static final int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_SENDING = 2,
            TP_STATUS_WRONG_FORMAT = 4;
    static final int TP_STATUS = 0, TP_LEN = 4;
    /** Where a slot's data starts: TPACKET2_HDRLEN - sizeof(sockaddr_ll) = 52 - 20. */
    static final int SLOT_DATA = 32;
    // <linux/virtio_net.h>
    static final int VNET_HDR_LEN = 10;
    static final int VNET_FLAGS = 0, VNET_GSO_TYPE = 1, VNET_HDR_LEN_FIELD = 2, VNET_GSO_SIZE = 4, VNET_CSUM_START = 6,
            VNET_CSUM_OFFSET = 8;
    static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1, GSO_NONE = 0, GSO_TCPV4 = 1, GSO_TCPV6 = 4;
    /** The TCP checksum field's offset in the TCP header (RFC 9293 §3.1). */
    static final int TCP_CHECKSUM_OFFSET = 16;
    private static final int ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86dd, ETHERTYPE_VLAN = 0x8100;
    private static final VarHandle STATUS = JAVA_INT.varHandle();

    /**
     * @param slotBytes bytes per slot, a power of two from 2 KiB to 128 KiB (32 bytes of header, 10 of
     *                  virtio_net_hdr, then the frame)
     * @param slots     slots in the ring, 8 to 65536
     * @param offloads  ask for PACKET_VNET_HDR (checksum and GSO offload); the ring runs without when the kernel
     *                  refuses it ({@link #offloads()} says which)
     */
    public record Options(int slotBytes, int slots, boolean offloads) {
        public Options {
            if (slotBytes < 2048 || slotBytes > 128 * 1024 || Integer.bitCount(slotBytes) != 1) {
                throw new IllegalArgumentException("slotBytes must be a power of two from 2 KiB to 128 KiB: " + slotBytes);
            }
            if (slots < 8 || slots > 65536) {
                throw new IllegalArgumentException("slots must be 8..65536: " + slots);
            }
        }

        /** These options with slots large enough for a frame of {@code frameBytes} (the same ring bytes). */
        public Options fitting(int frameBytes) {
            int need = frameBytes + SLOT_DATA + VNET_HDR_LEN;
            if (need <= slotBytes || need > 128 * 1024) return this;
            int grown = Integer.highestOneBit(need - 1) << 1;
            return new Options(grown, Math.max(8, (int) ((long) slots * slotBytes / grown)), offloads);
        }

        /**
         * With offloads, 256 slots of 64 KiB (16 MiB): a slot holds one 64 KB GSO frame. Without, 4096 slots of
         * 2 KiB (8 MiB): MTU frames only.
         */
        public static Options defaults(boolean offloads) {
            return offloads ? new Options(64 * 1024, 256, true) : new Options(2048, 4096, false);
        }
    }

    private final int fd;
    private final MemorySegment ring;
    private final int slotBytes, slots;
    private final boolean vnet;
    private final int dataOffset;       // frame start within a slot
    private final int maxFrame;
    private int next;                   // the slot the next claim takes
    private long claimed = -1;          // data offset handed out by the last claim, until its commit
    private int pending;                // committed since the last kick
    private boolean closed;

    // counters (plain longs, owned by the shard thread)
    public long frames, bytes, kicks, kicksFailed, ringFull, wrongFormat, rejected, offloaded, gsoFrames;
    public String lastError;

    private TxRing(int fd, MemorySegment ring, int slotBytes, int slots, boolean vnet) {
        this.fd = fd;
        this.ring = ring;
        this.slotBytes = slotBytes;
        this.slots = slots;
        this.vnet = vnet;
        this.dataOffset = SLOT_DATA + (vnet ? VNET_HDR_LEN : 0);
        this.maxFrame = slotBytes - dataOffset;
    }

    /** Opens a TX ring on {@code device} in the calling thread's network namespace. */
    public static TxRing open(String device, Options o) throws IOException {
        Native.ensureAvailable();
        int ifindex = Native.ifNameToIndex(device);
        int fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, 0);
        try {
            Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION TPACKET_V2");
            Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS");
            boolean vnet = false;
            if (o.offloads()) {
                try {
                    // before the ring: the kernel refuses it once a ring exists (EBUSY)
                    Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
                    vnet = true;
                } catch (IOException e) {
                    // no offloads: the engine then keeps every frame within the MTU with complete checksums
                }
            }
            if (!vnet) {
                // Only without offloads: the bypass (dev_direct_xmit) drops every skb that validate_xmit_skb had to
                // change, so a GSO frame for a device without TSO (or with tso off) would be lost, and stay
                // SEND_REQUEST to fail again at every kick. Through the qdisc the kernel segments it in software.
                Native.setsockoptInt(fd, PacketSocket.SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            }
            // one slot per block when slots are larger than a page, so a block is never a high-order allocation
            // larger than it has to be
            int blockSize = Math.max(RingOptions.PAGE, o.slotBytes());
            int perBlock = blockSize / o.slotBytes();
            int blocks = o.slots() / perBlock;
            int slots = blocks * perBlock;
            MemorySegment mapped;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment req = a.allocate(16, 4); // tpacket_req: block_size, block_nr, frame_size, frame_nr
                req.set(JAVA_INT, 0, blockSize);
                req.set(JAVA_INT, 4, blocks);
                req.set(JAVA_INT, 8, o.slotBytes());
                req.set(JAVA_INT, 12, slots);
                Native.setsockopt(fd, PacketSocket.SOL_PACKET, PACKET_TX_RING, req, "PACKET_TX_RING");
                mapped = Native.mmap(fd, (long) blockSize * blocks, false);
                try {
                    PacketSocket.bind(fd, ifindex, 0, "AF_PACKET TX " + device); // protocol 0: it only sends
                } catch (IOException e) {
                    Native.munmap(mapped);
                    throw e;
                }
            }
            return new TxRing(fd, mapped, o.slotBytes(), slots, vnet);
        } catch (IOException | RuntimeException e) {
            try {
                Native.close(fd);
            } catch (IOException ignored) {
                // already failing
            }
            throw e;
        }
    }

    /** The ring mapping: the memory {@link #claim} offsets point into. */
    public MemorySegment memory() {
        return ring;
    }

    /** True when PACKET_VNET_HDR is on: {@link #commitOffloaded} may be used. */
    public boolean offloads() {
        return vnet;
    }

    /** The largest frame a slot holds. */
    public int maxFrame() {
        return maxFrame;
    }

    public int slots() {
        return slots;
    }

    /** Frames committed since the last kick. */
    public int pending() {
        return pending;
    }

    /**
     * The offset in {@link #memory()} where a frame of up to {@code maxLen} bytes may be written, or -1: the frame
     * is larger than a slot ({@link #rejected}), or the ring is full even after a kick ({@link #ringFull}: the
     * kernel still holds every slot; the caller drops the frame, counted, and TCP resends it).
     */
    public long claim(int maxLen) {
        if (closed || maxLen <= 0 || maxLen > maxFrame) {
            rejected++;
            return -1;
        }
        long slot = (long) next * slotBytes;
        if (!free(slot)) {
            kick();                     // hand the marked slots over; on veth and most NICs some come back at once
            if (!free(slot)) {
                ringFull++;
                return -1;
            }
        }
        claimed = slot + dataOffset;
        return claimed;
    }

    private boolean free(long slot) {
        int st = (int) STATUS.getAcquire(ring, slot);
        if (st == TP_STATUS_WRONG_FORMAT) {
            // the kernel refused this frame (a frame the checks in commit let through): count it, reuse the slot
            wrongFormat++;
            STATUS.setRelease(ring, slot, TP_STATUS_AVAILABLE);
            return true;
        }
        return st == TP_STATUS_AVAILABLE;
    }

    /** The frame at {@code offset} (from the last {@link #claim}) is {@code length} bytes: queue it for the next kick. */
    public void commit(long offset, int length) {
        if (!checkCommit(offset, length)) return;
        if (vnet) {
            // a zeroed header: no offload for this frame
            ring.set(JAVA_INT, offset - VNET_HDR_LEN, 0);
            ring.set(JAVA_INT, offset - VNET_HDR_LEN + 4, 0);
            ring.set(JAVA_SHORT, offset - VNET_HDR_LEN + 8, (short) 0);
        }
        hand(offset, length);
    }

    /**
     * Queues a TCP frame whose checksum field holds the pseudo-header sum only (not complemented): the kernel
     * finishes it, and cuts a payload longer than {@code segmentSize} into segments of {@code segmentSize} bytes
     * (0: never). Only when {@link #offloads()}; a frame that is not untagged IPv4/IPv6 + TCP is refused, counted.
     */
    public void commitOffloaded(long offset, int length, int segmentSize) {
        if (!vnet || !checkCommit(offset, length)) {
            if (!vnet) rejected++;
            return;
        }
        if (!writeVnetHeader(ring, offset, length, segmentSize)) {
            rejected++;
            claimed = -1;
            return;
        }
        offloaded++;
        if (ring.get(JAVA_SHORT, offset - VNET_HDR_LEN + VNET_GSO_SIZE) != 0) gsoFrames++;
        hand(offset, length);
    }

    /**
     * Writes the virtio_net_hdr for the TCP frame at {@code frame} into the 10 bytes before it. False when the
     * frame is not Ethernet + IPv4 (no options beyond its IHL) / IPv6 (no extension header) + TCP.
     */
    static boolean writeVnetHeader(MemorySegment buf, long frame, int length, int segmentSize) {
        if (length < 14 + 20 + 20) return false;
        int etherType = Short.toUnsignedInt(buf.get(U16_BE, frame + 12));
        int l3 = 14;
        int l4, gso;
        if (etherType == ETHERTYPE_IPV4) {
            int vihl = u8(buf, frame + l3);
            if ((vihl >>> 4) != 4 || u8(buf, frame + l3 + 9) != 6) return false;
            l4 = l3 + (vihl & 0xf) * 4;
            gso = GSO_TCPV4;
        } else if (etherType == ETHERTYPE_IPV6) {
            if (length < 14 + 40 + 20 || u8(buf, frame + l3 + 6) != 6) return false;
            l4 = l3 + 40;
            gso = GSO_TCPV6;
        } else {
            return false; // 802.1Q-tagged (ETHERTYPE_VLAN) and others: the engine offloads untagged frames only
        }
        if (l4 + 20 > length) return false;
        int hdrLen = l4 + (u8(buf, frame + l4 + 12) >>> 4) * 4;
        if (hdrLen > length || hdrLen < l4 + 20) return false;
        int payload = length - hdrLen;
        boolean segment = segmentSize > 0 && payload > segmentSize;
        long h = frame - VNET_HDR_LEN;
        buf.set(JAVA_BYTE, h + VNET_FLAGS, (byte) VIRTIO_NET_HDR_F_NEEDS_CSUM);
        buf.set(JAVA_BYTE, h + VNET_GSO_TYPE, (byte) (segment ? gso : GSO_NONE));
        buf.set(U16_LE, h + VNET_HDR_LEN_FIELD, (short) hdrLen);
        buf.set(U16_LE, h + VNET_GSO_SIZE, (short) (segment ? segmentSize : 0));
        buf.set(U16_LE, h + VNET_CSUM_START, (short) l4);
        buf.set(U16_LE, h + VNET_CSUM_OFFSET, (short) TCP_CHECKSUM_OFFSET);
        return true;
    }

    private static final ValueLayout.OfShort U16_BE = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private static int u8(MemorySegment s, long off) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, off));
    }

    /** virtio 1.0 fields are little-endian (and so are a legacy header's on x86, vio_le() in af_packet). */
    private static final ValueLayout.OfShort U16_LE =
            JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).withByteAlignment(1);

    private boolean checkCommit(long offset, int length) {
        if (closed || offset != claimed || length <= 0 || length > maxFrame) {
            // a commit without its claim, or of 0 bytes (the writer gave up): nothing goes out. A length of 0 is
            // how callers cancel a claim; anything else is a caller's error
            if (length != 0 || offset != claimed) rejected++;
            claimed = -1;
            return false;
        }
        if (length < 14) { // the kernel would refuse it (ll_header_truncated)
            rejected++;
            claimed = -1;
            return false;
        }
        return true;
    }

    private void hand(long offset, int length) {
        long slot = offset - dataOffset;
        ring.set(JAVA_INT, slot + TP_LEN, length + (vnet ? VNET_HDR_LEN : 0));
        STATUS.setRelease(ring, slot, TP_STATUS_SEND_REQUEST);
        next = next + 1 == slots ? 0 : next + 1;
        claimed = -1;
        pending++;
        frames++;
        bytes += length;
    }

    /**
     * Hands every committed slot to the kernel with one non-blocking zero-length send. Frames the kernel could
     * not take now (EAGAIN/ENOBUFS) stay marked and go with the next kick; an error is counted. Returns the frames
     * committed since the previous kick.
     */
    public int kick() {
        int n = pending;
        if (closed || n == 0) return 0;
        kicks++;
        pending = 0;
        try {
            if (Native.sendto(fd, MemorySegment.NULL, 0, Native.MSG_DONTWAIT, MemorySegment.NULL) < 0) {
                kicksFailed++; // the frames stay SEND_REQUEST: the next kick sends them
            }
        } catch (IOException e) {
            kicksFailed++;
            lastError = e.getMessage();
        }
        return n;
    }

    /** Slot {@code i}'s status (tests and diagnostics). */
    int status(int i) {
        return (int) STATUS.getAcquire(ring, (long) i * slotBytes);
    }

    /** Sends what is committed and closes the socket (the kernel frees the ring with it). */
    @Override
    public void close() throws IOException {
        if (closed) return;
        kick();
        closed = true;
        try {
            Native.munmap(ring);
        } finally {
            Native.close(fd);
        }
    }

    @Override
    public String toString() {
        return "TxRing[fd=" + fd + " slots=" + slots + "x" + slotBytes + (vnet ? " vnet_hdr" : "") + "]";
    }
}
