package dev.portcullis.tcp;

import dev.portcullis.wire.ParsedFrame;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.CWR;
import static dev.portcullis.wire.TcpFlags.FIN;
import static dev.portcullis.wire.TcpFlags.RST;
import static dev.portcullis.wire.TcpFlags.SYN;

/**
 * Segment arrival on a synchronized connection, in the order of RFC 9293 §3.10.7.4 with PAWS (RFC 7323 §5) and
 * the blind-attack checks of RFC 5961; in-order data into the receive buffer, out-of-order data into place with
 * SACK ranges (RFC 2018), delayed ACKs (RFC 9293 §3.8.6.3, RFC 5681 §4.2), the advertised window with receiver
 * SWS avoidance (RFC 9293 §3.8.6.2.2) and the FIN states.
 */
final class Receiver {
    private static final long PAWS_IDLE_NS = 24L * 24 * 3600 * 1_000_000_000L; // RFC 7323 §5.5: 24 days

    private final EngineCore core;
    private final EngineConfig cfg;

    Receiver(EngineCore core) {
        this.core = core;
        this.cfg = core.cfg;
    }

    void onSegment(Connection c, ParsedFrame f) {
        int flags = f.flags;
        boolean rst = (flags & RST) != 0, syn = (flags & SYN) != 0, fin = (flags & FIN) != 0;
        int segLen = f.payloadLength + (syn ? 1 : 0) + (fin ? 1 : 0);
        core.ctr.bytesIn += f.payloadLength;

        // RFC 7323 §5.3 R1: PAWS
        if (c.tsOn && f.hasTimestamp && !rst && Seq.lt(f.tsVal, c.tsRecent)
                && core.nowNs - c.tsRecentNs < PAWS_IDLE_NS) {
            core.ctr.dropsPaws++;
            rateLimitedAck(c, f);
            return;
        }
        // first: the sequence number (RFC 9293 §3.10.7.4 table)
        if (!acceptable(c, f.seq, segLen, f.payloadLength)) {
            core.ctr.dropsNotAcceptable++;
            if (syn && !rst) challengeAck(c);   // RFC 5961 §4.2: a SYN is challenged whatever its sequence number
            else if (!rst) rateLimitedAck(c, f);
            return;
        }
        c.lastActivityNs = core.nowNs;
        if (c.ecnOn) {
            if ((flags & CWR) != 0) c.ceSeen = false;     // RFC 3168 §6.1.3: the sender has reduced
            if ((f.trafficClass & 3) == 3 && f.payloadLength > 0) {
                c.ceSeen = true;                          // Congestion Experienced: echo ECE from now on
                c.ackNow = true;
                core.ctr.ecnCeReceived++;
            }
        }
        // second: RST. RFC 5961 §3.2: only an exact match resets; anything else in the window is challenged
        if (rst) {
            if (f.seq == c.rcvNxt) {
                core.ctr.resetsReceived++;
                core.finish(c, CloseReason.RESET_BY_PEER);
            } else {
                challengeAck(c);
            }
            return;
        }
        // fourth: SYN. RFC 5961 §4.2: always a challenge ACK, never a reset
        if (syn) {
            challengeAck(c);
            return;
        }
        // fifth: ACK
        if ((flags & ACK) == 0) {
            core.ctr.dropsNoAck++;
            return;
        }
        // RFC 5961 §5.2: acceptable only within [SND.UNA - MAX.SND.WND, SND.NXT]
        if (Seq.gt(f.ack, c.sndMax) || Seq.lt(f.ack, c.sndUna - Math.max(c.maxSndWnd, 1))) {
            core.ctr.dropsBadAck++;
            challengeAck(c);
            return;
        }
        // RFC 7323 §4.3: TS.Recent follows the segment that holds Last.ACK.sent
        if (c.tsOn && f.hasTimestamp && Seq.ge(f.tsVal, c.tsRecent) && Seq.le(f.seq, c.lastAckSent)) {
            c.tsRecent = f.tsVal;
            c.tsRecentNs = core.nowNs;
        }
        core.sender.onAck(c, f);
        if (c.tcpDone) return;
        // seventh: segment text
        if (f.payloadLength > 0) {
            if (c.appClosed && TcpState.canReceive(c.state) && Seq.gt(f.seq + f.payloadLength, c.rcvNxt)) {
                // nobody will read it: RFC 9293 §3.10.4 / RFC 2525 §2.17, reset
                core.ctr.dropsAfterClose++;
                core.sender.sendReset(c);
                core.finish(c, CloseReason.ABORTED);
                return;
            }
            if (TcpState.canReceive(c.state)) receiveData(c, f);
        }
        if (c.finPos >= 0 && c.finPos == c.rcvNxtPos && !c.finReceived && TcpState.canReceive(c.state)) {
            c.finPos = -1;  // the FIN that arrived beyond a hole now lines up
            onFin(c);
        }
        // eighth: FIN
        if (fin && TcpState.canReceive(c.state)) {
            int finSeq = f.seq + f.payloadLength;
            if (finSeq == c.rcvNxt) {
                onFin(c);
            } else if (Seq.gt(finSeq, c.rcvNxt)) {
                long p = c.rcvPos(finSeq);  // FIN beyond a hole: remember where it goes
                if (p <= c.readPos + c.rcv.capacity()) c.finPos = p;
                c.ackNow = true;
            }
        }
        finishSegment(c);
    }

