package dev.portcullis.tcp;

import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.CWR;
import static dev.portcullis.wire.TcpFlags.ECE;
import static dev.portcullis.wire.TcpFlags.FIN;
import static dev.portcullis.wire.TcpFlags.PSH;
import static dev.portcullis.wire.TcpFlags.RST;

/**
 * The sending half of a connection: segmenting the send buffer to the MSS within the peer's window and cwnd
 * (RFC 9293 §3.8.6), acknowledgment processing with RTT samples (RFC 6298, RFC 7323 §4), the retransmission and
 * persist timers, ECN's sender side (RFC 3168), and every segment's header: ACK, window, timestamps and SACK
 * blocks. Loss recovery after duplicate ACKs is {@link LossRecovery}.
 */
final class Sender {
    private final EngineCore core;
    private final EngineConfig cfg;
    private final LossRecovery recovery;

    Sender(EngineCore core) {
        this.core = core;
        this.cfg = core.cfg;
        this.recovery = new LossRecovery(core, this);
    }

    // ---------------------------------------------------------------- segments

    /** SACK blocks we would put in a segment now (RFC 2018 §3: three with timestamps, four without). */
    int sackBlocks(Connection c) {
        int n = c.ooo.count() + (c.dsackPending ? 1 : 0);
        if (!c.sackOn || n == 0) return 0;
        return Math.min(n, c.tsOn ? 3 : 4);
    }

    /** Payload that fits in one segment now, after the options. */
    int payloadRoom(Connection c) {
        int blocks = sackBlocks(c);
        int room = c.mss - (blocks > 0 ? 4 + 8 * blocks : 0);
        // a segment's payload may span at most two buffer chunks (OutSegment has two pieces)
        return Math.min(room, cfg.chunkBytes + 1);
    }

    /** Sends one segment of {@code c}: {@code len} bytes from stream position {@code pos}. */
    void transmit(Connection c, int seq, int flags, long pos, int len) {
        transmit(c, seq, flags, pos, len, 0);
    }

    /**
     * The same; with {@code offloadSegment} &gt; 0 the frame goes to the sink for it to finish the checksum and to
     * cut a payload longer than {@code offloadSegment} into segments of that size (new data only).
     */
    private void transmit(Connection c, int seq, int flags, long pos, int len, int offloadSegment) {
        OutSegment s = core.out.on(c);
        s.seq = seq;
        if (c.ecnOn && c.ceSeen && (flags & ACK) != 0) flags |= ECE; // RFC 3168 §6.1.3: echo CE until CWR
        s.flags = flags;
        if ((flags & ACK) != 0) s.ack = c.rcvNxt;
        s.window = core.receiver.windowField(c);
        if (c.tsOn) {
            s.hasTimestamp = true;
            s.tsVal = core.tsNow() + c.tsOffset;
            s.tsEcr = c.tsRecent;
        }
        int blocks = sackBlocks(c);
        if (blocks > 0) fillSack(c, s, blocks);
        if (len > 0 && offloadSegment > 0) {
            s.partialChecksum = true;
            s.externalPayloadLength = len;  // copied straight from the send buffer into the frame
        } else if (len > 0) {
            int n1 = Math.min(len, c.snd.contiguous(pos));
            s.payload1 = core.pool.memory;
            s.payload1Offset = c.snd.address(pos);
            s.payload1Length = n1;
            if (n1 < len) {
                s.payload2 = core.pool.memory;
                s.payload2Offset = c.snd.address(pos + n1);
                s.payload2Length = len - n1;
            }
        }
        if (offloadSegment > 0) core.out.sendOffloaded(c.snd, pos, offloadSegment);
        else core.out.send();
        // every segment carries our latest ACK (RFC 9293 §3.8.6.3): nothing more is owed
        c.lastAckSent = c.rcvNxt;
        c.lastWinSent = s.window;
        c.ackNow = false;
        c.bytesSinceAck = 0;
        c.delackDeadline = Long.MAX_VALUE;
    }

