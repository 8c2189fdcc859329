package dev.portcullis.tcp;

/**
 * The state of one synchronized connection (RFC 9293 §3.3.1 TCB). Plain fields, driven by {@link Receiver},
 * {@link Sender} and {@link ConnTimers}. Objects are pooled per slot and reused: {@link #reset} clears
 * everything but the buffers, which hold only pool chunks while data is in them.
 *
 * <p>Streams are addressed twice: by 32-bit sequence number on the wire and by 64-bit stream position in the
 * buffers; {@code sndUnaPos} and {@code rcvNxtPos} tie the two together.
 */
final class Connection {
    final int slot;
    int generation;
    long id;

    // identity (RFC 9293 §3.3.1: the socket pair) and where replies go
    long rHi, rLo, lHi, lLo;
    int rPort, lPort, vip;
    boolean v6;
    long peerMac;
    int vlanTci;
    int listener;
    int ports; // rPort << 16 | lPort: the flow-table key part

    int state;
    boolean inTable;       // reachable from the connection table
    boolean queued;        // in an accept queue, not yet accepted
    boolean appClosed;     // the application called close(): orphan, freed when TCP finishes
    boolean tcpDone;       // TCP exchange over (CLOSED or handed to TIME_WAIT); waits for appClosed

    // send sequence space (RFC 9293 §3.3.1)
    int iss, sndUna, sndNxt, sndMax;  // sndMax: highest sequence number sent + 1 (sndNxt goes back on RTO)
    int sndWnd, maxSndWnd, sndWl1, sndWl2;
    int sndWs;                        // peer's window shift, 0 when not negotiated
    boolean sndWsOk;
    long sndUnaPos, sndEndPos;        // stream positions: oldest unacked byte, end of written bytes
    boolean finQueued, finSent;       // shutdownOutput called; FIN sent (its sequence number is sndEndPos's)
    boolean writeBlocked;             // write() took less than offered: owe onWritable
    int peerMss;                      // MSS option the peer sent (RFC 9293 §3.7.1), 536/1220 default
    int mss;                          // payload bytes per segment, options excluded
    int pmtu;

    // receive sequence space
    int irs, rcvNxt, rcvAdvRight;    // rcvAdvRight: right edge of the window we advertised (never moves left)
    int rcvWs;                        // our shift, 0 when not negotiated
    long rcvNxtPos, readPos;          // stream positions: next expected byte, next byte the app reads
    boolean finReceived, finDelivered;
    long finPos = -1;                 // stream position of a FIN that arrived beyond a hole
    int bytesSinceAck;                // in-order bytes received since our last ACK (RFC 9293 §3.8.6.3)
    boolean ackNow;                   // an immediate ACK is owed
    int lastAckSent;                  // RCV.NXT in our latest segment (RFC 7323 §4.3 Last.ACK.sent)
    int lastWinSent;                  // raw window in our latest segment
    boolean dsackPending;             // report [dsackLeft, dsackRight) once, first of the SACK blocks (RFC 2883)
    int dsackLeft, dsackRight;

    // options
    boolean tsOn, sackOn, ecnOn;
    int tsRecent;                     // RFC 7323 §4.3 TS.Recent
    long tsRecentNs;
    int tsOffset;                     // added to the TS clock so our TSvals never go below the SYN-ACK's

    // RTT and RTO (RFC 6298)
    long srttNs, rttvarNs, rtoNs;
    boolean rttValid;
    int backoff;                      // consecutive RTO expirations
    int rttSeq;                       // Karn: timing this sequence number, when no timestamps
    long rttStartNs;
    boolean rttTiming;
    long retransmits;

    // congestion control (RFC 5681, RFC 9438)
    long cwnd, ssthresh;
    double cubicWmax, cubicK, cubicWest, cubicOrigin;
    long cubicEpochNs;
    int dupAcks;
    int reordering = 3;               // segments of reordering seen: DupThresh (LossRecovery.noteReordering)
    boolean inRecovery, recoveryIsSack;
    int recoverSeq;                   // RFC 6582 "recover" / RFC 6675 RecoveryPoint
    long highRxtPos;                  // RFC 6675 HighRxt as a stream position
    long rxtHeadPos = -1, rxtHeadMark; // the resent segment at SND.UNA, and SND.MAX's position when it was resent
    long rtoMarkPos = -1;             // SND.MAX's position at the last timeout while data sent before it is unacked
    boolean probeArmed, probeOut;     // rtoDeadline is a tail loss probe's (RFC 8985 §7); a probe awaits its ACK
    boolean ceSeen, cwrPending;          // RFC 3168 §6.1: echo ECE until CWR; set CWR on the next new data
    int ecnRecoverSeq;                // one window reduction per window of data (RFC 3168 §6.1.2)
    // the model of {@link Bbr}, when the engine runs it: rounds, delivery rates (bytes/s), the minimum RTT
    long bbrRoundEndPos, bbrRoundStartNs = -1, bbrRoundDelivered, bbrRound, bbrFullBw, bbrMinRttNs = Long.MAX_VALUE;
    long bbrPriorCwnd;                // cwnd before a timeout, restored by the first ACK after it
    final long[] bbrBw = new long[Bbr.BW_ROUNDS];
    int bbrFullBwRounds;
    boolean bbrFilledPipe;

