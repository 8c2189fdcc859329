package dev.portcullis.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.portcullis.io.SmallRing.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/** The TPACKET_V2 slot walker on a ring built in memory the way the kernel fills it. */
class SmallRingTest {
    static final int FRAME = 256, FRAMES = 8, MAC = 34; // tp_mac = align16(32 + 14) - 14 for an Ethernet header

    final MemorySegment ring = Arena.ofAuto().allocate((long) FRAME * FRAMES, 4096);
    final SmallRing rx = new SmallRing(ring, FRAME, FRAMES);
    final List<long[]> got = new ArrayList<>(); // offset, length, status, vlan, first byte

    final PacketSocket.RxHandler collect = (seg, off, len, status, tci) -> {
        assertThat(seg).isSameAs(ring);
        got.add(new long[]{off, len, status, tci, seg.get(JAVA_BYTE, off)});
    };

    /** Fills slot {@code i} as the kernel does and hands it to user space: snaplen, len, status bits, tci, marker. */
    void slot(int i, int snaplen, int len, int status, int tci, int marker) {
        slot(i, snaplen, len, status, tci, marker, MAC);
    }

    void slot(int i, int snaplen, int len, int status, int tci, int marker, int mac) {
        long s = (long) i * FRAME;
        ring.set(JAVA_INT, s + HDR_LEN, len);
        ring.set(JAVA_INT, s + HDR_SNAPLEN, snaplen);
        ring.set(JAVA_SHORT, s + HDR_MAC, (short) mac);
        ring.set(JAVA_INT, s + HDR_SEC, 1_700_000_000);
        ring.set(JAVA_INT, s + HDR_NSEC, i);
        ring.set(JAVA_SHORT, s + HDR_VLAN_TCI, (short) tci);
        if (mac + 1 <= FRAME) {
            ring.set(JAVA_BYTE, s + mac, (byte) marker);
        }
        ring.set(JAVA_INT, s + HDR_STATUS, status | PacketSocket.TP_STATUS_USER);
    }

    int status(int i) {
        return ring.get(JAVA_INT, (long) i * FRAME + HDR_STATUS);
    }

    @Test
    void nothingIsReadWhileTheKernelOwnsTheSlot() {
        assertThat(rx.ready()).isFalse();
        assertThat(rx.read(collect, 8)).isZero();
        assertThat(got).isEmpty();
    }

    @Test
    void framesAreHandedOnInOrderWithTheirStatusAndTagAndTheSlotsGivenBack() {
        slot(0, 74, 74, PacketSocket.TP_STATUS_CSUMNOTREADY, 0, 1);
        slot(1, 60, 60, PacketSocket.TP_STATUS_VLAN_VALID, 0x2000 | 42, 2);
        assertThat(rx.ready()).isTrue();
        assertThat(rx.read(collect, 8)).isEqualTo(2);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).containsExactly(MAC, 74, PacketSocket.TP_STATUS_CSUMNOTREADY | PacketSocket.TP_STATUS_USER,
                -1, 1);
        assertThat(got.get(1)[0]).isEqualTo(FRAME + MAC);
        assertThat(got.get(1)[3]).as("TCI with priority bits").isEqualTo(0x2000 | 42);
        assertThat(got.get(1)[4]).isEqualTo(2);
        assertThat(status(0)).isEqualTo(PacketSocket.TP_STATUS_KERNEL);
        assertThat(status(1)).isEqualTo(PacketSocket.TP_STATUS_KERNEL);
        assertThat(rx.frames).isEqualTo(2);
        assertThat(rx.bytes).isEqualTo(134);
        assertThat(rx.lastFrameRealtimeNs).isEqualTo(1_700_000_000L * 1_000_000_000L + 1);
        assertThat(rx.ready()).isFalse();
    }

    @Test
    void aCutFrameIsCountedAndNeverHandedOnButItsSlotIsGivenBack() {
        slot(0, FRAME - MAC, 1514, 0, 0, 1);
        slot(1, 66, 66, 0, 0, 2);
        assertThat(rx.read(collect, 8)).isEqualTo(2);
        assertThat(got).hasSize(1);
        assertThat(got.get(0)[4]).isEqualTo(2);
        assertThat(rx.truncated).isEqualTo(1);
        assertThat(status(0)).isEqualTo(PacketSocket.TP_STATUS_KERNEL);
    }

    @Test
    void aHeaderPointingOutsideItsSlotIsCountedNotFollowed() {
        slot(0, 100, 100, 0, 0, 1, FRAME - 50);   // the frame would run into the next slot
        slot(1, -5, 10, 0, 0, 2);                 // negative length
        slot(2, 10, 10, 0, 0, 3, 8);              // the frame over the header
        slot(3, 60, 60, 0, 0, 4);
        assertThat(rx.read(collect, 8)).isEqualTo(4);
        assertThat(got).hasSize(1);
        assertThat(got.get(0)[4]).isEqualTo(4);
        assertThat(rx.malformed).isEqualTo(3);
    }

    @Test
    void theBudgetStopsTheWalkAndTheNextReadGoesOn() {
        for (int i = 0; i < 5; i++) {
            slot(i, 60, 60, 0, 0, i);
        }
        assertThat(rx.read(collect, 3)).isEqualTo(3);
        assertThat(rx.ready()).isTrue();
        assertThat(rx.read(collect, 3)).isEqualTo(2);
        assertThat(got).extracting(g -> g[4]).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void theWalkWrapsAroundTheRingForever(long seed) {
        Random r = new Random(seed);
        int next = 0, handed = 0;
        for (int round = 0; round < 200; round++) {
            int n = 1 + r.nextInt(FRAMES);  // the kernel fills up to every free slot, in order
            for (int i = 0; i < n; i++) {
                slot((next + i) % FRAMES, 60, 60, 0, 0, (handed + i) & 0x7f);
            }
            int budget = 1 + r.nextInt(FRAMES);
            int read = 0;
            while (read < n) {
                read += rx.read(collect, budget);
            }
            assertThat(read).isEqualTo(n);
            next = (next + n) % FRAMES;
            handed += n;
        }
        assertThat(got).hasSize(handed);
        for (int i = 0; i < handed; i++) {
            assertThat(got.get(i)[4]).isEqualTo(i & 0x7f);
        }
    }
}
