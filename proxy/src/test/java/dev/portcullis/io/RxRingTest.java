package dev.portcullis.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.portcullis.io.RxRing.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/** The ring walker on TPACKET_V3 blocks built in memory the way the kernel lays them out. */
class RxRingTest {
    static final int BLOCK = 8192, BLOCKS = 4, FIRST = 48, MAC = 80;

    final MemorySegment ring = Arena.ofAuto().allocate((long) BLOCK * BLOCKS, 4096);
    final RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
    final List<long[]> got = new ArrayList<>(); // offset, length, status, vlan, first byte

    final PacketSocket.RxHandler collect = (seg, off, len, status, tci) -> {
        assertThat(seg).isSameAs(ring);
        got.add(new long[]{off, len, status, tci, seg.get(JAVA_BYTE, off)});
    };

    /** Writes a block of packets: {snaplen, len, status, vlanTci, marker}. Returns the block's base. */
    long block(int index, int[]... packets) {
        long base = (long) index * BLOCK;
        ring.set(JAVA_INT, base + BLK_NUM_PKTS, packets.length);
        ring.set(JAVA_INT, base + BLK_OFFSET_TO_FIRST_PKT, FIRST);
        long pkt = base + FIRST;
        for (int i = 0; i < packets.length; i++) {
            int[] p = packets[i];
            int size = (MAC + p[0] + 7) & ~7; // V3 packs packets 8-byte aligned (V3_ALIGNMENT)
            ring.set(JAVA_INT, pkt + PKT_NEXT_OFFSET, i + 1 < packets.length ? size : 0);
            ring.set(JAVA_INT, pkt + PKT_SEC, 1_700_000_000);
            ring.set(JAVA_INT, pkt + PKT_NSEC, i);
            ring.set(JAVA_INT, pkt + PKT_SNAPLEN, p[0]);
            ring.set(JAVA_INT, pkt + PKT_LEN, p[1]);
            ring.set(JAVA_INT, pkt + PKT_STATUS, p[2] | PacketSocket.TP_STATUS_USER);
            ring.set(JAVA_SHORT, pkt + PKT_MAC, (short) MAC);
            ring.set(JAVA_INT, pkt + PKT_VLAN_TCI, p[3]);
            ring.set(JAVA_BYTE, pkt + MAC, (byte) p[4]);
            pkt += size;
        }
        ring.set(JAVA_INT, base + BLK_STATUS, PacketSocket.TP_STATUS_USER);
        return base;
    }

    int status(int block) {
        return ring.get(JAVA_INT, (long) block * BLOCK + BLK_STATUS);
    }

    @Test
    void nothingIsReadWhileTheKernelOwnsTheBlock() {
        assertThat(rx.ready()).isFalse();
        assertThat(rx.read(collect, 8)).isZero();
        assertThat(got).isEmpty();
    }

    @Test
    void framesAreHandedOnInOrderCutOnesCountedAndTheBlockGivenBack() {
        block(0, new int[]{60, 60, PacketSocket.TP_STATUS_CSUMNOTREADY, 0, 1},
                new int[]{1000, 65000, 0, 0, 2},                                  // cut by the ring
                new int[]{64, 64, PacketSocket.TP_STATUS_VLAN_VALID, 0x2000 | 42, 3});
        assertThat(rx.ready()).isTrue();
        assertThat(rx.read(collect, 8)).isEqualTo(1);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)[4]).isEqualTo(1);
        assertThat(got.get(0)[1]).isEqualTo(60);
        assertThat(got.get(0)[2] & PacketSocket.TP_STATUS_CSUMNOTREADY).isNotZero();
        assertThat(got.get(0)[3]).as("no tag").isEqualTo(-1);
        assertThat(got.get(1)[4]).isEqualTo(3);
        assertThat(got.get(1)[3]).as("TCI with priority bits").isEqualTo(0x2000 | 42);
        assertThat(rx.truncated).isEqualTo(1);
        assertThat(rx.frames).isEqualTo(2);
        assertThat(rx.lastFrameRealtimeNs).isEqualTo(1_700_000_000L * 1_000_000_000L + 2);
        assertThat(status(0)).as("given back to the kernel").isEqualTo(PacketSocket.TP_STATUS_KERNEL);
        assertThat(rx.ready()).isFalse();
    }

    @Test
    void blocksAreTakenInRingOrderAcrossTheWrapAndAtMostMaxBlocks() {
        for (int b = 0; b < BLOCKS; b++) {
            block(b, new int[]{60, 60, 0, 0, 10 + b});
        }
        assertThat(rx.read(collect, 3)).isEqualTo(3);
        block(0, new int[]{60, 60, 0, 0, 20});
        assertThat(rx.read(collect, 8)).isEqualTo(2);
        assertThat(got.stream().mapToLong(g -> g[4]).toArray()).containsExactly(10, 11, 12, 13, 20);
        assertThat(rx.blocks).isEqualTo(5);
    }

    @Test
    void offsetsPointingOutOfTheBlockAreCountedNotFollowed() {
        long base = block(1, new int[]{60, 60, 0, 0, 1});
        rx.read(collect, 0);
        block(0, new int[]{60, 60, 0, 0, 5});
        ring.set(JAVA_INT, BLK_OFFSET_TO_FIRST_PKT, BLOCK - 10);
        assertThat(rx.read(collect, 1)).isEqualTo(1);
        assertThat(rx.malformed).isEqualTo(1);
        ring.set(JAVA_INT, base + FIRST + PKT_SNAPLEN, BLOCK);
        ring.set(JAVA_INT, base + FIRST + PKT_LEN, BLOCK);
        assertThat(rx.read(collect, 1)).isEqualTo(1);
        assertThat(rx.malformed).isEqualTo(2);
        assertThat(got).isEmpty();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void garbageBlocksNeverMakeItReadOutsideTheBlock(long seed) {
        Random r = new Random(seed);
        byte[] junk = new byte[BLOCK];
        PacketSocket.RxHandler inBounds = (seg, off, len, status, tci) -> {
            long base = off / BLOCK * BLOCK;
            assertThat(off + len).isLessThanOrEqualTo(base + BLOCK);
            assertThat(len).isNotNegative();
        };
        for (int round = 0; round < 2000; round++) {
            int b = round % BLOCKS;
            r.nextBytes(junk);
            MemorySegment.copy(junk, 0, ring, JAVA_BYTE, (long) b * BLOCK, BLOCK);
            long base = (long) b * BLOCK;
            ring.set(JAVA_INT, base + BLK_NUM_PKTS, r.nextInt(50));
            if (r.nextBoolean()) {
                ring.set(JAVA_INT, base + BLK_OFFSET_TO_FIRST_PKT, r.nextInt(BLOCK));
            }
            ring.set(JAVA_INT, base + BLK_STATUS, PacketSocket.TP_STATUS_USER);
            assertThat(rx.read(inBounds, 1)).isEqualTo(1);
        }
    }
}
