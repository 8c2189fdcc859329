package dev.portcullis.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The V3 walker hands on the small ring's frames that arrived before each of its own (kernel timestamps), so a
 * flow split over the two rings reaches the engine in arrival order: the reordering that once reset a
 * connection whose first data segment (V3) overtook the final ACK (V2) while the shard was late.
 */
class RingMergeTest {
    static final int BLOCK = 8192, BLOCKS = 2, FIRST = 48, V3_MAC = 80;
    static final int SLOT = 256, SLOTS = 64, V2_MAC = 34;
    static final int SEC = 1_700_000_000;

    final MemorySegment big = Arena.ofAuto().allocate((long) BLOCK * BLOCKS, 4096);
    final MemorySegment small = Arena.ofAuto().allocate((long) SLOT * SLOTS, 4096);
    final RxRing v3 = new RxRing(big, BLOCK, BLOCKS);
    final SmallRing v2 = new SmallRing(small, SLOT, SLOTS);
    final List<Integer> markers = new ArrayList<>();
    final PacketSocket.RxHandler collect = (seg, off, len, status, tci) -> markers.add((int) seg.get(JAVA_BYTE, off));

    /** One retired V3 block whose packets carry these nanosecond timestamps; packet i's marker is 100 + i. */
    void v3Block(int index, long[] nsecs) {
        long base = (long) index * BLOCK;
        big.set(JAVA_INT, base + RxRing.BLK_NUM_PKTS, nsecs.length);
        big.set(JAVA_INT, base + RxRing.BLK_OFFSET_TO_FIRST_PKT, FIRST);
        long pkt = base + FIRST;
        int size = (V3_MAC + 60 + 7) & ~7;
        for (int i = 0; i < nsecs.length; i++) {
            big.set(JAVA_INT, pkt + RxRing.PKT_NEXT_OFFSET, i + 1 < nsecs.length ? size : 0);
            big.set(JAVA_INT, pkt + RxRing.PKT_SEC, SEC);
            big.set(JAVA_INT, pkt + RxRing.PKT_NSEC, (int) nsecs[i]);
            big.set(JAVA_INT, pkt + RxRing.PKT_SNAPLEN, 60);
            big.set(JAVA_INT, pkt + RxRing.PKT_LEN, 60);
            big.set(JAVA_INT, pkt + RxRing.PKT_STATUS, PacketSocket.TP_STATUS_USER);
            big.set(JAVA_SHORT, pkt + RxRing.PKT_MAC, (short) V3_MAC);
            big.set(JAVA_BYTE, pkt + V3_MAC, (byte) (100 + i));
            pkt += size;
        }
        big.set(JAVA_INT, base + RxRing.BLK_STATUS, PacketSocket.TP_STATUS_USER);
    }

    /** Ready V2 slots from slot 0 with these timestamps; slot i's marker is i. */
    void v2Slots(long[] nsecs) {
        for (int i = 0; i < nsecs.length; i++) {
            long s = (long) i * SLOT;
            small.set(JAVA_INT, s + SmallRing.HDR_LEN, 60);
            small.set(JAVA_INT, s + SmallRing.HDR_SNAPLEN, 60);
            small.set(JAVA_SHORT, s + SmallRing.HDR_MAC, (short) V2_MAC);
            small.set(JAVA_INT, s + SmallRing.HDR_SEC, SEC);
            small.set(JAVA_INT, s + SmallRing.HDR_NSEC, (int) nsecs[i]);
            small.set(JAVA_BYTE, s + V2_MAC, (byte) i);
            small.set(JAVA_INT, s + SmallRing.HDR_STATUS, PacketSocket.TP_STATUS_USER);
        }
    }

    @Test
    void aFinalAckOnTheSmallRingGoesBeforeTheDataThatFollowedItOnTheBlockRing() {
        v2Slots(new long[]{5, 20, 40}); // final ACK, a short request, a FIN
        v3Block(0, new long[]{10, 30}); // data segments
        assertThat(v3.read(collect, 4, v2)).isEqualTo(1);
        assertThat(markers).as("the small frames older than each block frame first").containsExactly(0, 100, 1, 101);
        assertThat(v2.read(collect, 16)).isEqualTo(1);
        assertThat(markers).containsExactly(0, 100, 1, 101, 2);
        assertThat(v2.frames + v3.frames).isEqualTo(5);
    }

    @Test
    void withoutTheSmallRingTheBlockWalkIsUnchanged() {
        v3Block(0, new long[]{10, 30});
        assertThat(v3.read(collect, 4, null)).isEqualTo(1);
        assertThat(markers).containsExactly(100, 101);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void anyInterleavingComesOutInTimestampOrder(long seed) {
        Random r = new Random(seed);
        int total = 40;
        long[] ts = new long[total];
        for (int i = 0; i < total; i++) ts[i] = 1 + i * 10L;
        boolean[] onSmall = new boolean[total];
        int nSmall = 0;
        for (int i = 0; i < total; i++) if (onSmall[i] = r.nextBoolean()) nSmall++;
        long[] smallTs = new long[nSmall], bigTs = new long[total - nSmall];
        int si = 0, bi = 0;
        for (int i = 0; i < total; i++) {
            if (onSmall[i]) smallTs[si++] = ts[i];
            else bigTs[bi++] = ts[i];
        }
        v2Slots(smallTs);
        v3Block(0, bigTs);
        v3.read(collect, 4, v2);
        v2.read(collect, SLOTS);
        // map markers back to timestamps: small marker i -> smallTs[i], block marker 100 + i -> bigTs[i]
        long[] order = markers.stream().mapToLong(m -> m >= 100 ? bigTs[m - 100] : smallTs[m]).toArray();
        long[] sorted = order.clone();
        Arrays.sort(sorted);
        assertThat(order).hasSize(total).containsExactly(sorted);
    }
}
