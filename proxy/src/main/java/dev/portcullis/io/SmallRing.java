package dev.portcullis.io;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The walker over a TPACKET_V2 RX ring mapping: fixed slots in order, each owned by user space while its
 * {@code tp_status} has TP_STATUS_USER. The kernel wakes the reader per frame (unlike V3, which waits for a
 * block to fill or its timer), which is what keeps a lone SYN's wait in the ring at the wake-up cost. Separate
 * from the socket so that its rules can be tested on a ring built in memory, without root.
 *
 * <pre>
 * slot i at i * frameSize (blocks are whole pages or one slot: slots are contiguous in the mapping)
 * tpacket2_hdr (32): status 0, len 4, snaplen 8, mac 12 (u16, from the slot), net 14 (u16), sec 16, nsec 20,
 *                    vlan_tci 24 (u16), vlan_tpid 26 (u16); then sockaddr_ll; the frame at mac
 * </pre>
 */
final class SmallRing {
    static final int HDR_STATUS = 0, HDR_LEN = 4, HDR_SNAPLEN = 8, HDR_MAC = 12, HDR_SEC = 16, HDR_NSEC = 20,
            HDR_VLAN_TCI = 24, HDR_SIZE = 32;

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final int frameSize, frameCount;
    private int current;

    long frames, bytes, truncated, malformed;
    /** The kernel's receive time (CLOCK_REALTIME, ns) of the frame being handed on. */
    long lastFrameRealtimeNs;

    SmallRing(MemorySegment ring, int frameSize, int frameCount) {
        if (ring.byteSize() < (long) frameSize * frameCount || frameSize < HDR_SIZE || frameCount < 1) {
            throw new IllegalArgumentException("mapping smaller than the ring");
        }
        this.ring = ring;
        this.frameSize = frameSize;
        this.frameCount = frameCount;
    }

    /** True when the next slot belongs to user space (acquire: its frame is visible then). */
    boolean ready() {
        return ((int) INT.getAcquire(ring, (long) current * frameSize + HDR_STATUS) & PacketSocket.TP_STATUS_USER)
                != 0;
    }

    /** Hands up to {@code maxFrames} ready slots to {@code handler}; returns the slots read. */
    int read(PacketSocket.RxHandler handler, int maxFrames) {
        int n = 0;
        while (n < maxFrames) {
            long slot = (long) current * frameSize;
            // acquire: the frame and header fields are visible once the kernel's status store is
            int status = (int) INT.getAcquire(ring, slot + HDR_STATUS);
            if ((status & PacketSocket.TP_STATUS_USER) == 0) {
                break;
            }
            readSlot(handler, slot, status);
            // release: our reads of the slot happen before the kernel may fill it again
            INT.setRelease(ring, slot + HDR_STATUS, PacketSocket.TP_STATUS_KERNEL);
            current = current + 1 == frameCount ? 0 : current + 1;
            n++;
        }
        return n;
    }

    /**
     * Hands on the ready frames that the kernel received at or before {@code untilRealtimeNs} (their slots'
     * timestamps, CLOCK_REALTIME like the V3 ring's), in order; stops at the first later one. The V3 walker calls
     * it before each of its frames, so a flow's frames split over the two rings reach the engine in the order
     * they arrived: a final ACK before the data segment that followed it (the data's sequence number would not
     * carry the cookie's ISN), data before the FIN after it. Returns the slots read.
     */
    int readUntil(PacketSocket.RxHandler handler, long untilRealtimeNs) {
        int n = 0;
        while (true) {
            long slot = (long) current * frameSize;
            int status = (int) INT.getAcquire(ring, slot + HDR_STATUS);
            if ((status & PacketSocket.TP_STATUS_USER) == 0 || realtimeNs(slot) > untilRealtimeNs) {
                return n;
            }
            readSlot(handler, slot, status);
            INT.setRelease(ring, slot + HDR_STATUS, PacketSocket.TP_STATUS_KERNEL);
            current = current + 1 == frameCount ? 0 : current + 1;
            n++;
        }
    }

    private long realtimeNs(long slot) {
        return Integer.toUnsignedLong(ring.get(JAVA_INT, slot + HDR_SEC)) * 1_000_000_000L
                + Integer.toUnsignedLong(ring.get(JAVA_INT, slot + HDR_NSEC));
    }

    private void readSlot(PacketSocket.RxHandler handler, long slot, int status) {
        int snaplen = ring.get(JAVA_INT, slot + HDR_SNAPLEN);
        int len = ring.get(JAVA_INT, slot + HDR_LEN);
        int mac = Short.toUnsignedInt(ring.get(JAVA_SHORT, slot + HDR_MAC));
        if (snaplen < 0 || mac < HDR_SIZE || (long) mac + snaplen > frameSize) {
            malformed++; // never from a kernel: a bad header must not make us read outside the slot
        } else if (snaplen < len) {
            truncated++; // the slot cut it (the filter's split too large for the slot): never to the engine
        } else {
            int tci = (status & PacketSocket.TP_STATUS_VLAN_VALID) != 0
                    ? Short.toUnsignedInt(ring.get(JAVA_SHORT, slot + HDR_VLAN_TCI)) : -1;
            frames++;
            bytes += snaplen;
            lastFrameRealtimeNs = realtimeNs(slot);
            handler.onFrame(ring, slot + mac, snaplen, status, tci);
        }
    }
}
