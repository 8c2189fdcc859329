package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.cookie.IsnGenerator;
import dev.portcullis.cookie.MssTable;
import dev.portcullis.cookie.TsCookie;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.CWR;
import static dev.portcullis.wire.TcpFlags.ECE;
import static dev.portcullis.wire.TcpFlags.RST;
import static dev.portcullis.wire.TcpFlags.SYN;

/**
 * The passive open (RFC 9293 §3.5, §3.10.7.2 LISTEN, §3.10.7.4 SYN-RECEIVED) for segments that match no
 * connection: SYNs answered with a cookie SYN-ACK and no state, or from the bounded SYN queue (ON_OVERFLOW);
 * final ACKs matched against the SYN queue, then checked as cookies; the connection built and queued for accept.
 *
 * <p>The cookie path allocates nothing: one table probe (done by the caller), SipHash, one frame written.
 */
final class Handshake {
    private final EngineCore core;
    private final EngineConfig cfg;
    private final SynQueue synq;
    private final IsnGenerator isns;

    Handshake(EngineCore core, IsnGenerator isns) {
        this.core = core;
        this.cfg = core.cfg;
        this.isns = isns;
        synq = new SynQueue(cfg.synQueueSize, cfg.hashSeed);
    }

    /** A segment for a VIP that matched no connection and no TIME_WAIT entry. */
    void onSegment(ParsedFrame f, int vip, int ports) {
        int flags = f.flags;
        if (cfg.cookieMode == EngineConfig.CookieMode.ON_OVERFLOW && synq.size() > 0) {
            int e = synq.lookup(f.srcHi, f.srcLo, ports, vip);
            if (e >= 0) {
                onQueued(e, f, vip, ports);
                return;
            }
        }
        if ((flags & RST) != 0) {
            core.ctr.dropsNoConnection++;  // RFC 9293 §3.10.7.1: an incoming RST is never answered
            return;
        }
        int li = core.listenerFor(f.dstPort);
        if (li < 0) {
            if ((flags & SYN) != 0 && (flags & ACK) == 0) core.ctr.synsNoListener++;
            else core.ctr.dropsNoConnection++;
            Resets.reply(core, f);
            return;
        }
        if ((flags & ACK) != 0) {
            if ((flags & SYN) != 0) {
                core.ctr.acksInvalidCookie++;  // §3.10.7.2: any acknowledgment is bad in LISTEN
                Resets.reply(core, f);
                return;
            }
            finalAck(f, vip, ports, li);
            return;
        }
        if ((flags & SYN) != 0) {
            onSyn(f, vip, ports, li);
            return;
        }
        core.ctr.acksNoFlags++; // §3.10.7.2: anything else without SYN or ACK is dropped
    }

    // ---------------------------------------------------------------- SYN

    void onSyn(ParsedFrame f, int vip, int ports, int li) {
        EngineCounters ctr = core.ctr;
        ctr.synsReceived++;
        // RFC 7413 under cookies: data (Fast Open) on a SYN is never acknowledged; the SYN-ACK acks ISN+1 only
        if (f.payloadLength > 0 || f.fastOpen) ctr.synsWithData++;
        if (core.listeners[li].full()) {
            ctr.synsDroppedAcceptQueueFull++; // as Linux: drop while the accept queue is full
            return;
        }
        if (cfg.cookieMode == EngineConfig.CookieMode.ON_OVERFLOW) {
            if (!synq.full()) {
                queueSyn(f, vip, ports, li);
                return;
            }
            ctr.synQueueOverflows++;
        }
        cookieSynAck(f);
    }

    private boolean wantTs(ParsedFrame f) { return cfg.timestamps && f.hasTimestamp; }

    /** RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR set. */
    private boolean wantEcn(ParsedFrame f) {
        return cfg.ecn && (f.flags & (ECE | CWR)) == (ECE | CWR);
    }

