package dev.portcullis.io;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The walker over a TPACKET_V3 RX ring mapping: blocks in order, packets in a block by {@code tp_next_offset}.
 * Separate from the socket so that its rules (status handshake, cut frames, VLAN, wrap-around, bounds) can be
 * tested on a ring built in memory, without root.
 *
 * <pre>
 * block: tpacket_block_desc (48): version 0, offset_to_priv 4, block_status 8, num_pkts 12,
 *        offset_to_first_pkt 16, blk_len 20, seq_num 24, ts_first 32, ts_last 40
 * packet: tpacket3_hdr (48): next_offset 0, sec 4, nsec 8, snaplen 12, len 16, status 20, mac 24 (u16, from the
 *        header), net 26, rxhash 28, vlan_tci 32, vlan_tpid 36; then sockaddr_ll, then the frame at mac
 * </pre>
 */
final class RxRing {
    static final int BLK_STATUS = 8, BLK_NUM_PKTS = 12, BLK_OFFSET_TO_FIRST_PKT = 16;
    static final int PKT_NEXT_OFFSET = 0, PKT_SEC = 4, PKT_NSEC = 8, PKT_SNAPLEN = 12, PKT_LEN = 16, PKT_STATUS = 20,
            PKT_MAC = 24, PKT_VLAN_TCI = 32, PKT_HEADER = 48;

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final int blockSize, blockCount;
    private int current;

    long blocks, frames, bytes, truncated, malformed;
    /** The kernel's receive time (CLOCK_REALTIME, ns) of the frame being handed on. */
    long lastFrameRealtimeNs;

    RxRing(MemorySegment ring, int blockSize, int blockCount) {
        if (ring.byteSize() < (long) blockSize * blockCount) {
            throw new IllegalArgumentException("mapping smaller than the ring");
        }
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    /** True when the next block belongs to user space (acquire: its packets are visible then). */
    boolean ready() {
        return ((int) INT.getAcquire(ring, (long) current * blockSize + BLK_STATUS) & PacketSocket.TP_STATUS_USER)
                != 0;
    }

    /** Hands the frames of up to {@code maxBlocks} ready blocks to {@code handler}; returns the blocks read. */
    int read(PacketSocket.RxHandler handler, int maxBlocks) {
        return read(handler, maxBlocks, null);
    }

    /**
     * The same, and before each frame the frames of {@code earlier} (the small-frame ring, or null) that the
     * kernel received before it ({@link SmallRing#readUntil}), so the two rings' frames are handed on in arrival
     * order.
     */
    int read(PacketSocket.RxHandler handler, int maxBlocks, SmallRing earlier) {
        int n = 0;
        while (n < maxBlocks) {
            long base = (long) current * blockSize;
            // acquire: the packets of the block are visible once the kernel's status store is
            int status = (int) INT.getAcquire(ring, base + BLK_STATUS);
            if ((status & PacketSocket.TP_STATUS_USER) == 0) {
                break;
            }
            readBlock(handler, base, earlier);
            // release: our reads of the block happen before the kernel may fill it again
            INT.setRelease(ring, base + BLK_STATUS, PacketSocket.TP_STATUS_KERNEL);
            current = current + 1 == blockCount ? 0 : current + 1;
            blocks++;
            n++;
        }
        return n;
    }

    private void readBlock(PacketSocket.RxHandler handler, long base, SmallRing earlier) {
        int packets = ring.get(JAVA_INT, base + BLK_NUM_PKTS);
        long end = base + blockSize;
        long pkt = base + Integer.toUnsignedLong(ring.get(JAVA_INT, base + BLK_OFFSET_TO_FIRST_PKT));
        for (int i = 0; i < packets; i++) {
            if (pkt < base || pkt + PKT_HEADER > end || (pkt & 3) != 0) {
                // the kernel never does this (V3 packs headers 8-byte aligned, V3_ALIGNMENT); a bad offset must
                // not make us read outside the block, nor throw on an unaligned int access
                malformed++;
                return;
            }
            int snaplen = ring.get(JAVA_INT, pkt + PKT_SNAPLEN);
            int len = ring.get(JAVA_INT, pkt + PKT_LEN);
            int pktStatus = ring.get(JAVA_INT, pkt + PKT_STATUS);
            long frame = pkt + Short.toUnsignedInt(ring.get(JAVA_SHORT, pkt + PKT_MAC));
            if (snaplen < 0 || frame + snaplen > end) {
                malformed++;
            } else if (snaplen < len) {
                truncated++; // the ring cut it: a cut segment must never reach the engine
            } else {
                int tci = (pktStatus & PacketSocket.TP_STATUS_VLAN_VALID) != 0
                        ? ring.get(JAVA_INT, pkt + PKT_VLAN_TCI) & 0xffff : -1;
                long realtimeNs = Integer.toUnsignedLong(ring.get(JAVA_INT, pkt + PKT_SEC)) * 1_000_000_000L
                        + Integer.toUnsignedLong(ring.get(JAVA_INT, pkt + PKT_NSEC));
                if (earlier != null) {
                    earlier.readUntil(handler, realtimeNs);
                }
                frames++;
                bytes += snaplen;
                lastFrameRealtimeNs = realtimeNs;
                handler.onFrame(ring, frame, snaplen, pktStatus, tci);
            }
            int next = ring.get(JAVA_INT, pkt + PKT_NEXT_OFFSET);
            if (next <= 0) {
                return;
            }
            pkt += next;
        }
    }
}
