package dev.portcullis.tcp;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.FIN;
import static dev.portcullis.wire.TcpFlags.PSH;

/**
 * Loss recovery after duplicate ACKs: fast retransmit (RFC 5681 §3.2), SACK-based recovery (RFC 6675: the
 * scoreboard, IsLost, SetPipe, NextSeg rules 1 and 3) when SACK was negotiated, NewReno (RFC 6582) otherwise.
 * Works on the connection's fields; segments go out through {@link Sender#transmit}.
 */
final class LossRecovery {
    private final EngineCore core;
    private final EngineConfig cfg;
    private final Sender sender;

    LossRecovery(EngineCore core, Sender sender) {
        this.core = core;
        this.cfg = core.cfg;
        this.sender = sender;
    }

    /** Retransmits the first unacknowledged segment (fast retransmit, NewReno partial ACK, RFC 6675 step 4). */
    void retransmitHead(Connection c) {
        long pos = c.sndUnaPos;
        long end = c.sndMaxPos();
        if (c.sackOn) end = Math.min(end, c.sacked.nextCovered(pos));
        int len = (int) Math.max(0, Math.min(sender.payloadRoom(c), end - pos));
        boolean fin = c.finSent && pos + len == c.sndEndPos && Seq.gt(c.sndMax, c.finSeq());
        if (len == 0 && !fin) return;
        int flags = ACK | (fin ? FIN : 0) | (len > 0 && pos + len == c.sndEndPos ? PSH : 0);
        sender.transmit(c, c.sndUna, flags, pos, len);
        core.ctr.retransmits++;
        core.ctr.retransmitsFast++;
        c.retransmits++;
        if (c.highRxtPos < pos + len) c.highRxtPos = pos + len;
        c.rxtHeadPos = pos;
        c.rxtHeadMark = c.sndMaxPos();
        if (c.rtoDeadline == Long.MAX_VALUE) c.rtoDeadline = core.nowNs + Rtt.backedOff(c, cfg);
    }

    // ---------------------------------------------------------------- SACK loss recovery (RFC 6675)

    /** Linux's tcp_max_reordering: the most reordering, in segments, that loss detection waits out. */
    static final int MAX_REORDERING = 300;

    /**
     * Unsacked bytes below this position count as lost: more than (DupThresh - 1) * SMSS are SACKed above.
     * DupThresh is the reordering the path has shown ({@link #noteReordering}; RFC 6675 §1 leaves it open,
     * RFC 4653 §3 raises it), but never more than half the flight, so that a short flight still finds its
     * losses by ACKs rather than by the timer.
     */
    long lostBoundary(Connection c) {
        long sum = 0, threshold = Math.max(2L * c.mss, Math.min((c.reordering - 1L) * c.mss, c.flightBytes() / 2));
        RangeSet r = c.sacked;
        for (int i = r.count() - 1; i >= 0; i--) {
            sum += r.end(i) - r.start(i);
            if (sum > threshold) return r.start(i);
        }
        return c.sndUnaPos;
    }

    /** RFC 6675 §4 SetPipe(), by ranges instead of octet by octet. */
    long pipe(Connection c) {
        long una = c.sndUnaPos;
        RangeSet r = c.sacked;
        long fack = Math.max(r.highest(una), una);
        long maxPos = c.sndMaxPos();
        long lb = Math.max(lostBoundary(c), una);
        long p = Math.max(0, maxPos - fack);
        if (fack > lb) p += (fack - lb) - r.coveredBetween(lb, fack);       // holes not yet deemed lost
        long rx = Math.min(c.highRxtPos, lb);
        if (rx > una) p += (rx - una) - r.coveredBetween(una, rx);           // lost holes already resent
        return p;
    }

    void sackRecovery(Connection c) {
        for (int guard = 0; guard < 1024; guard++) {
            if (c.cwnd - pipe(c) < c.mss) return;
            long lb = lostBoundary(c);
            long h = c.sacked.nextUncovered(Math.max(c.highRxtPos, c.sndUnaPos));
            long fack = c.sacked.highest(c.sndUnaPos);
            long end;
            if (h < lb && h < c.sndMaxPos()) {
                end = Math.min(Math.min(c.sacked.nextCovered(h), lb), c.sndMaxPos());   // NextSeg rule 1: lost
            } else if (h < fack && !canSendNew(c)) {
                end = Math.min(c.sacked.nextCovered(h), c.sndMaxPos());              // rule 3: no new data
            } else {
                return;                                                              // rule 2: new data next
            }
            int len = (int) Math.min(sender.payloadRoom(c), end - h);
            if (len <= 0) return;
            sender.transmit(c, c.sndSeq(h), ACK, h, len);
            core.ctr.retransmits++;
            core.ctr.retransmitsFast++;
            c.retransmits++;
            c.highRxtPos = h + len;
            if (h == c.sndUnaPos) {
                c.rxtHeadPos = h;
                c.rxtHeadMark = c.sndMaxPos();
            }
        }
    }

