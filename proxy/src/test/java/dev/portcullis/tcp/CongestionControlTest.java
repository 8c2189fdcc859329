package dev.portcullis.tcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** CUBIC (RFC 9438), Bbr and the RTO estimator (RFC 6298) on a bare connection, time driven by hand. */
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

    /**
     * One round trip of a bottleneck of {@code bytesPerMs} behind {@code rttMs}: the window goes out at once,
     * its ACKs come back one segment at a time as the bottleneck drains it (a round lasts the RTT or the time to
     * drain the window, whichever is longer). Returns the round's end time.
     */
    private static long bbrRound(Connection c, long now, long bytesPerMs, long rttMs) {
        long window = c.cwnd;
        long start = c.sndUnaPos;
        c.sndMax = c.sndUna + (int) window;
        long drainMs = Math.max(rttMs, window / bytesPerMs);
        int n = (int) (window / c.mss);
        for (int i = 1; i <= n; i++) {
            long t = now + drainMs * 1_000_000L * i / n;
            c.sndUnaPos = start + (long) i * c.mss;
            c.sndUna += c.mss;
            Bbr.onAck(c, c.mss, t);
        }
        return now + drainMs * 1_000_000L;
    }

    @Test
    void bbrSettlesAtTwiceTheBdpAndRestoresItAfterATimeout() {
        Connection c = connection();
        Bbr.init(c);
        Cubic.init(c, 10);
        c.sndEndPos = Long.MAX_VALUE / 2;
        Bbr.onRttSample(c, 20_000_000L);
        long now = 1_000_000_000L;
        for (int round = 0; round < 40; round++) now = bbrRound(c, now, 10_000, 20);   // 10 MB/s, 20 ms
        long bdp = 10_000 * 20;                                                          // 200 segments
        assertThat(c.bbrFilledPipe).as("startup over: the rate stopped growing").isTrue();
        assertThat(Bbr.maxBw(c)).as("delivery rate, bytes/s").isBetween(9_000_000L, 10_500_000L);
        assertThat(c.cwnd).as("2 x BDP").isBetween(2 * bdp * 9 / 10, 2 * bdp * 11 / 10);
        long before = c.cwnd;
        Bbr.onTimeout(c);                             // an RTO leaves one segment in flight ...
        assertThat(c.cwnd).isEqualTo(1000);
        c.sndUnaPos += 1000;
        c.sndUna += 1000;
        Bbr.onAck(c, 1000, now);
        assertThat(c.cwnd).as("... until the first ACK restores the window").isEqualTo(before);
    }
}