    /** The stateless SYN-ACK: our ISN is the cookie, and the options a cookie cannot hold ride in the TSval. */
    private void cookieSynAck(ParsedFrame f) {
        boolean v6 = f.ipVersion == 6;
        int mssIndex = MssTable.indexFor(f.mss, v6);
        int isn = core.codec.generate(f.srcHi, f.srcLo, f.srcPort, f.dstHi, f.dstLo, f.dstPort, f.seq, mssIndex,
                core.wallSeconds);
        boolean ts = wantTs(f);
        // without a timestamp there is nowhere to keep WS and SACK_PERM: offer neither (as Linux)
        int ws = ts && cfg.windowScaling && f.windowScale >= 0 ? Math.min(f.windowScale, 14) : -1;
        boolean sack = ts && cfg.sack && f.sackPermitted;
        boolean ecn = ts && wantEcn(f);
        int tsVal = ts ? TsCookie.encode(core.tsNow(), ws, sack, ecn) : 0;
        sendSynAck(f, isn, ws, sack, ts, tsVal, ecn);
        core.ctr.synCookiesSent++;
    }

    private void sendSynAck(ParsedFrame f, int isn, int ws, boolean sack, boolean ts, int tsVal, boolean ecn) {
        OutSegment s = core.out.replyTo(f);
        s.seq = isn;
        s.ack = f.seq + 1;
        s.flags = SYN | ACK | (ecn ? ECE : 0); // RFC 3168 §6.1.1: an ECN-setup SYN-ACK
        s.window = synAckWindow();          // RFC 7323 §2.2: never scaled in a SYN
        s.mss = core.linkMss(f.ipVersion == 6);
        if (ws >= 0) s.windowScale = core.ourWindowShift;
        s.sackPermitted = sack;
        if (ts) {
            s.hasTimestamp = true;
            s.tsVal = tsVal;
            s.tsEcr = f.tsVal;
        }
        core.out.send();
    }

    private int synAckWindow() {
        return Math.min(cfg.receiveBufferBytes, 65535);
    }

    // ---------------------------------------------------------------- SYN queue (ON_OVERFLOW)

    private void queueSyn(ParsedFrame f, int vip, int ports, int li) {
        int e = synq.add(f, vip, ports, li);
        boolean v6 = f.ipVersion == 6;
        synq.iss[e] = isns.isn(f.dstHi, f.dstLo, f.dstPort, f.srcHi, f.srcLo, f.srcPort, core.nowNs); // RFC 6528
        synq.peerMss[e] = f.mss > 0 ? f.mss : (v6 ? 1220 : 536);
        synq.peerWs[e] = cfg.windowScaling && f.windowScale >= 0 ? Math.min(f.windowScale, 14) : -1;
        synq.sack[e] = cfg.sack && f.sackPermitted;
        synq.ts[e] = wantTs(f);
        synq.ecn[e] = wantEcn(f);
        synq.tsRecent[e] = f.tsVal;
        synq.tsVal[e] = core.tsNow();
        synq.sentNs[e] = core.nowNs;
        core.ctr.synQueueDepth = synq.size();
        resendQueued(e, f);
        synq.timer[e] = core.wheel.schedule(core.nowNs + cfg.synackInitialRtoNs, EngineCore.OWNER_SYNQ | e);
        core.ctr.synAcksSent++;
    }

    /** Sends the SYN-ACK of entry {@code e} (first time or again); {@code f} the SYN or null from a timer. */
    private void resendQueued(int e, ParsedFrame f) {
        OutSegment s = core.out.seg.resetSegment();
        s.srcMac = cfg.localMac;
        s.dstMac = cfg.gatewayMac != 0 ? cfg.gatewayMac : synq.peerMac[e];
        s.vlanTci = synq.vlan[e];
        s.ipVersion = synq.v6[e] ? 6 : 4;
        s.srcHi = synq.lHi[e]; s.srcLo = synq.lLo[e]; s.dstHi = synq.rHi[e]; s.dstLo = synq.rLo[e];
        s.srcPort = synq.ports[e] & 0xffff;
        s.dstPort = synq.ports[e] >>> 16;
        s.seq = synq.iss[e];
        s.ack = synq.irs[e] + 1;
        s.flags = SYN | ACK | (synq.ecn[e] ? ECE : 0);
        s.window = synAckWindow();
        s.mss = core.linkMss(synq.v6[e]);
        if (synq.peerWs[e] >= 0) s.windowScale = core.ourWindowShift;
        s.sackPermitted = synq.sack[e];
        if (synq.ts[e]) {
            s.hasTimestamp = true;
            s.tsVal = core.tsNow();
            s.tsEcr = synq.tsRecent[e];
        }
        core.out.send();
    }

