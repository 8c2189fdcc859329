package dev.portcullis.tcp;

import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * An independent, deliberately simple TCP client for the simulated network: it shares no code with the engine
 * (only the wire package's writer and parser). Active open with MSS/WS/SACK_PERM/TS options as configured;
 * sender with a cumulative-ACK view, a fixed-floor RTO with doubling backoff and go-back-N on timeout, fast
 * retransmit on three duplicates, AIMD; receiver that keeps out-of-order data, ACKs every segment at once and
 * reports SACK blocks when negotiated; FIN after its data. Bytes follow {@link #clientByte}/{@link #serverByte}.
 */
final class SimPeer {
    /** The byte streams repeat with a prime period, so a shifted slice of one table holds any window of them. */
    static final int PERIOD = 65521;
    static final byte[] CLIENT = table(1), SERVER = table(2);

    private static byte[] table(long seed) {
        byte[] t = new byte[PERIOD + 70_000];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < PERIOD; i++) t[i] = (byte) r.nextInt();
        for (int i = PERIOD; i < t.length; i++) t[i] = t[i - PERIOD];
        return t;
    }

    static byte clientByte(long pos) { return CLIENT[(int) (pos % PERIOD)]; }
    static byte serverByte(long pos) { return SERVER[(int) (pos % PERIOD)]; }

    private static final long RTO_MIN = 200_000_000L;

    final boolean useTs, useSack;
    final long total;           // bytes to send
    final int port;
    private final Consumer<byte[]> link;
    private final OutSegment out = new OutSegment();
    private final MemorySegment buf = Arena.ofAuto().allocate(2048);
    private static final MemorySegment CLIENT_SEG = MemorySegment.ofArray(CLIENT);

    // handshake and options
    private final int iss;
    private int irs;
    private boolean synAcked, sackOk, tsOk;
    private int peerWs;
    private int sendMss;
    private int tsRecent;

    // sender
    private long sndUna, sndNxt, sndMax;  // stream positions; seq = iss + 1 + pos
    private long peerWnd = 65535;
    private double cwnd;
    private boolean finSent, finAcked;
    private int dupAcks;
    private long rtoAt = Long.MAX_VALUE, rto = 1_000_000_000L;
    private int backoff;
    private long recover = -1;

    // receiver
    private long rcvNxt;          // stream position; seq = irs + 1 + pos
    private final TreeMap<Long, byte[]> ooo = new TreeMap<>();
    private long finPos = -1;
    boolean finReceived;
    long received;
    String error;
    long retransmits, acksSent;

    SimPeer(long total, boolean ts, boolean sack, int port, int iss, Consumer<byte[]> link) {
        this.total = total;
        this.useTs = ts;
        this.useSack = sack;
        this.port = port;
        this.iss = iss;
        this.link = link;
    }

    boolean done() { return finReceived && finAcked && received == total; }
    long nextDeadline() { return rtoAt; }

    private OutSegment base(long nowNs) {
        OutSegment s = out.resetSegment();
        s.srcMac = Seg.CLIENT_MAC;
        s.dstMac = Seg.LOCAL_MAC;
        s.ipVersion = 4;
        s.srcLo = ParsedFrame.v4Mapped(Seg.CLIENT_V4);
        s.dstLo = ParsedFrame.v4Mapped(Seg.VIP_V4);
        s.srcPort = port;
        s.dstPort = 80;
        s.window = 65535;
        if (tsOk || !synAcked && useTs) {
            s.hasTimestamp = true;
            s.tsVal = (int) (nowNs / 1_000_000L) + 1;
            s.tsEcr = tsRecent;
        }
        return s;
    }

    private void emit() {
        int len = SegmentWriter.write(out, buf, 0, (int) buf.byteSize());
        link.accept(buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
    }

    void start(long nowNs) {
        sendSyn(nowNs);
    }

    private void sendSyn(long nowNs) {
        OutSegment s = base(nowNs);
        s.seq = iss;
        s.flags = TcpFlags.SYN;
        s.mss = 1460;
        s.windowScale = 7;
        s.sackPermitted = useSack;
        emit();
        rtoAt = nowNs + rto;
    }

    void onTimer(long nowNs) {
        if (nowNs < rtoAt) return;
        if (!synAcked) {
            rto *= 2;
            sendSyn(nowNs);
            return;
        }
        if (sndUna == sndMax && (!finSent || finAcked)) {
            rtoAt = Long.MAX_VALUE;
            return;
        }
        // timeout: go back N
        backoff++;
        retransmits++;
        cwnd = Math.max(2, cwnd / 2);
        sndNxt = sndUna;
        if (finSent && !finAcked && sndUna == total) finSent = false;
        recover = -1;
        rtoAt = nowNs + Math.min(rto << Math.min(backoff, 6), 60_000_000_000L);
        pump(nowNs);
    }

    void onFrame(ParsedFrame f, long nowNs) {
        int flags = f.flags;
        if ((flags & TcpFlags.RST) != 0) {
            error = "peer got RST";
            return;
        }
        if (!synAcked) {
            if ((flags & (TcpFlags.SYN | TcpFlags.ACK)) != (TcpFlags.SYN | TcpFlags.ACK) || f.ack != iss + 1) return;
            synAcked = true;
            irs = f.seq;
            tsOk = useTs && f.hasTimestamp;
            if (tsOk) tsRecent = f.tsVal;
            sackOk = useSack && f.sackPermitted;
            peerWs = f.windowScale >= 0 ? f.windowScale : 0;
            if (f.windowScale < 0) peerWs = 0;
            sendMss = (f.mss > 0 ? Math.min(f.mss, 1460) : 536) - (tsOk ? 12 : 0);
            cwnd = 10;
            rto = RTO_MIN * 2;
            rtoAt = Long.MAX_VALUE;
            peerWnd = f.window; // unscaled in a SYN-ACK
            sendAck(nowNs);
            pump(nowNs);
            return;
        }
        if ((flags & TcpFlags.SYN) != 0) { // our final ACK was lost and the SYN-ACK came again
            sendAck(nowNs);
            return;
        }
        if (tsOk && f.hasTimestamp) tsRecent = f.tsVal;
        if ((flags & TcpFlags.ACK) != 0) onAck(f, nowNs);
        boolean mustAck = false;
        if (f.payloadLength > 0) {
            onData(f);
            mustAck = true;
        }
        if ((flags & TcpFlags.FIN) != 0) {
            long p = (f.seq - irs - 1 + f.payloadLength) & 0xffffffffL;
            finPos = p;
            mustAck = true;
        }
        if (finPos >= 0 && rcvNxt == finPos && !finReceived) finReceived = true;
        if (mustAck) sendAck(nowNs);
        pump(nowNs);
    }

    private long ackPos(int ack) {
        // positions are below 2^32 in these tests
        return ((ack - iss - 1) & 0xffffffffL);
    }

    private void onAck(ParsedFrame f, long nowNs) {
        long a = ackPos(f.ack);
        long wnd = (long) f.window << peerWs;
        long limit = finSent ? total + 1 : sndMax;
        if (a > limit) return; // not something we sent
        if (a > sndUna) {
            long acked = a - sndUna;
            sndUna = Math.min(a, total);
            if (finSent && a == total + 1) finAcked = true;
            if (sndNxt < sndUna) sndNxt = sndUna;
            if (sndNxt < a && a <= total) sndNxt = a;
            dupAcks = 0;
            backoff = 0;
            cwnd += recover >= 0 ? 0 : Math.min(acked / (double) sendMss, 1.0) * (cwnd < 64 ? 1 : 1 / cwnd);
            if (recover >= 0 && a >= recover) recover = -1;
            rtoAt = sndUna == sndMax && (!finSent || finAcked) ? Long.MAX_VALUE : nowNs + rto;
        } else if (a == sndUna && f.payloadLength == 0 && (f.flags & TcpFlags.FIN) == 0 && sndMax > sndUna
                && wnd == peerWnd) {
            if (++dupAcks == 3 && recover < 0) {
                cwnd = Math.max(2, cwnd / 2);
                recover = sndMax;
                retransmits++;
                sendData(sndUna, (int) Math.min(sendMss, sndMax - sndUna), nowNs);
            }
        }
        peerWnd = wnd;
    }

    private void onData(ParsedFrame f) {
        long p = (f.seq - irs - 1) & 0xffffffffL;
        if (p > rcvNxt + (1L << 30)) p -= 1L << 32; // old data just below rcvNxt
        int len = f.payloadLength;
        byte[] b = new byte[len];
        MemorySegment.copy(f.frame, ValueLayout.JAVA_BYTE, f.payloadOffset, b, 0, len);
        if (p + len <= rcvNxt) return;
        if (p > rcvNxt) {
            if (ooo.size() < 4096) ooo.putIfAbsent(p, b);
            return;
        }
        consume(p, b);
        while (!ooo.isEmpty()) {
            Map.Entry<Long, byte[]> e = ooo.firstEntry();
            if (e.getKey() > rcvNxt) break;
            ooo.pollFirstEntry();
            if (e.getKey() + e.getValue().length > rcvNxt) consume(e.getKey(), e.getValue());
        }
    }

    private void consume(long p, byte[] b) {
        int from = (int) (rcvNxt - p), n = b.length - from;
        int t = (int) (rcvNxt % PERIOD);
        if (java.util.Arrays.mismatch(b, from, b.length, SERVER, t, t + n) >= 0 && error == null) {
            error = "peer: bytes from " + rcvNxt + " differ";
        }
        rcvNxt += n;
        received += n;
    }

    private void sendAck(long nowNs) {
        OutSegment s = base(nowNs);
        s.seq = iss + 1 + (int) sndMax + (finSent && sndMax >= total ? 1 : 0);
        s.ack = irs + 1 + (int) rcvNxt + (finReceived ? 1 : 0);
        s.flags = TcpFlags.ACK;
        if (sackOk && !ooo.isEmpty()) {
            int n = 0;
            long l = -1, r = -1;
            for (Map.Entry<Long, byte[]> e : ooo.entrySet()) {
                long el = e.getKey(), er = el + e.getValue().length;
                if (l < 0) { l = el; r = er; continue; }
                if (el <= r) { r = Math.max(r, er); continue; }
                if (n < 3) { s.sackLeft[n] = irs + 1 + (int) l; s.sackRight[n++] = irs + 1 + (int) r; }
                l = el; r = er;
            }
            if (l >= 0 && n < 3) { s.sackLeft[n] = irs + 1 + (int) l; s.sackRight[n++] = irs + 1 + (int) r; }
            s.sackBlockCount = n;
        }
        acksSent++;
        emit();
    }

    private void sendData(long pos, int len, long nowNs) {
        OutSegment s = base(nowNs);
        s.seq = iss + 1 + (int) pos;
        s.ack = irs + 1 + (int) rcvNxt + (finReceived ? 1 : 0);
        s.flags = TcpFlags.ACK | TcpFlags.PSH;
        s.payload1 = CLIENT_SEG;
        s.payload1Offset = pos % PERIOD;
        s.payload1Length = len;
        emit();
        if (rtoAt == Long.MAX_VALUE) rtoAt = nowNs + rto;
    }

    private void pump(long nowNs) {
        if (!synAcked) return;
        while (sndNxt < total) {
            long inFlight = sndNxt - sndUna;
            long room = Math.min((long) (cwnd * sendMss), peerWnd) - inFlight;
            int len = (int) Math.min(Math.min(sendMss, total - sndNxt), room);
            if (len <= 0) break;
            if (sndNxt < sndUna) sndNxt = sndUna;
            sendData(sndNxt, len, nowNs);
            sndNxt += len;
            if (sndNxt > sndMax) sndMax = sndNxt;
        }
        if (sndNxt == total && sndUna == total && !finSent) {
            OutSegment s = base(nowNs);
            s.seq = iss + 1 + (int) total;
            s.ack = irs + 1 + (int) rcvNxt + (finReceived ? 1 : 0);
            s.flags = TcpFlags.ACK | TcpFlags.FIN;
            emit();
            finSent = true;
            if (rtoAt == Long.MAX_VALUE) rtoAt = nowNs + rto;
        }
    }
}