    /** Common tail: send what may now be sent, then any ACK still owed, then timers. */
    void finishSegment(Connection c) {
        if (c.tcpDone) return;
        core.sender.output(c);
        if (c.ackNow) core.sender.sendAck(c);
        if (c.state == TcpState.TIME_WAIT && c.inTable) {
            core.timeWait.enter(c);
            return;
        }
        core.timers.arm(c);
    }

    /** RFC 9293 §3.10.7.4: the four cases of the acceptability test, against the window we advertised. */
    private boolean acceptable(Connection c, int seq, int segLen, int payloadLen) {
        int wnd = Math.max(0, c.rcvAdvRight - c.rcvNxt);
        if (segLen == 0) {
            return wnd == 0 ? seq == c.rcvNxt : Seq.inRange(seq, c.rcvNxt, c.rcvNxt + wnd);
        }
        if (wnd == 0) return payloadLen == 0 && seq == c.rcvNxt; // a bare FIN needs no buffer space
        int end = seq + segLen - 1;
        return Seq.inRange(seq, c.rcvNxt, c.rcvNxt + wnd) || Seq.inRange(end, c.rcvNxt, c.rcvNxt + wnd);
    }

    private void receiveData(Connection c, ParsedFrame f) {
        int seq = f.seq;
        int len = f.payloadLength;
        long srcOff = f.payloadOffset;
        int skip = c.rcvNxt - seq;
        if (skip > 0) { // the front was received already
            dsack(c, seq, seq + Math.min(skip, len));
            seq += skip;
            len -= skip;
            srcOff += skip;
        }
        if (len <= 0) {
            c.ackNow = true;
            return;
        }
        long pos = c.rcvPos(seq);
        long limit = c.readPos + c.rcv.capacity();
        if (pos + len > limit) len = (int) (limit - pos);
        if (len <= 0) {
            c.ackNow = true;
            return;
        }
        if (pos == c.rcvNxtPos) {
            int w = c.rcv.write(pos, f.frame, srcOff, len);
            if (w < len) core.ctr.dropsMemory++;
            if (w <= 0) {
                c.ackNow = true;
                return;
            }
            advanceRcv(c, w);
            c.bytesSinceAck += w;
            if (!c.ooo.isEmpty()) {
                // RFC 5681 §4.2: the segment filled (part of) a hole: ACK at once
                c.ooo.removeBelow(c.rcvNxtPos);
                long e = c.ooo.takeFrom(c.rcvNxtPos);
                if (e > c.rcvNxtPos) advanceRcv(c, (int) (e - c.rcvNxtPos));
                c.ackNow = true;
            }
            // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: ACK at least every second full-sized segment
            if (c.bytesSinceAck >= 2 * rcvMss(c)) c.ackNow = true;
            else if (c.delackDeadline == Long.MAX_VALUE) c.delackDeadline = core.nowNs + cfg.delayedAckNs;
            core.events.onReadable(c.id);
        } else {
            // out of order: keep it in place, report it in SACK blocks, and ACK at once (RFC 5681 §4.2)
            core.ctr.oooSegments++;
            c.ackNow = true;
            if (c.ooo.coveredBetween(pos, pos + len) == len) dsack(c, seq, seq + len); // held already
            int w = c.rcv.write(pos, f.frame, srcOff, len);
            if (w < len) core.ctr.dropsMemory++;
            if (w > 0 && !c.ooo.add(pos, pos + w)) core.ctr.dropsOooFull++;
        }
        core.updateMemoryGauge();
    }

    /** RFC 2883: report [left, right) as a duplicate in our next segment. */
    private static void dsack(Connection c, int left, int right) {
        if (!c.sackOn) return;
        c.dsackPending = true;
        c.dsackLeft = left;
        c.dsackRight = right;
    }

    private void advanceRcv(Connection c, int n) {
        c.rcvNxtPos += n;
        c.rcvNxt += n;
    }

    /** The size of a full segment from the peer, as we told it in our MSS option. */
    private int rcvMss(Connection c) {
        return core.linkMss(c.v6) - (c.tsOn ? 12 : 0);
    }