    /** The SYN-ACK retransmission timer of entry {@code e}: exponential backoff from 1 s, synack-retries times. */
    void onTimer(int e) {
        synq.timer[e] = -1;
        if (synq.retries[e] >= cfg.synackRetries) {
            core.ctr.synQueueExpired++;
            synq.remove(e);
            core.ctr.synQueueDepth = synq.size();
            return;
        }
        synq.retries[e]++;
        synq.sentNs[e] = -1;
        core.ctr.synAckRetransmits++;
        resendQueued(e, null);
        synq.timer[e] = core.wheel.schedule(core.nowNs + (cfg.synackInitialRtoNs << synq.retries[e]),
                EngineCore.OWNER_SYNQ | e);
    }

    private void dropQueued(int e) {
        core.wheel.cancel(synq.timer[e]);
        synq.timer[e] = -1;
        synq.remove(e);
        core.ctr.synQueueDepth = synq.size();
    }

    /** RFC 9293 §3.10.7.4 in SYN-RECEIVED, for a segment matching a SYN-queue entry. */
    private void onQueued(int e, ParsedFrame f, int vip, int ports) {
        int flags = f.flags;
        if ((flags & RST) != 0) {
            if (f.seq == synq.irs[e] + 1) dropQueued(e); // back to LISTEN
            else core.ctr.dropsNoConnection++;
            return;
        }
        if ((flags & SYN) != 0 && (flags & ACK) == 0) {
            if (f.seq == synq.irs[e]) {
                if (synq.ts[e] && f.hasTimestamp) synq.tsRecent[e] = f.tsVal; // as Linux's tcp_check_req
                resendQueued(e, f);       // the client lost our SYN-ACK
                synq.sentNs[e] = -1;      // Karn: the handshake RTT is ambiguous now
                core.ctr.synAckRetransmits++;
                return;
            }
            dropQueued(e);                // a new incarnation: start over
            onSegment(f, vip, ports);
            return;
        }
        if ((flags & ACK) == 0) {
            core.ctr.acksNoFlags++;
            return;
        }
        // RFC 9293 §3.10.7.4: the ACK must ack our SYN; the sequence number may be anywhere in our window (the
        // final ACK may have been lost and a later data segment arrive first), unlike a cookie's
        if (f.ack != synq.iss[e] + 1 || !Seq.inRange(f.seq, synq.irs[e] + 1, synq.irs[e] + 1 + synAckWindow())
                || (flags & SYN) != 0) {
            core.ctr.acksInvalidSynQueue++;
            Resets.reply(core, f);        // <SEQ=SEG.ACK><CTL=RST>
            return;
        }
        int li = synq.listener[e];
        if (!admit(f, li)) return;        // the entry stays; the SYN-ACK timer goes on (as Linux)
        Connection c = newConnection(f, vip, ports, li, synq.iss[e], synq.irs[e], synq.peerMss[e], synq.peerWs[e],
                synq.sack[e], synq.ts[e], synq.v6[e]);
        if (c != null) {
            c.ecnOn = synq.ecn[e];
            // RFC 6298 §2 / Karn: the SYN-ACK went once, so its round trip is a clean first sample (as Linux)
            if (synq.sentNs[e] >= 0) Rtt.sample(c, Math.max(1, core.nowNs - synq.sentNs[e]), cfg);
        }
        dropQueued(e);
        if (c == null) return;
        core.ctr.acksValidSynQueue++;
        established(c, f);
    }

    // ---------------------------------------------------------------- final ACK as a cookie

    private void finalAck(ParsedFrame f, int vip, int ports, int li) {
        boolean v6 = f.ipVersion == 6;
        int clientIsn = f.seq - 1, cookie = f.ack - 1;
        int r = core.codec.check(f.srcHi, f.srcLo, f.srcPort, f.dstHi, f.dstLo, f.dstPort, clientIsn, cookie,
                core.wallSeconds);
        if (r < 0) {
            switch (r) {
                case CookieCodec.REJECT_TOO_OLD -> core.ctr.acksInvalidCookieExpired++;
                case CookieCodec.REJECT_BAD_MSS -> core.ctr.acksInvalidCookieMss++;
                default -> core.ctr.acksInvalidCookie++;
            }
            Resets.reply(core, f);
            return;
        }
        if (!admit(f, li)) return;
        boolean ts = wantTs(f);
        int ws = -1;
        boolean sack = false;
        if (ts) {
            ws = cfg.windowScaling ? TsCookie.wscale(f.tsEcr) : -1;
            sack = cfg.sack && TsCookie.sack(f.tsEcr);
        }
        Connection c = newConnection(f, vip, ports, li, cookie, clientIsn, MssTable.mss(r, v6), ws, sack, ts, v6);
        if (c == null) return;
        c.ecnOn = ts && cfg.ecn && TsCookie.ecn(f.tsEcr);
        core.ctr.acksValidCookie++;
        established(c, f);
    }

