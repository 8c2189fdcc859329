package dev.portcullis.tcp;

import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.FIN;
import static dev.portcullis.wire.TcpFlags.RST;
import static dev.portcullis.wire.TcpFlags.SYN;

/**
 * TIME_WAIT (RFC 9293 §3.10.7.4) in compact entries, like Linux's inet_timewait_sock: the 4-tuple, the two
 * sequence numbers, the timestamp state and a 2 MSL timer; not a whole connection. A retransmitted FIN is
 * acknowledged again and restarts the timer; a new SYN with a newer sequence number or timestamp (RFC 6191) ends
 * the entry and opens a new connection.
 */
final class TimeWait {
    /** What the engine does with a segment after {@link #onSegment}. */
    static final int CONSUMED = 0, NEW_SYN = 1;

    private final EngineCore core;
    private final FlowTable table;
    private final long[] rHi, rLo, lHi, lLo, peerMac, timer;
    private final int[] ports, vip, vlan, rcvNxt, sndNxt, tsRecent, tsOffset, window;
    private final boolean[] v6, tsOn;
    private final int[] free;
    private int freeCount;

    TimeWait(EngineCore core) {
        this.core = core;
        int n = core.cfg.timeWaitCapacity;
        table = new FlowTable(n, core.cfg.hashSeed ^ 0x5bd1e995L);
        rHi = new long[n]; rLo = new long[n]; lHi = new long[n]; lLo = new long[n];
        peerMac = new long[n]; timer = new long[n];
        ports = new int[n]; vip = new int[n]; vlan = new int[n]; rcvNxt = new int[n]; sndNxt = new int[n];
        tsRecent = new int[n]; tsOffset = new int[n]; window = new int[n];
        v6 = new boolean[n]; tsOn = new boolean[n];
        free = new int[n];
        for (int i = 0; i < n; i++) free[i] = n - 1 - i;
        freeCount = n;
    }

    int lookup(long h, long l, int p, int v) {
        return table.get(h, l, p, v);
    }

    /** The connection reached TIME_WAIT: move it into a compact entry (or skip TIME_WAIT when full). */
    void enter(Connection c) {
        if (c.inTable) {
            core.connTable.remove(c.rHi, c.rLo, c.ports, c.vip);
            c.inTable = false;
        }
        if (freeCount == 0) {
            core.ctr.timeWaitOverflows++;
        } else {
            int e = free[--freeCount];
            rHi[e] = c.rHi; rLo[e] = c.rLo; lHi[e] = c.lHi; lLo[e] = c.lLo;
            ports[e] = c.ports; vip[e] = c.vip; peerMac[e] = c.peerMac; vlan[e] = c.vlanTci; v6[e] = c.v6;
            rcvNxt[e] = c.rcvNxt; sndNxt[e] = c.sndNxt;
            tsOn[e] = c.tsOn; tsRecent[e] = c.tsRecent; tsOffset[e] = c.tsOffset; window[e] = c.lastWinSent;
            table.put(c.rHi, c.rLo, c.ports, c.vip, e);
            timer[e] = core.wheel.schedule(core.nowNs + 2 * core.cfg.mslNs, EngineCore.OWNER_TW | e);
            core.ctr.timeWaitEntries++;
        }
        core.finish(c, CloseReason.NORMAL);
    }

    /** RFC 9293 §3.10.7.4 in TIME-WAIT, RFC 6191 for SYNs. */
    int onSegment(int e, ParsedFrame f) {
        int flags = f.flags;
        if ((flags & RST) != 0) {
            if (f.seq == rcvNxt[e]) remove(e); // RFC 5961 §3.2: exact match only
            return CONSUMED;
        }
        if ((flags & SYN) != 0 && (flags & ACK) == 0) {
            boolean newer = tsOn[e] && f.hasTimestamp ? Seq.gt(f.tsVal, tsRecent[e]) : Seq.gt(f.seq, rcvNxt[e]);
            if (newer) {
                core.ctr.timeWaitRecycled++;
                remove(e);
                return NEW_SYN;
            }
            ack(e);
            return CONSUMED;
        }
        if ((flags & FIN) != 0) {
            // the peer did not get our ACK of its FIN: ACK again and restart 2 MSL
            core.wheel.cancel(timer[e]);
            timer[e] = core.wheel.schedule(core.nowNs + 2 * core.cfg.mslNs, EngineCore.OWNER_TW | e);
        }
        if (core.challengeGlobal.tryAcquire(core.nowNs)) ack(e);
        else core.ctr.challengeAcksSuppressed++;
        return CONSUMED;
    }

    private void ack(int e) {
        OutSegment s = core.out.seg.resetSegment();
        s.srcMac = core.cfg.localMac;
        s.dstMac = core.cfg.gatewayMac != 0 ? core.cfg.gatewayMac : peerMac[e];
        s.vlanTci = vlan[e];
        s.ipVersion = v6[e] ? 6 : 4;
        s.srcHi = lHi[e]; s.srcLo = lLo[e]; s.dstHi = rHi[e]; s.dstLo = rLo[e];
        s.srcPort = ports[e] & 0xffff;
        s.dstPort = ports[e] >>> 16;
        s.seq = sndNxt[e];
        s.ack = rcvNxt[e];
        s.flags = ACK;
        s.window = window[e];
        if (tsOn[e]) {
            s.hasTimestamp = true;
            s.tsVal = core.tsNow() + tsOffset[e];
            s.tsEcr = tsRecent[e];
        }
        core.out.send();
    }

    void expire(int e) {
        timer[e] = -1;
        remove(e);
    }

    private void remove(int e) {
        table.remove(rHi[e], rLo[e], ports[e], vip[e]);
        if (timer[e] >= 0) core.wheel.cancel(timer[e]);
        timer[e] = -1;
        free[freeCount++] = e;
        core.ctr.timeWaitEntries--;
    }
}