    /** RFC 2018 §4: the block holding the latest segment first, then the others, highest first. */
    private static void fillSack(Connection c, OutSegment s, int blocks) {
        RangeSet r = c.ooo;
        int first = r.latestIndex();
        int n = 0;
        if (c.dsackPending) {                 // RFC 2883 §4: a duplicate first, reported once
            s.sackLeft[n] = c.dsackLeft;
            s.sackRight[n++] = c.dsackRight;
            c.dsackPending = false;
        }
        if (first >= 0 && n < blocks) {
            s.sackLeft[n] = c.rcvSeq(r.start(first));
            s.sackRight[n++] = c.rcvSeq(r.end(first));
        }
        for (int i = r.count() - 1; i >= 0 && n < blocks; i--) {
            if (i == first) continue;
            s.sackLeft[n] = c.rcvSeq(r.start(i));
            s.sackRight[n++] = c.rcvSeq(r.end(i));
        }
        s.sackBlockCount = n;
    }

    /**
     * A bare ACK carrying our current state. Its sequence number is the highest we sent (Linux's
     * tcp_acceptable_seq): after a timeout SND.NXT went back, and a receiver drops a bare ACK whose sequence
     * number lies below its RCV.NXT as unacceptable (RFC 9293 §3.10.7.4), losing its acknowledgment.
     */
    void sendAck(Connection c) {
        transmit(c, c.sndMax, ACK, 0, 0);
    }

    /** RFC 9293 §3.10.5 / Linux: an abort is RST|ACK with SEQ = SND.NXT. */
    void sendReset(Connection c) {
        OutSegment s = core.out.on(c);
        s.seq = c.sndMax;
        s.ack = c.rcvNxt;
        s.flags = RST | ACK;
        s.window = 0;
        core.out.send();
        core.ctr.rstsSent++;
    }

    // ---------------------------------------------------------------- output

    /** Sends what the send buffer, the peer's window and cwnd allow (and recovery needs). */
    void output(Connection c) {
        if (c.tcpDone) return;
        int st = c.state;
        if (st != TcpState.ESTABLISHED && st != TcpState.CLOSE_WAIT && st != TcpState.FIN_WAIT_1
                && st != TcpState.CLOSING && st != TcpState.LAST_ACK) return;
        if (c.inRecovery && c.recoveryIsSack) recovery.sackRecovery(c);
        sendNew(c, 0);
        // RFC 9293 §3.8.6.1: a closed window with data waiting and nothing in flight needs the persist timer
        if (c.sndWnd == 0 && (c.unsentBytes() > 0 || c.sndUna != c.sndMax)) {
            if (!c.zeroWindow) {
                c.zeroWindow = true;
                c.zeroWindowSinceNs = core.nowNs;
            }
            if (c.sndUna == c.sndMax && c.persistDeadline == Long.MAX_VALUE) {
                c.persistDeadline = core.nowNs + persistInterval(c);
                c.rtoDeadline = Long.MAX_VALUE;
            }
        }
        core.timers.arm(c);
    }

    long persistInterval(Connection c) {
        long t = Math.max(c.rtoNs, cfg.minRtoNs);
        for (int i = 0; i < c.persistBackoff && t < cfg.maxRtoNs; i++) t <<= 1;
        return Math.min(t, cfg.maxRtoNs);
    }

