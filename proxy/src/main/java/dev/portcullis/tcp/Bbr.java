package dev.portcullis.tcp;

/**
 * A reduced model-based congestion control after BBR (draft-ietf-ccwg-bbr): the window follows a model of the
 * path, twice the bandwidth-delay product, instead of backing off on every loss. Under random loss (a lossy
 * last mile, the 5 % impaired path) a loss-based controller such as CUBIC stays near Mathis'
 * MSS/RTT * 1.2/sqrt(p), about 5 segments per RTT at 5 %, while the peer's kernel (Linux with bbr) keeps its
 * rate; with this model the window stays at the path's BDP whatever the random loss.
 *
 * <p>What is kept: the delivery rate measured once per round trip (bytes delivered, acknowledged or SACKed,
 * between the round's first and last ACK, a per-round form of the draft's per-packet rate sample), its
 * maximum over the last {@link #BW_ROUNDS} rounds, the minimum RTT seen, a startup that ends when the rate
 * stops growing by a quarter for three rounds (the draft's full-pipe test) and cwnd = 2 x BDP after it. What is
 * left out: pacing (sending stays ACK-clocked), the gain cycle of ProbeBW and ProbeRTT; the window's own
 * headroom over the BDP is what finds more bandwidth. Loss recovery itself (RFC 6675, RACK) is unchanged.
 */
final class Bbr {
    static final int BW_ROUNDS = 10;
    /** Floor of the RTT in the model: our timestamp clock's grain; below it the estimate would shrink the BDP. */
    static final long MIN_RTT_FLOOR_NS = 1_000_000L;

    private Bbr() {}

    static void init(Connection c) {
        c.bbrRoundEndPos = 0;
        c.bbrRoundStartNs = -1;
        c.bbrRoundDelivered = 0;
        java.util.Arrays.fill(c.bbrBw, 0);
        c.bbrRound = 0;
        c.bbrFullBw = 0;
        c.bbrFullBwRounds = 0;
        c.bbrFilledPipe = false;
        c.bbrMinRttNs = Long.MAX_VALUE;
        c.bbrPriorCwnd = 0;
    }

    /**
     * A retransmission timeout: one segment in flight until an ACK shows the path delivers again, then the window
     * from before the timeout, no more than the model's (the draft's save and restore of cwnd around loss
     * recovery). On a lossy path most timeouts come from a lost retransmission, not from a collapse of the path;
     * regrowing from one segment would cost some ten round trips each time.
     */
    static void onTimeout(Connection c) {
        c.bbrPriorCwnd = Math.max(c.bbrPriorCwnd, c.cwnd);
        c.cwnd = c.mss;
    }

    /** Bytes per second: the highest delivery rate of the last rounds. */
    static long maxBw(Connection c) {
        long m = 0;
        for (long b : c.bbrBw) m = Math.max(m, b);
        return m;
    }

    /** The window the model allows: 2 x BDP, at least four segments. */
    static long target(Connection c) {
        long rtt = c.bbrMinRttNs == Long.MAX_VALUE ? 0 : Math.max(c.bbrMinRttNs, MIN_RTT_FLOOR_NS);
        long bdp = (long) ((double) maxBw(c) * rtt / 1e9);
        return Math.max(2 * bdp, 4L * c.mss);
    }

    static void onRttSample(Connection c, long rttNs) {
        if (rttNs > 0 && rttNs < c.bbrMinRttNs) c.bbrMinRttNs = rttNs;
    }

    /**
     * Every ACK, after SND.UNA and the scoreboard were updated: the delivery-rate sample at the end of a round
     * (when the data sent at its start is delivered), then the window. {@code ackedBytes} newly acknowledged.
     */
    static void onAck(Connection c, long ackedBytes, long nowNs) {
        long delivered = c.sndUnaPos + c.sacked.coveredBetween(c.sndUnaPos, Long.MAX_VALUE);
        if (c.bbrRoundStartNs < 0) {
            startRound(c, delivered, nowNs);
        } else if (delivered >= c.bbrRoundEndPos && delivered > c.bbrRoundDelivered) {
            long elapsed = nowNs - c.bbrRoundStartNs;
            if (elapsed > 0) {
                long bw = (long) ((double) (delivered - c.bbrRoundDelivered) * 1e9 / elapsed);
                c.bbrBw[(int) (c.bbrRound++ % BW_ROUNDS)] = bw;
                if (!c.bbrFilledPipe) checkFullPipe(c);
            }
            startRound(c, delivered, nowNs);
        }
        if (ackedBytes <= 0) return;
        long t = target(c);
        if (c.bbrPriorCwnd > 0) {
            c.cwnd = Math.max(c.cwnd, Math.min(c.bbrPriorCwnd, t));
            c.bbrPriorCwnd = 0;
        }
        // startup grows like slow start whatever the loss, until the rate stops growing (capping it at the draft's
        // startup gain over the model measured slower in ImpairedDownloadTest: 11 against 14 MB/s); after it, and
        // after a timeout, toward the target
        if (!c.bbrFilledPipe) c.cwnd += ackedBytes;
        else if (c.cwnd < t) c.cwnd = Math.min(t, c.cwnd + ackedBytes);
        else c.cwnd = t;
    }

    private static void startRound(Connection c, long delivered, long nowNs) {
        c.bbrRoundStartNs = nowNs;
        c.bbrRoundDelivered = delivered;
        c.bbrRoundEndPos = Math.max(c.sndMaxPos(), delivered + 1);
    }

    /** The draft's full-pipe test: three rounds without the rate growing by 25 %. */
    private static void checkFullPipe(Connection c) {
        long bw = maxBw(c);
        if (bw >= c.bbrFullBw * 5 / 4) {
            c.bbrFullBw = bw;
            c.bbrFullBwRounds = 0;
        } else if (++c.bbrFullBwRounds >= 3) {
            c.bbrFilledPipe = true;
        }
    }
}
