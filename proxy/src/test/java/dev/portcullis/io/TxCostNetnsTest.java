package dev.portcullis.io;

import dev.portcullis.testing.NetNs;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one SYN-ACK-sized frame costs the sending thread (its CPU time, user and kernel, which on veth includes the
 * receiving side's softirq work) through the sendmmsg batch and through the plain TX ring: the same frames, the
 * same batches of 64, interleaved over three rounds so that the machine's other load hits both alike. The frames go to a MAC nobody has, so the far side drops them at once.
 * Prints the figures; checks that every frame was handed over and none was dropped.
 */
class TxCostNetnsTest {
    static final int FRAMES = 200_000, BATCH = 64, ROUNDS = 3;
    NetNs net;
    String a, b;
    NetNs.Veth link;

    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(TxCostNetnsTest.class);
    }

    @BeforeEach
    void topology() throws Exception {
        net = new NetNs();
        a = net.namespace();
        b = net.namespace();
        link = net.veth(a, b);
    }

    @AfterEach
    void teardown() throws Exception {
        if (net != null) net.close();
    }

    @Test
    void perFrameCpuOfSendmmsgAndTheTxRing() throws Exception {
        String[] names = {"sendmmsg", "tx ring (qdisc bypass)"};
        double[][] ns = new double[2][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < 2; k++) {
                int kind = k;
                try (PacketSocket s = net.inNamespace(a, () -> open(kind))) {
                    ns[k][round] = run(s);
                    assertThat(s.txFrames).isEqualTo(FRAMES);
                    assertThat(s.txDropped + s.txErrors).isZero();
                }
            }
        }
        for (int k = 0; k < 2; k++) {
            double best = Math.min(ns[k][0], Math.min(ns[k][1], ns[k][2]));
            System.out.printf(Locale.ROOT, "FIGURE tx_cpu_ns_per_synack_frame %s: best %.0f ns (rounds %.0f / %.0f / %.0f)%n",
                    names[k], best, ns[k][0], ns[k][1], ns[k][2]);
        }
    }

    /** 0: sendmmsg; 1: the plain TX ring. */
    private PacketSocket open(int kind) throws Exception {
        return switch (kind) {
            case 0 -> PacketSocket.open(link.a(), RingOptions.defaults(), PacketSocket.Filter.none(), null, null);
            default -> PacketSocket.open(link.a(), RingOptions.defaults(), PacketSocket.Filter.none(),
                    TxRing.Options.defaults(false), null);
        };
    }

    /** Sends FRAMES SYN-ACK-sized frames in batches; returns the thread's CPU ns per frame. */
    private static double run(PacketSocket s) {
        OutSegment seg = new OutSegment();
        seg.srcMac = s.mac();
        seg.dstMac = 0x02_99_99_99_99_99L;
        seg.ipVersion = 4;
        seg.srcLo = 0xffff_0a4d_0003L;
        seg.srcPort = 80;
        seg.flags = TcpFlags.SYN | TcpFlags.ACK;
        seg.window = 65535;
        seg.mss = 1460;
        seg.windowScale = 7;
        seg.sackPermitted = true;
        seg.hasTimestamp = true;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < FRAMES; i++) {
            seg.dstLo = 0xffff_6440_0000L | (i & 0x3f_ffff);
            seg.dstPort = 1024 + (i & 0x7fff);
            seg.seq = i * 7919;
            seg.ack = i;
            seg.tsVal = i;
            long off = s.claim(1518);
            int len = SegmentWriter.write(seg, s.buffer(), off, 1518);
            s.commit(off, len);
            if ((i + 1) % BATCH == 0) s.flush();
        }
        s.flush();
        return (double) (mx.getCurrentThreadCpuTime() - cpu0) / FRAMES;
    }
}