    /** Sends new data (and after a timeout, resends) within the windows; {@code extra}: cwnd room for a probe. */
    private void sendNew(Connection c, long extra) {
        for (int guard = 0; guard < 4096; guard++) {
            if (c.finSent && Seq.gt(c.sndNxt, c.finSeq())) return; // everything, FIN included, is out
            long nxt = c.sndPos(c.sndNxt);
            long maxPos = c.sndMaxPos();
            if (c.sackOn && nxt < maxPos && !c.sacked.isEmpty()) {
                // RFC 6675 §5.1: after a timeout, do not resend what the peer has SACKed
                long u = Math.min(c.sacked.nextUncovered(nxt), maxPos);
                if (u != nxt) {
                    c.sndNxt = c.sndSeq(u);
                    continue;
                }
            }
            long unsent = c.sndEndPos - nxt;
            boolean retransmission = Seq.lt(c.sndNxt, c.sndMax);
            if (unsent > 0) {
                int room = payloadRoom(c);
                long wndRoom = c.sndUnaPos + c.sndWnd - nxt;
                long inFlight = c.inRecovery && c.recoveryIsSack ? recovery.pipe(c) : c.flightBytes();
                // RFC 3042 limited transmit: the first two duplicate ACKs each let one new segment out, so that a
                // small window still produces the three duplicates fast retransmit needs
                long allowance = !c.inRecovery && c.dupAcks > 0 && c.dupAcks < 3 ? (long) c.dupAcks * c.mss : 0;
                long cwndRoom = c.cwnd + allowance + extra - inFlight;
                long len = Math.min(Math.min(room, unsent), Math.min(wndRoom, cwndRoom));
                if (len <= 0) return;
                // RFC 9293 §3.8.6.2.1 sender SWS avoidance (no Nagle: a proxy forwards what it has at once)
                if (len < room && len < unsent && len < c.maxSndWnd / 2 && c.flightBytes() > 0) return;
                int offload = retransmission || (c.ecnOn && c.cwrPending) ? 0 : offloadSegment(c, room);
                if (offload > 0 && len == room) {
                    // one frame of several segments (the sink segments it, TSO-style), within the same windows;
                    // whole segments unless it ends the queued data. The byte accounting is the same as for
                    // that many single segments: retransmissions resend MSS-sized ranges of it
                    long more = Math.min(Math.min(core.out.offloadPayloadRoom(c, optionBytes(c)), unsent),
                            Math.min(wndRoom, cwndRoom));
                    if (more > room) len = more == unsent ? more : more - more % room;
                }
                boolean last = len == unsent;
                boolean fin = last && c.finQueued;
                int flags = ACK | (last ? PSH : 0) | (fin ? FIN : 0);
                if (c.ecnOn && !retransmission) {
                    core.out.ect = true;            // RFC 3168 §6.1.5: ECT on new data only, never on retransmissions
                    if (c.cwrPending) {
                        flags |= CWR;               // §6.1.2: tell the receiver we reduced
                        c.cwrPending = false;
                    }
                }
                transmit(c, c.sndNxt, flags, nxt, (int) len, offload);
                if (retransmission) {
                    core.ctr.retransmits++;
                    core.ctr.retransmitsTimeout++;   // SND.NXT only goes back on a timeout
                    c.retransmits++;
                } else if (!c.rttTiming && !c.tsOn) {
                    c.rttTiming = true;        // RFC 6298 §3: time one segment per RTT, never a retransmission
                    c.rttSeq = c.sndNxt;
                    c.rttStartNs = core.nowNs;
                }
                advance(c, (int) len + (fin ? 1 : 0), fin);
            } else if (c.finQueued && (!c.finSent || c.sndNxt == c.finSeq())) {
                // a FIN alone (RFC 9293 §3.10.4); it needs no window space
                transmit(c, c.sndNxt, ACK | FIN, nxt, 0);
                if (retransmission || c.finSent) {
                    core.ctr.retransmits++;
                    core.ctr.retransmitsTimeout++;
                    c.retransmits++;
                }
                advance(c, 1, true);
                return;
            } else {
                return;
            }
        }
    }

    /**
     * The segment size for an offloaded frame of new data ({@code room}, one segment's payload), or 0 when frames
     * of {@code c} are not offloaded (no offloads in the sink, or not even one segment fits its frame limit).
     */
    private int offloadSegment(Connection c, int room) {
        return core.out.offloadPayloadRoom(c, optionBytes(c)) >= room ? room : 0;
    }

    private int optionBytes(Connection c) {
        return Output.optionBytes(c.tsOn, sackBlocks(c));
    }

