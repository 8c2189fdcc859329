package dev.portcullis.tcp;

/** The retransmission timer's estimator (RFC 6298 §2), in nanoseconds, with Linux's 200 ms floor by default. */
final class Rtt {
    private Rtt() {}

    static void init(Connection c, EngineConfig cfg) {
        c.rttValid = false;
        c.srttNs = 0;
        c.rttvarNs = 0;
        c.rtoNs = cfg.initialRtoNs; // RFC 6298 §2.1: 1 s
    }

    /** RFC 6298 §2.2 / §2.3: folds in one measurement {@code r}. */
    static void sample(Connection c, long r, EngineConfig cfg) {
        if (r < 0) return;
        Bbr.onRttSample(c, r);
        if (!c.rttValid) {
            c.srttNs = r;
            c.rttvarNs = r / 2;
            c.rttValid = true;
        } else {
            long err = Math.abs(c.srttNs - r);
            c.rttvarNs = c.rttvarNs - (c.rttvarNs >> 2) + (err >> 2);   // beta = 1/4
            c.srttNs = c.srttNs - (c.srttNs >> 3) + (r >> 3);           // alpha = 1/8
        }
        c.rtoNs = bound(c.srttNs + Math.max(cfg.timerTickNs, 4 * c.rttvarNs), cfg);
    }

    static long bound(long rto, EngineConfig cfg) {
        return Math.min(cfg.maxRtoNs, Math.max(cfg.minRtoNs, rto));
    }

    /** RFC 6298 §5.5: the timer backs off by doubling, up to the maximum. */
    static long backedOff(Connection c, EngineConfig cfg) {
        long rto = c.rtoNs;
        for (int i = 0; i < c.backoff && rto < cfg.maxRtoNs; i++) rto <<= 1;
        return Math.min(rto, cfg.maxRtoNs);
    }
}