    private void onFin(Connection c) {
        c.rcvNxt++;
        c.finReceived = true;
        c.ackNow = true; // RFC 9293 §3.10.7.4 eighth: acknowledge the FIN
        switch (c.state) {
            case TcpState.ESTABLISHED -> core.setState(c, TcpState.CLOSE_WAIT);
            case TcpState.FIN_WAIT_1 -> core.setState(c, TcpState.CLOSING); // our FIN is not acknowledged yet
            case TcpState.FIN_WAIT_2 -> {
                core.setState(c, TcpState.TIME_WAIT);
                c.finWait2Deadline = Long.MAX_VALUE;
            }
            default -> { }
        }
        core.events.onPeerFin(c.id);
        core.events.onReadable(c.id);
    }

    /** Our FIN was acknowledged (RFC 9293 §3.10.7.4, FIN-WAIT-1, CLOSING, LAST-ACK). */
    void onFinAcked(Connection c) {
        switch (c.state) {
            case TcpState.FIN_WAIT_1 -> {
                core.setState(c, TcpState.FIN_WAIT_2);
                if (c.appClosed && cfg.finWait2TimeoutNs > 0) c.finWait2Deadline = core.nowNs + cfg.finWait2TimeoutNs;
            }
            case TcpState.CLOSING -> core.setState(c, TcpState.TIME_WAIT);
            case TcpState.LAST_ACK -> core.finish(c, CloseReason.NORMAL);
            default -> { }
        }
    }

    // ---------------------------------------------------------------- ACKs and the window

    /** An ACK for an unacceptable segment (RFC 9293 §3.10.7.4), rate-limited per connection like Linux. */
    private void rateLimitedAck(Connection c, ParsedFrame f) {
        if (f.payloadLength > 0 && (f.flags & SYN) == 0) {
            // data cannot be part of an ACK loop (Linux's tcp_oow_rate_limited): a duplicate, a PAWS-rejected
            // or an old retransmission is answered every time, with a D-SACK when it lies below RCV.NXT
            // (RFC 2883 §4), so that the peer learns its retransmission was spurious
            if (Seq.le(f.seq + f.payloadLength, c.rcvNxt)) dsack(c, f.seq, f.seq + f.payloadLength);
            core.sender.sendAck(c);
            core.timers.arm(c);
            return;
        }
        if (c.challenge.tryAcquire(core.nowNs)) core.sender.sendAck(c);
        else core.ctr.challengeAcksSuppressed++;
        core.timers.arm(c);
    }

    /**
     * RFC 5961 §7: challenge ACKs are limited per connection and, as a ceiling, for all connections; a global
     * limit alone is the side channel of CVE-2016-5696.
     */
    void challengeAck(Connection c) {
        if (c.challenge.tryAcquire(core.nowNs) && core.challengeGlobal.tryAcquire(core.nowNs)) {
            core.ctr.challengeAcksSent++;
            core.sender.sendAck(c);
        } else {
            core.ctr.challengeAcksSuppressed++;
        }
        core.timers.arm(c);
    }

    /** Free receive space, bounded by what the pool can still hand out. */
    private long freeSpace(Connection c) {
        long free = c.rcv.capacity() - (c.rcvNxtPos - c.readPos);
        long poolFree = (long) core.pool.freeChunks() * cfg.chunkBytes;
        return Math.max(0, Math.min(free, poolFree + (cfg.chunkBytes - (c.rcvNxtPos & (cfg.chunkBytes - 1)))));
    }

    /**
     * The window field of our next segment (RFC 7323 §2.3 scaled). RFC 9293 §3.8.6.2.2: the right edge never
     * moves left, and it moves right only by at least min(buffer / 2, MSS) at a time.
     */
    int windowField(Connection c) {
        long current = Math.max(0, c.rcvAdvRight - c.rcvNxt);
        long free = freeSpace(c);
        long wnd = current;
        if (free > current) {
            long step = Math.min(c.rcv.capacity() / 2, rcvMss(c));
            if (free - current >= step || free == c.rcv.capacity()) wnd = free;
        }
        int shift = c.rcvWs;
        long raw = wnd >> shift;
        if ((raw << shift) < current) raw++;   // rounding must not shrink the right edge
        raw = Math.min(raw, 65535);
        int right = c.rcvNxt + (int) (raw << shift);
        if (Seq.gt(right, c.rcvAdvRight)) c.rcvAdvRight = right;
        return (int) raw;
    }

    /** After the application read: tell the peer when the window opened enough (RFC 9293 §3.8.6.2.2). */
    void afterRead(Connection c) {
        if (c.tcpDone || !TcpState.canReceive(c.state)) return;
        long current = Math.max(0, c.rcvAdvRight - c.rcvNxt);
        long free = freeSpace(c);
        long step = Math.min(c.rcv.capacity() / 2, rcvMss(c));
        if (free - current >= step) {
            core.ctr.windowUpdates++;
            core.sender.sendAck(c);
            core.timers.arm(c);
        }
    }
}