    /**
     * A lost retransmission of the segment at SND.UNA (Linux's lost-retransmit detection; the idea of RFC 8985
     * §6.2 for this one segment). RFC 6675 retransmits a hole once per recovery, so losing that retransmission
     * would leave the rest to the retransmission timer: at 2 % loss one recovery in fifty, each costing an RTO
     * and a restart from one segment. Data first sent after the retransmission is SACKed in more than
     * (DupThresh - 1) * SMSS, the same evidence IsLost uses: the retransmission is deemed lost and resent. Called
     * for each ACK during SACK recovery, after the scoreboard and SND.UNA have been updated.
     */
    void checkLostRetransmission(Connection c) {
        if (!c.inRecovery) checkLostAfterTimeout(c);
        if (!c.inRecovery || !c.recoveryIsSack || c.sndUna == c.sndMax) return;
        if (c.rxtHeadPos != c.sndUnaPos) {
            if (c.sndUnaPos >= c.highRxtPos) return;     // the head has not been resent in this recovery
            // a partial ACK moved SND.UNA onto a hole resent earlier; when is unknown, so take now: later than
            // the truth, which can only delay the verdict, never make it wrong
            c.rxtHeadPos = c.sndUnaPos;
            c.rxtHeadMark = c.sndMaxPos();
            return;
        }
        long mark = c.rxtHeadMark;
        RangeSet r = c.sacked;
        if (r.coveredBetween(mark, r.highest(mark)) <= 2L * c.mss) return;
        core.ctr.lostRetransmits++;
        retransmitHead(c);   // records the new mark: each resend needs its own evidence
    }

    /**
     * Data at {@code holeStart}, never retransmitted, arrived (SACKed or cumulatively acknowledged) after data up
     * to {@code highestSacked} had been SACKed: the path reordered it by that many bytes, and a DupThresh below
     * that would call such a segment lost and resend it for nothing (Linux's tcp_check_sack_reordering; the
     * bench's impairment holds 5 % of the frames back by 5 ms, dozens of segments). Not while a timeout's
     * resending is under way, whose retransmissions this cannot tell from originals.
     */
    void noteReordering(Connection c, long holeStart, long highestSacked) {
        if (highestSacked <= holeStart || holeStart < c.highRxtPos || c.backoff > 0 || Seq.lt(c.sndNxt, c.sndMax)) return;
        long degree = (highestSacked - holeStart + c.mss - 1) / c.mss + 1;
        if (degree > c.reordering) {
            c.reordering = (int) Math.min(degree, MAX_REORDERING);
            core.ctr.reorderingSeen++;
        }
    }

    /**
     * After a timeout everything unacknowledged and unSACKed is resent once; RFC 6675 §5.1 then forbids a new
     * recovery until all data sent before the timeout is acknowledged, so a lost resend (at 5 % loss, one of
     * a few hundred surely is) waits for the next timeout, and those come in a cascade. That rule keeps a loss
     * from cutting the window twice, which {@link Bbr} never does: there, new data first sent after the resend
     * and SACKed in more than (DupThresh - 1) * SMSS (the evidence of {@link #checkLostRetransmission}) shows
     * the resend at SND.UNA lost, and SACK recovery starts (RFC 8985 §4 detects lost retransmissions in the
     * same way, by later data delivered, in every state).
     */
    private void checkLostAfterTimeout(Connection c) {
        if (c.rtoMarkPos < 0) return;
        if (c.sndUnaPos >= c.rtoMarkPos || !cfg.bbr || !c.sackOn) {
            c.rtoMarkPos = -1;
            return;
        }
        RangeSet r = c.sacked;
        if (r.coveredBetween(c.rtoMarkPos, r.highest(c.rtoMarkPos)) <= 2L * c.mss) return;
        c.rtoMarkPos = -1;
        core.ctr.lostRetransmits++;
        enterRecovery(c);
    }

    /** Whether new data could go out now (RFC 6675 NextSeg rule 2). */
    private static boolean canSendNew(Connection c) {
        long nxt = c.sndPos(c.sndMax);
        return c.sndEndPos > nxt && c.sndUnaPos + c.sndWnd > nxt;
    }

    void onDupAck(Connection c) {
        c.dupAcks++;
        if (!c.inRecovery) {
            boolean lost = c.dupAcks >= Math.max(3, Math.min(c.reordering, c.flightBytes() / 2 / c.mss))
                    || (c.sackOn && lostBoundary(c) > c.sndUnaPos);
            // RFC 6582 §3.2 step 2: no new recovery until everything sent before the last one is acknowledged
            if (lost && Seq.ge(c.sndUna, c.recoverSeq)) enterRecovery(c);
        } else if (!c.recoveryIsSack && !cfg.bbr) {
            c.cwnd += c.mss; // RFC 6582 §3.2 step 4: inflate by one segment per duplicate
        }
    }

    void enterRecovery(Connection c) {
        c.inRecovery = true;
        if (c.probeArmed) {
            c.probeArmed = false;                 // no probes in recovery (RFC 8985 §7.2): the RTO runs instead
            c.rtoDeadline = core.nowNs + Rtt.backedOff(c, cfg);
        }
        c.recoverSeq = c.sndMax;
        c.rttTiming = false;
        if (!cfg.bbr) Cubic.onCongestion(c);       // the model's window does not answer a loss (Bbr)
        core.ctr.fastRetransmits++;
        c.rxtHeadPos = -1;
        if (c.sackOn) {
            c.recoveryIsSack = true;
            if (!cfg.bbr) c.cwnd = c.ssthresh;   // RFC 6675 §5 step 4.2
            c.highRxtPos = c.sndUnaPos;
            core.ctr.sackRecoveries++;
        } else {
            c.recoveryIsSack = false;
            if (!cfg.bbr) c.cwnd = c.ssthresh + 3L * c.mss;    // RFC 6582 §3.2 step 3
            core.ctr.renoRecoveries++;
        }
        retransmitHead(c);
    }
}