    /** Room in the accept queue, the connection table and the buffer budget; false (counted) when not. */
    private boolean admit(ParsedFrame f, int li) {
        if (core.listeners[li].full()) {
            if (cfg.abortOnOverflow) {
                core.ctr.acksResetAcceptQueueFull++;
                Resets.reply(core, f);
            } else {
                core.ctr.acksDroppedAcceptQueueFull++; // the client's next segment validates again
            }
            return false;
        }
        if (core.pool.freeChunks() < 2) {
            core.ctr.acksRefusedMemory++;
            return false;
        }
        if (core.connTable.full()) {
            core.ctr.acksRefusedConnectionLimit++;
            return false;
        }
        return true;
    }

    private Connection newConnection(ParsedFrame f, int vip, int ports, int li, int iss, int irs, int peerMss,
                                     int peerWs, boolean sack, boolean ts, boolean v6) {
        Connection c = core.allocate();
        if (c == null) {
            core.ctr.acksRefusedConnectionLimit++;
            return null;
        }
        long now = core.nowNs;
        c.rHi = f.srcHi; c.rLo = f.srcLo; c.lHi = f.dstHi; c.lLo = f.dstLo;
        c.rPort = f.srcPort; c.lPort = f.dstPort; c.ports = ports; c.vip = vip; c.v6 = v6;
        c.peerMac = f.srcMac; c.vlanTci = f.vlanTci; c.listener = li;
        c.iss = iss; c.irs = irs;
        c.sndUna = c.sndNxt = c.sndMax = iss + 1;
        c.recoverSeq = iss;
        c.ecnRecoverSeq = iss;
        c.rcvNxt = irs + 1;
        c.lastAckSent = c.rcvNxt;
        // RFC 7323 §2.2: scaling holds only when both sides sent the option
        if (peerWs >= 0) {
            c.sndWs = peerWs;
            c.rcvWs = core.ourWindowShift;
            c.sndWsOk = true;
        }
        c.sackOn = sack;
        c.tsOn = ts;
        c.peerMss = peerMss;
        c.pmtu = cfg.mtu;
        c.mss = Math.min(peerMss, core.linkMss(v6)) - (ts ? 12 : 0); // RFC 9293 §3.7.1 Eff.snd.MSS
        c.rcvAdvRight = c.rcvNxt + synAckWindow();
        c.sndWnd = (int) Math.min((long) (f.window & 0xffff) << c.sndWs, Integer.MAX_VALUE);
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = f.seq;
        c.sndWl2 = f.ack;
        if (ts) {
            c.tsRecent = f.tsVal;
            c.tsRecentNs = now;
            // our later TSvals must not go below the SYN-ACK's (TsCookie may have stepped it, RFC 7323 §5.2)
            int ahead = f.tsEcr - core.tsNow();
            c.tsOffset = ahead > 0 && ahead < 1000 ? ahead : 0;
        }
        Rtt.init(c, cfg);
        Cubic.init(c, cfg.initialCwndSegments);
        c.lastActivityNs = now;
        if (cfg.idleTimeoutNs > 0) c.idleDeadline = now + cfg.idleTimeoutNs;
        core.setState(c, TcpState.ESTABLISHED);
        core.connTable.put(c.rHi, c.rLo, ports, vip, c.slot);
        c.inTable = true;
        return c;
    }

    /** Queue the new connection for accept, then let the receiver see the rest of the final ACK (data, FIN). */
    private void established(Connection c, ParsedFrame f) {
        Listener l = core.listeners[c.listener];
        if (l.offer(c.id, core)) {   // room was checked by admit()
            c.queued = true;
            core.ctr.acceptQueueDepth++;
            core.events.onAcceptable();
        }
        core.receiver.onSegment(c, f);
        core.updateMemoryGauge();
    }
}