    // timers: absolute deadlines, Long.MAX_VALUE when off; one wheel entry holds the earliest
    long rtoDeadline = Long.MAX_VALUE, persistDeadline = Long.MAX_VALUE, delackDeadline = Long.MAX_VALUE;
    long idleDeadline = Long.MAX_VALUE, finWait2Deadline = Long.MAX_VALUE;
    long memoryRetryDeadline = Long.MAX_VALUE; // write() found the pool empty: look again for onWritable
    int persistBackoff;
    long zeroWindowSinceNs;
    boolean zeroWindow;
    long lastActivityNs;
    long timerId = -1, timerAt = Long.MAX_VALUE;

    final ChunkRing snd, rcv;
    final RangeSet ooo, sacked;
    final RateLimiter challenge;

    Connection(int slot, BufferPool pool, EngineConfig cfg) {
        this.slot = slot;
        snd = new ChunkRing(pool, cfg.sendBufferBytes);
        rcv = new ChunkRing(pool, cfg.receiveBufferBytes);
        ooo = new RangeSet(cfg.oooMaxRanges);
        sacked = new RangeSet(Math.max(4, cfg.oooMaxRanges));
        challenge = new RateLimiter(cfg.challengeAcksPerConnPerSecond, Math.max(1, cfg.challengeAcksPerConnPerSecond));
    }

    void reset() {
        snd.releaseAll();
        rcv.releaseAll();
        snd.reset(0);
        rcv.reset(0);
        ooo.clear();
        sacked.clear();
        state = -1;
        inTable = queued = appClosed = tcpDone = false;
        finQueued = finSent = writeBlocked = finReceived = finDelivered = false;
        ackNow = false;
        dsackPending = false;
        bytesSinceAck = 0;
        sndWsOk = tsOn = sackOn = ecnOn = false;
        sndWs = rcvWs = 0;
        rttValid = rttTiming = false;
        backoff = 0;
        retransmits = 0;
        dupAcks = 0;
        reordering = 3;
        inRecovery = recoveryIsSack = false;
        rxtHeadPos = -1;
        rtoMarkPos = -1;
        probeArmed = probeOut = false;
        ceSeen = cwrPending = false;
        cubicWmax = cubicK = cubicWest = cubicOrigin = 0;
        cubicEpochNs = 0;
        Bbr.init(this);
        rtoDeadline = persistDeadline = delackDeadline = idleDeadline = finWait2Deadline = Long.MAX_VALUE;
        memoryRetryDeadline = Long.MAX_VALUE;
        persistBackoff = 0;
        zeroWindow = false;
        timerId = -1;
        timerAt = Long.MAX_VALUE;
        sndUnaPos = sndEndPos = rcvNxtPos = readPos = 0;
        finPos = -1;
    }

    /** Stream position of send sequence number {@code seq} (within the unacked-to-written range). */
    long sndPos(int seq) { return sndUnaPos + (seq - sndUna); }

    /** Send sequence number of stream position {@code pos}. */
    int sndSeq(long pos) { return sndUna + (int) (pos - sndUnaPos); }

    long rcvPos(int seq) { return rcvNxtPos + (seq - rcvNxt); }

    int rcvSeq(long pos) { return rcvNxt + (int) (pos - rcvNxtPos); }

    /** Bytes sent and not yet acknowledged (FIN excluded). */
    long flightBytes() { return sndPos(sndNxt) - sndUnaPos; }

    /** Position just after the last byte that has been sent at least once. */
    long sndMaxPos() { return Math.min(sndPos(sndMax), sndEndPos); }

    /** Sequence number our FIN has (or will have). */
    int finSeq() { return sndSeq(sndEndPos); }

    long unsentBytes() { return sndEndPos - sndPos(sndNxt); }

    boolean sendClosed() { return finQueued; }

    int unreadBytes() { return (int) (rcvNxtPos - readPos); }
}
