package dev.portcullis.tcp;

/**
 * CUBIC congestion control (RFC 9438) with standard slow start (RFC 5681 §3.1). Windows are kept in bytes on
 * the connection; the cubic function works in segments, as the RFC writes it.
 */
final class Cubic {
    static final double C = 0.4;       // RFC 9438 §4.1
    static final double BETA = 0.7;    // RFC 9438 §4.6
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA); // RFC 9438 §4.3

    private Cubic() {}

    static void init(Connection c, int initialSegments) {
        c.cwnd = (long) initialSegments * c.mss;
        c.ssthresh = Long.MAX_VALUE / 4;
        c.cubicEpochNs = 0;
        c.cubicWmax = 0;
    }

    /** New data acknowledged outside loss recovery. */
    static void onAck(Connection c, long ackedBytes, long nowNs) {
        if (ackedBytes <= 0) return;
        int mss = c.mss;
        if (c.cwnd < c.ssthresh) {
            // RFC 5681 §3.1 with RFC 3465's L = 2: grow by at most two segments per ACK
            c.cwnd += Math.min(ackedBytes, 2L * mss);
            return;
        }
        double cwndSeg = (double) c.cwnd / mss;
        if (c.cubicEpochNs == 0) {
            // RFC 9438 §4.2: a new congestion-avoidance epoch
            c.cubicEpochNs = nowNs;
            if (cwndSeg < c.cubicWmax) {
                c.cubicK = Math.cbrt((c.cubicWmax - cwndSeg) / C);
                c.cubicOrigin = c.cubicWmax;
            } else {
                c.cubicK = 0;
                c.cubicOrigin = cwndSeg;
            }
            c.cubicWest = cwndSeg;
        }
        double rtt = c.rttValid ? c.srttNs / 1e9 : 0.1;
        double t = (nowNs - c.cubicEpochNs) / 1e9;
        double target = c.cubicOrigin + C * Math.pow(t + rtt - c.cubicK, 3); // W_cubic(t + RTT), §4.2
        double acked = (double) ackedBytes / mss;
        // RFC 9438 §4.3: the Reno-friendly estimate
        c.cubicWest += ALPHA * acked / cwndSeg;
        double next;
        if (target < c.cubicWest) {
            next = c.cubicWest;
        } else {
            // §4.4 / §4.5: move toward the target, at most 1.5x per RTT
            target = Math.min(target, 1.5 * cwndSeg);
            next = cwndSeg + Math.max(0, (target - cwndSeg)) * acked / cwndSeg;
        }
        c.cwnd = Math.max(c.cwnd, (long) (next * mss));
    }

    /** RFC 9438 §4.6 / §4.7: a loss detected by duplicate ACKs or SACK. */
    static void onCongestion(Connection c) {
        double cwndSeg = (double) c.cwnd / c.mss;
        // fast convergence
        c.cubicWmax = cwndSeg < c.cubicWmax ? cwndSeg * (1 + BETA) / 2 : cwndSeg;
        c.ssthresh = Math.max((long) (c.cwnd * BETA), 2L * c.mss);
        c.cubicEpochNs = 0;
    }

    /** RFC 9438 §4.8 / RFC 5681 §3.1 (eq. 4): a retransmission timeout; the window restarts at one segment. */
    static void onTimeout(Connection c) {
        if (!c.inRecovery) onCongestion(c);
        c.cwnd = c.mss;
        c.cubicEpochNs = 0;
    }
}