    private void advance(Connection c, int n, boolean fin) {
        c.sndNxt += n;
        if (fin) c.finSent = true;
        if (Seq.gt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
        // RFC 6298 §5.1; a probe timeout restarts with each new segment (RFC 8985 §7.2)
        if (c.rtoDeadline == Long.MAX_VALUE || c.probeArmed || probeAllowed(c)) armRto(c);
    }

    // ---------------------------------------------------------------- acknowledgments

    /** RFC 9293 §3.10.7.4 "fifth, check the ACK field", for an ACK already known to be acceptable. */
    void onAck(Connection c, ParsedFrame f) {
        int ack = f.ack;
        long wnd = (long) (f.window & 0xffff) << c.sndWs;
        if (c.ecnOn && (f.flags & ECE) != 0 && Seq.gt(ack, c.ecnRecoverSeq) && !c.inRecovery) {
            // RFC 3168 §6.1.2: respond to congestion as to a loss, at most once per window of data
            Cubic.onCongestion(c);
            c.cwnd = c.ssthresh;
            c.cwrPending = true;
            c.ecnRecoverSeq = c.sndMax;
            core.ctr.ecnCwndReductions++;
        }
        boolean newSack = c.sackOn && f.sackBlockCount > 0 && absorbSack(c, f);
        long unaBefore = c.sndUnaPos;
        if (Seq.gt(ack, c.sndUna)) {
            onNewAck(c, f, ack);
            if (!c.tcpDone) recovery.checkLostRetransmission(c);
        } else if (newSack && ack == c.sndUna && (f.payloadLength > 0 || (f.flags & FIN) != 0) && !c.inRecovery
                && recovery.lostBoundary(c) > c.sndUnaPos && Seq.ge(c.sndUna, c.recoverSeq)) {
            // RFC 6675 §5 IsLost(HighACK + 1) from SACK information that came on a data segment (the peer is
            // sending too, so its ACKs are never pure duplicates): start recovery as Linux does
            recovery.enterRecovery(c);
        } else if (ack == c.sndUna && f.payloadLength == 0 && (f.flags & (FIN | dev.portcullis.wire.TcpFlags.SYN)) == 0
                && c.sndMax != c.sndUna && (wnd == c.sndWnd || newSack)) {
            recovery.onDupAck(c);
            recovery.checkLostRetransmission(c);
        } else if (newSack) {
            recovery.checkLostRetransmission(c);   // SACKs riding on data: the peer sends too
        }
        if (c.tcpDone) return;
        if (cfg.bbr && (newSack || c.sndUnaPos != unaBefore))
            Bbr.onAck(c, Math.min(c.sndUnaPos, c.sndEndPos) - Math.min(unaBefore, c.sndEndPos), core.nowNs);
        updateWindow(c, f, wnd);
    }

    /** RFC 2018 / RFC 6675 §4 Update(): records the SACKed ranges; true when something new was reported. */
    private boolean absorbSack(Connection c, ParsedFrame f) {
        boolean fresh = false;
        long highest = c.sacked.highest(c.sndUnaPos);
        for (int i = 0; i < f.sackBlockCount; i++) {
            int l = f.sackLeft[i], r = f.sackRight[i];
            // only blocks inside [SND.UNA, SND.MAX]; a D-SACK (RFC 2883) below SND.UNA tells us nothing here
            if (!Seq.lt(l, r) || Seq.lt(l, c.sndUna) || Seq.gt(r, c.sndMax)) continue;
            long ls = c.sndPos(l), rs = Math.min(c.sndPos(r), c.sndEndPos);
            if (rs <= ls) continue;
            if (c.sacked.coveredBetween(ls, rs) < rs - ls) {
                fresh = true;
                recovery.noteReordering(c, c.sacked.nextUncovered(ls), highest);
                c.sacked.add(ls, rs);
            }
        }
        return fresh;
    }

    private void onNewAck(Connection c, ParsedFrame f, int ack) {
        int acked = ack - c.sndUna;
        long oldUnaPos = c.sndUnaPos;
        if (!c.sacked.isEmpty()) recovery.noteReordering(c, oldUnaPos, c.sacked.highest(oldUnaPos));
        c.sndUnaPos += acked;
        c.sndUna = ack;
        long dataAcked = Math.min(c.sndUnaPos, c.sndEndPos) - oldUnaPos;
        boolean finAcked = c.finSent && Seq.gt(ack, c.finSeq());
        if (Seq.lt(c.sndNxt, ack)) c.sndNxt = ack;
        if (c.sndUnaPos >= c.sndEndPos) c.snd.reset(c.sndEndPos); // all acknowledged: hold no chunk at all
        else c.snd.release(c.sndUnaPos);
        c.sacked.removeBelow(c.sndUnaPos);
        if (c.highRxtPos < c.sndUnaPos) c.highRxtPos = c.sndUnaPos;
        long now = core.nowNs;
        if (c.tsOn && f.hasTimestamp && f.tsEcr != 0) {
            // RFC 7323 §4.2: timestamps time every ACK that advances the window, retransmissions included
            long r = (long) (core.tsNow() + c.tsOffset - f.tsEcr) * 1_000_000L;
            if (r >= 0 && r < 600_000_000_000L) Rtt.sample(c, Math.max(r, 1), cfg);
        } else if (c.rttTiming && Seq.gt(ack, c.rttSeq)) {
            Rtt.sample(c, now - c.rttStartNs, cfg);
            c.rttTiming = false;
        }
        c.backoff = 0;
        c.dupAcks = 0;
        if (c.inRecovery) {
            if (Seq.ge(ack, c.recoverSeq)) {
                // RFC 6582 §3.2 step 6 / RFC 6675 §5: recovery ends at the recovery point
                c.inRecovery = false;
                if (!cfg.bbr) c.cwnd = c.recoveryIsSack ? c.ssthresh
                        : Math.min(c.ssthresh, Math.max(c.flightBytes(), c.mss) + c.mss);
            } else if (!c.recoveryIsSack) {
                // RFC 6582 §3.2 step 5: partial ACK: resend the next hole, deflate by what was acknowledged
                recovery.retransmitHead(c);
                if (!cfg.bbr) c.cwnd = Math.max(c.mss, c.cwnd - dataAcked + (dataAcked >= c.mss ? c.mss : 0));
            }
        } else if (!cfg.bbr) {
            Cubic.onAck(c, dataAcked, now);
        }
        // RFC 6298 §5.2 / §5.3; an ACK that moves SND.UNA ends a probe's episode (RFC 8985 §7.4, simplified)
        c.probeOut = false;
        armRto(c);
        if (finAcked) core.receiver.onFinAcked(c);
        if (c.tcpDone) return;
        if (dataAcked > 0 && c.writeBlocked) {
            c.writeBlocked = false;
            core.events.onWritable(c.id);
        }
    }

    /** RFC 9293 §3.10.7.4: SND.WND from a segment that is not older than the last window update. */
    private void updateWindow(Connection c, ParsedFrame f, long wnd) {
        if (Seq.lt(c.sndWl1, f.seq) || (c.sndWl1 == f.seq && Seq.le(c.sndWl2, f.ack))) {
            c.sndWnd = (int) Math.min(wnd, Integer.MAX_VALUE);
            c.sndWl1 = f.seq;
            c.sndWl2 = f.ack;
            if (c.sndWnd > c.maxSndWnd) c.maxSndWnd = c.sndWnd;
            if (c.sndWnd > 0) {
                c.zeroWindow = false;
                c.persistDeadline = Long.MAX_VALUE;
                c.persistBackoff = 0;
            }
        }
    }

    // ---------------------------------------------------------------- timers

    /** RFC 8985 §7.2: no PTO below this, whatever SRTT says (our RTT samples have the 1 ms TS clock's grain). */
    static final long PTO_MIN_NS = 10_000_000L;
    /** RFC 8985 §7.2 WCDelAckT: a lone segment's ACK may wait for the peer's delayed-ACK timer. */
    static final long PTO_DELACK_NS = 200_000_000L;

    /**
     * Arms the retransmission timer (RFC 6298 §5), or in front of it the tail loss probe's timeout (RFC 8985
     * §7.2): PTO = 2 SRTT, plus WCDelAckT when one segment is in flight, when it comes before the RTO. Without
     * the probe a flight whose every ACK is lost (one GRO aggregate answered by one stretch ACK, or the last
     * segments sent) has nothing left to draw an ACK and waits out the RTO's 200 ms floor. Only outside
     * recovery, with SACK, before any timeout of this flight, and one probe per episode.
     */
    void armRto(Connection c) {
        c.probeArmed = false;
        if (c.sndUna == c.sndMax) {
            c.rtoDeadline = Long.MAX_VALUE;
            return;
        }
        long rto = Rtt.backedOff(c, cfg);
        if (probeAllowed(c)) {
            long pto = Math.max(2 * c.srttNs, PTO_MIN_NS);
            if (c.flightBytes() <= c.mss) pto += PTO_DELACK_NS;
            if (pto < rto) {
                c.probeArmed = true;
                c.rtoDeadline = core.nowNs + pto;
                return;
            }
        }
        c.rtoDeadline = core.nowNs + rto;
    }

    private static boolean probeAllowed(Connection c) {
        return c.sackOn && c.rttValid && !c.inRecovery && c.backoff == 0 && !c.probeOut;
    }

    /**
     * RFC 8985 §7.3: the probe timeout expired. Send one segment of new data if the peer's window allows,
     * regardless of cwnd, else resend the last segment sent; either draws an ACK (with SACK) that acknowledges
     * the flight or starts recovery. Then the retransmission timer runs.
     */
    private boolean sendProbe(Connection c) {
        c.probeArmed = false;
        long maxPos = c.sndMaxPos();
        if (maxPos <= c.sndUnaPos || c.sndNxt != c.sndMax) return false; // only a FIN is out: the RTO handles it
        c.probeOut = true;
        core.ctr.tailLossProbes++;
        int before = c.sndMax;
        if (c.unsentBytes() > 0 && c.sndUnaPos + c.sndWnd > c.sndPos(c.sndNxt)) sendNew(c, c.mss);
        if (c.sndMax == before) {
            long pos = Math.max(c.sndUnaPos, maxPos - payloadRoom(c));
            int len = (int) (maxPos - pos);
            transmit(c, c.sndSeq(pos), ACK | PSH, pos, len);
            core.ctr.retransmits++;
            core.ctr.retransmitsFast++;
            c.retransmits++;
        }
        c.rtoDeadline = core.nowNs + Rtt.backedOff(c, cfg);
        core.timers.arm(c);
        return true;
    }

    /** RFC 6298 §5.4-5.7: the retransmission timer expired. */
    void onRto(Connection c) {
        c.rtoDeadline = Long.MAX_VALUE;
        if (c.sndUna == c.sndMax) return;
        if (c.probeArmed && sendProbe(c)) return;
        c.probeArmed = false;
        c.probeOut = false;
        if (c.backoff >= cfg.maxRetransmits) {
            core.ctr.retransmitTimeouts++;
            sendReset(c);
            core.finish(c, CloseReason.RETRANSMIT_TIMEOUT);
            return;
        }
        if (zeroWindowExpired(c)) return;
        core.ctr.rtoExpirations++;
        if (cfg.bbr) Bbr.onTimeout(c);
        else Cubic.onTimeout(c);
        c.inRecovery = false;
        c.recoverSeq = c.sndMax;   // RFC 6582 §4.1 / RFC 6675 §5.1
        c.dupAcks = 0;
        c.rttTiming = false;       // Karn
        c.backoff++;
        c.sndNxt = c.sndUna;       // go back: resend from the first unacknowledged byte, skipping SACKed data
        c.highRxtPos = c.sndUnaPos;
        c.rtoMarkPos = c.sndMaxPos();  // what the resending covers (LossRecovery.checkLostAfterTimeout)
        c.rtoDeadline = core.nowNs + Rtt.backedOff(c, cfg);
        if (c.sndWnd == 0) transmit(c, c.sndUna - 1, ACK, 0, 0); // the window shut on data in flight: probe it
        output(c);
    }

    private boolean zeroWindowExpired(Connection c) {
        if (cfg.zeroWindowTimeoutNs > 0 && c.zeroWindow && core.nowNs - c.zeroWindowSinceNs >= cfg.zeroWindowTimeoutNs) {
            core.ctr.zeroWindowResets++;
            sendReset(c);
            core.finish(c, CloseReason.ZERO_WINDOW_TIMEOUT);
            return true;
        }
        return false;
    }

    /** RFC 9293 §3.8.6.1: probe a zero window; Linux's form, SEQ = SND.UNA - 1 with no data, draws an ACK. */
    void onPersist(Connection c) {
        c.persistDeadline = Long.MAX_VALUE;
        if (c.sndWnd != 0 || c.unsentBytes() <= 0) return;
        if (zeroWindowExpired(c)) return;
        core.ctr.zeroWindowProbes++;
        transmit(c, c.sndUna - 1, ACK, 0, 0);
        c.persistBackoff++;
        c.persistDeadline = core.nowNs + persistInterval(c);
    }
}
