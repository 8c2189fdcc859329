package dev.portcullis.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** CUBIC (RFC 9438) and the RTO estimator (RFC 6298) on a bare connection, time driven by hand. */
class CongestionControlTest {
    private static Connection connection() {
        EngineConfig cfg = EngineConfig.builder().localMac(1).vipV4(1).listen(80, 1).memoryBudgetBytes(1 << 16).build();
        Connection c = new Connection(0, new BufferPool(1 << 16, 4096), cfg);
        c.reset();
        c.mss = 1000;
        return c;
    }

    /** Acknowledges one window per RTT for {@code seconds}; returns cwnd in segments at the end. */
    private static double run(Connection c, long startNs, double seconds, long rttNs) {
        long now = startNs;
        long end = startNs + (long) (seconds * 1e9);
        while (now < end) {
            long window = c.cwnd;
            for (long acked = 0; acked < window; acked += c.mss) Cubic.onAck(c, c.mss, now);
            now += rttNs;
        }
        return (double) c.cwnd / c.mss;
    }

    @Test
    void cubicRegrowsToWmaxAfterKAndProbesBeyond() {
        Connection c = connection();
        c.rttValid = true;
        c.srttNs = 100_000_000L;
        c.cwnd = 100_000;            // 100 segments
        c.ssthresh = 50_000;         // in congestion avoidance
        Cubic.onCongestion(c);
        assertThat(c.ssthresh).isEqualTo(70_000);     // beta = 0.7 (RFC 9438 §4.6)
        c.cwnd = c.ssthresh;
        double k = Math.cbrt(100 * (1 - Cubic.BETA) / Cubic.C); // RFC 9438 §4.2 eq. 2: about 4.2 s
        long t0 = 1_000_000_000L;
        double early = run(c, t0, k / 2, 100_000_000L);
        assertThat(early).as("concave region, below W_max").isBetween(80.0, 100.0);
        double atK = run(c, t0 + (long) (k / 2 * 1e9), k / 2, 100_000_000L);
        assertThat(atK).as("W_max regained near t = K").isBetween(97.0, 106.0);
        double later = run(c, t0 + (long) (k * 1e9), 2.0, 100_000_000L);
        assertThat(later).as("convex region: probing above W_max").isGreaterThan(atK + 3);
    }

    @Test
    void slowStartGrowsPerAckAndTimeoutRestartsAtOneSegment() {
        Connection c = connection();
        Cubic.init(c, 10);
        assertThat(c.cwnd).isEqualTo(10_000);
        Cubic.onAck(c, 1000, 1);
        assertThat(c.cwnd).isEqualTo(11_000);           // RFC 5681 §3.1
        Cubic.onAck(c, 5000, 2);
        assertThat(c.cwnd).isEqualTo(13_000);           // at most 2 SMSS per ACK (RFC 3465 L = 2)
        Cubic.onTimeout(c);
        assertThat(c.cwnd).isEqualTo(1000);             // RFC 5681 §3.1 loss window
        assertThat(c.ssthresh).isEqualTo(9100);         // 0.7 * 13000
    }

    @Test
    void rtoFollowsRfc6298WithTheLinuxFloor() {
        EngineConfig cfg = EngineConfig.builder().localMac(1).vipV4(1).listen(80, 1).build();
        Connection c = connection();
        Rtt.init(c, cfg);
        assertThat(c.rtoNs).isEqualTo(1_000_000_000L);  // §2.1
        Rtt.sample(c, 400_000_000L, cfg);               // §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR
        assertThat(c.srttNs).isEqualTo(400_000_000L);
        assertThat(c.rttvarNs).isEqualTo(200_000_000L);
        assertThat(c.rtoNs).isEqualTo(1_200_000_000L);
        Rtt.sample(c, 200_000_000L, cfg);               // §2.3
        assertThat(c.rttvarNs).isEqualTo(200_000_000L); // 3/4 * 200 + 1/4 * 200
        assertThat(c.srttNs).isEqualTo(375_000_000L);   // 7/8 * 400 + 1/8 * 200
        for (int i = 0; i < 50; i++) Rtt.sample(c, 1_000_000L, cfg);
        assertThat(c.rtoNs).isEqualTo(200_000_000L);    // the floor (Linux TCP_RTO_MIN)
        c.backoff = 3;
        assertThat(Rtt.backedOff(c, cfg)).isEqualTo(1_600_000_000L); // §5.5
        c.backoff = 30;
        assertThat(Rtt.backedOff(c, cfg)).isEqualTo(120_000_000_000L); // capped
    }
}
