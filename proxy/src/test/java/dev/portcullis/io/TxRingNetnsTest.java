package dev.portcullis.io;

import dev.portcullis.testing.NetNs;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TX ring against a real kernel: the ring on one end of a veth pair (the "proxy" namespace), a packet socket
 * with no filter on the other end (the "client" namespace) to see what arrives. Root only.
 */
class TxRingNetnsTest {
    static final int ETHERTYPE_EXPERIMENTAL = 0x88b5; // IEEE local experimental: no stack in either namespace answers it
    static final int SRC = (10 << 24) | (78 << 16) | 2, DST = (10 << 24) | (78 << 16) | 1;

    NetNs net;
    String client, proxy;
    NetNs.Veth link;

    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(TxRingNetnsTest.class);
    }

    @BeforeEach
    void topology() throws Exception {
        net = new NetNs();
        client = net.namespace();
        proxy = net.namespace();
        link = net.veth(client, proxy);
        net.address(client, link.a(), "10.78.0.1/24");
        net.address(proxy, link.b(), "10.78.0.2/24");
    }

    @AfterEach
    void teardown() throws Exception {
        if (net != null) net.close();
    }

    TxRing ring(TxRing.Options o) throws Exception {
        return net.inNamespace(proxy, () -> TxRing.open(link.b(), o));
    }

    PacketSocket receiver() throws Exception {
        return net.inNamespace(client, () -> PacketSocket.open(link.a(), RingOptions.defaults(), PacketSocket.Filter.none()));
    }

    static void experimental(MemorySegment m, long off, long dstMac, int tag, int length) {
        for (int i = 0; i < 6; i++) m.set(JAVA_BYTE, off + i, (byte) (dstMac >>> (8 * (5 - i))));
        for (int i = 6; i < 12; i++) m.set(JAVA_BYTE, off + i, (byte) 0x02);
        m.set(JAVA_BYTE, off + 12, (byte) (ETHERTYPE_EXPERIMENTAL >>> 8));
        m.set(JAVA_BYTE, off + 13, (byte) ETHERTYPE_EXPERIMENTAL);
        for (int i = 14; i < length; i++) m.set(JAVA_BYTE, off + i, (byte) (tag + i));
    }

    @Test
    void slotsGoFromAvailableToSendRequestAndBackAndEveryFrameArrives() throws Exception {
        try (PacketSocket rx = receiver(); TxRing tx = ring(new TxRing.Options(2048, 8, false))) {
            assertThat(tx.offloads()).isFalse();
            for (int i = 0; i < 5; i++) {
                long off = tx.claim(100);
                assertThat(off).isEqualTo((long) i * 2048 + TxRing.SLOT_DATA);
                experimental(tx.memory(), off, rx.mac(), i, 100);
                tx.commit(off, 100);
                assertThat(tx.status(i)).isEqualTo(TxRing.TP_STATUS_SEND_REQUEST);
            }
            assertThat(tx.pending()).isEqualTo(5);
            assertThat(tx.kick()).isEqualTo(5);
            assertThat(tx.pending()).isZero();
            awaitAvailable(tx, 5);
            List<RxFrame> got = RxFrame.collect(rx, f -> f.etherType() == ETHERTYPE_EXPERIMENTAL, 5, 3000);
            List<RxFrame> ours = got.stream().filter(f -> f.etherType() == ETHERTYPE_EXPERIMENTAL).toList();
            assertThat(ours).hasSize(5);
            for (int i = 0; i < 5; i++) {
                assertThat(ours.get(i).b()).hasSize(100);
                assertThat(ours.get(i).u8(14)).isEqualTo((i + 14) & 0xff); // in order
            }
            assertThat(tx.frames).isEqualTo(5);
            assertThat(tx.ringFull + tx.wrongFormat + tx.rejected + tx.kicksFailed).isZero();
        }
    }

    @Test
    void aSlotTheKernelStillHoldsIsAFullRingCountedAndAWrongFormatSlotIsCountedAndReused() throws Exception {
        try (PacketSocket rx = receiver(); TxRing tx = ring(new TxRing.Options(2048, 8, false))) {
            // what the kernel writes into a slot it is sending from (TP_STATUS_SENDING) or refused
            // (TP_STATUS_WRONG_FORMAT, without PACKET_LOSS): set on the real ring memory here
            tx.memory().set(JAVA_INT, 0, TxRing.TP_STATUS_SENDING);
            assertThat(tx.claim(100)).isEqualTo(-1);
            assertThat(tx.ringFull).isEqualTo(1);
            tx.memory().set(JAVA_INT, 0, TxRing.TP_STATUS_WRONG_FORMAT);
            long off = tx.claim(100);
            assertThat(off).isEqualTo(TxRing.SLOT_DATA);
            assertThat(tx.wrongFormat).isEqualTo(1);
            experimental(tx.memory(), off, rx.mac(), 7, 100);
            tx.commit(off, 100);
            tx.kick();
            List<RxFrame> got = RxFrame.collect(rx, f -> f.etherType() == ETHERTYPE_EXPERIMENTAL, 1, 3000);
            assertThat(got).anyMatch(f -> f.etherType() == ETHERTYPE_EXPERIMENTAL);
            // too large for a slot, a commit without a claim: refused and counted, nothing queued
            assertThat(tx.claim(tx.maxFrame() + 1)).isEqualTo(-1);
            tx.commit(12345, 60);
            assertThat(tx.rejected).isEqualTo(2);
            assertThat(tx.pending()).isZero();
            // a claim given back with length 0 is no error and leaves the slot free
            long again = tx.claim(100);
            tx.commit(again, 0);
            assertThat(tx.claim(100)).isEqualTo(again);
            assertThat(tx.rejected).isEqualTo(2);
        }
    }

    @Test
    void fillingEveryFrameOfTheRingKicksAndReusesSlotsWithoutLoss() throws Exception {
        try (PacketSocket rx = receiver(); TxRing tx = ring(new TxRing.Options(2048, 8, false))) {
            int n = 8 * 5;
            for (int i = 0; i < n; i++) {
                long off = tx.claim(80);
                assertThat(off).as("frame %d", i).isNotNegative();
                experimental(tx.memory(), off, rx.mac(), i, 80);
                tx.commit(off, 80);
            }
            tx.kick();
            List<RxFrame> got = RxFrame.collect(rx, f -> f.etherType() == ETHERTYPE_EXPERIMENTAL, n, 3000);
            assertThat(got.stream().filter(f -> f.etherType() == ETHERTYPE_EXPERIMENTAL).count()).isEqualTo(n);
            assertThat(tx.kicks).isGreaterThanOrEqualTo(n / 8);
            assertThat(tx.ringFull).isZero();
        }
    }

    /**
     * One 10-segment TCP frame with a partial checksum. With segmentation and checksumming off on the sending
     * veth the kernel cuts it in software: the other end sees ten 1000-byte segments with consecutive sequence
     * numbers, complete checksums, PSH on the last only. With them on, veth passes the frame whole.
     */
    @Test
    void anOffloadedFrameIsSegmentedAndChecksummedByTheKernel() throws Exception {
        net.offloads(proxy, link.b(), false);
        try (PacketSocket rx = receiver(); TxRing tx = ring(TxRing.Options.defaults(true))) {
            assertThat(tx.offloads()).as("PACKET_VNET_HDR accepted").isTrue();
            sendTcp(tx, rx.mac(), 10_000, 1000);
            List<RxFrame> got = RxFrame.collect(rx, RxFrame::isTcp, 10, 3000);
            List<RxFrame> tcp = got.stream().filter(f -> f.isTcp() && f.srcPort() == 4000).toList();
            assertThat(tcp).hasSize(10);
            for (int i = 0; i < 10; i++) {
                RxFrame f = tcp.get(i);
                assertThat(f.b().length).isEqualTo(14 + 20 + 20 + 1000);
                assertThat(f.u32(14 + 20 + 4)).isEqualTo(1_000_000 + i * 1000);
                assertThat(f.tcpChecksumVerifies()).as("segment %d checksum", i).isTrue();
                assertThat((f.tcpFlags() & TcpFlags.PSH) != 0).isEqualTo(i == 9);
                assertThat(f.u8(14 + 20 + 20)).isEqualTo((i * 1000) & 0xff);
            }
            assertThat(tx.gsoFrames).isEqualTo(1);
        }
        net.offloads(proxy, link.b(), true);
        try (PacketSocket rx = receiver(); TxRing tx = ring(TxRing.Options.defaults(true))) {
            sendTcp(tx, rx.mac(), 10_000, 1000);
            List<RxFrame> got = RxFrame.collect(rx, RxFrame::isTcp, 1, 3000);
            List<RxFrame> tcp = got.stream().filter(f -> f.isTcp() && f.srcPort() == 4000).toList();
            assertThat(tcp).hasSize(1);
            assertThat(tcp.getFirst().b().length).isEqualTo(14 + 20 + 20 + 10_000);
            assertThat(tcp.getFirst().status() & (PacketSocket.TP_STATUS_GSO_TCP | PacketSocket.TP_STATUS_CSUMNOTREADY))
                    .isNotZero();
        }
    }

    private static void sendTcp(TxRing tx, long dstMac, int payload, int mss) {
        MemorySegment data = Arena.ofAuto().allocate(payload);
        for (int i = 0; i < payload; i++) data.set(JAVA_BYTE, i, (byte) i);
        OutSegment s = new OutSegment();
        s.srcMac = 0x02_00_00_00_00_02L;
        s.dstMac = dstMac;
        s.ipVersion = 4;
        s.srcLo = SRC & 0xffff_ffffL | 0xffff_0000_0000L;
        s.dstLo = DST & 0xffff_ffffL | 0xffff_0000_0000L;
        s.srcPort = 4000;
        s.dstPort = 5000;
        s.seq = 1_000_000;
        s.ack = 1;
        s.flags = TcpFlags.ACK | TcpFlags.PSH;
        s.window = 1000;
        s.partialChecksum = true;
        s.externalPayloadLength = payload;
        int len = SegmentWriter.frameLength(s);
        long off = tx.claim(len);
        int n = SegmentWriter.write(s, tx.memory(), off, len);
        MemorySegment.copy(data, 0, tx.memory(), off + n - payload, payload);
        tx.commitOffloaded(off, n, mss);
        tx.kick();
    }

    private static void awaitAvailable(TxRing tx, int n) throws InterruptedException {
        for (int t = 0; t < 300; t++) {
            boolean all = true;
            for (int i = 0; i < n; i++) all &= tx.status(i) == TxRing.TP_STATUS_AVAILABLE;
            if (all) return;
            Thread.sleep(10);
        }
        throw new AssertionError("slots not given back by the kernel");
    }
}
