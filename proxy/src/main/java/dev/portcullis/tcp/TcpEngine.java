package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.cookie.IsnGenerator;
import dev.portcullis.wire.ParsedFrame;

import java.lang.foreign.MemorySegment;

/**
 * One shard's TCP engine: frames and time in, frames and events out. Single-threaded and pure (no clock read,
 * no thread, no socket): every method is called on the shard's thread with the time passed in.
 *
 * <pre>
 *   onFrame(frame) ─▶ connection table ─hit─▶ Receiver/Sender (RFC 9293 §3.10.7.4)
 *                          │ miss
 *                          ├─▶ TIME_WAIT entries (RFC 6191 for SYNs)
 *                          └─▶ Handshake: SYN → cookie SYN-ACK (or SYN queue); ACK → SYN queue, cookie → accept queue
 *   onTimer(now) ─▶ timer wheel ─▶ RTO, persist, delayed ACK, idle, SYN-ACK retries, TIME_WAIT expiry
 *   accept/read/write/shutdownOutput/close/abort ◀─▶ relay
 * </pre>
 */
public final class TcpEngine {
    private final EngineCore core;
    private final TimerWheel.Handler timerHandler;

    public TcpEngine(EngineConfig cfg, CookieCodec codec, FrameSink sink, ConnectionEvents events) {
        this(cfg, codec, new IsnGenerator(), sink, events);
    }

    public TcpEngine(EngineConfig cfg, CookieCodec codec, IsnGenerator isns, FrameSink sink, ConnectionEvents events) {
        core = new EngineCore(cfg, codec, sink, events);
        core.sender = new Sender(core);
        core.receiver = new Receiver(core);
        core.timeWait = new TimeWait(core);
        core.timers = new ConnTimers(core);
        core.handshake = new Handshake(core, isns);
        timerHandler = this::fire;
    }

    // ---------------------------------------------------------------- frames

    /** A parsed frame with verdict OK, of kind TCP or ICMP; anything else is counted and ignored. */
    public void onFrame(ParsedFrame f, long nowNs, long wallSeconds) {
        core.clock(nowNs, wallSeconds);
        switch (f.kind) {
            case ParsedFrame.KIND_TCP -> onTcp(f);
            case ParsedFrame.KIND_ICMP4, ParsedFrame.KIND_ICMP6 -> Icmp.onIcmp(core, f);
            default -> core.ctr.framesNotForUs++;
        }
    }

    private void onTcp(ParsedFrame f) {
        EngineCore core = this.core;
        core.ctr.segmentsIn++;
        int vip = core.cfg.vipIndex(f.dstHi, f.dstLo);
        if (vip < 0 || f.fragment && !f.firstFragment || f.srcPort == 0 || f.dstPort == 0) {
            core.ctr.framesNotForUs++;
            return;
        }
        int ports = (f.srcPort << 16) | f.dstPort;
        int slot = core.connTable.get(f.srcHi, f.srcLo, ports, vip);
        if (slot >= 0) {
            core.receiver.onSegment(core.conns[slot], f);
            return;
        }
        if (core.ctr.timeWaitEntries > 0) {
            int tw = core.timeWait.lookup(f.srcHi, f.srcLo, ports, vip);
            if (tw >= 0 && core.timeWait.onSegment(tw, f) == TimeWait.CONSUMED) return;
        }
        core.handshake.onSegment(f, vip, ports);
    }

    // ---------------------------------------------------------------- timers

    /** Fires every due timer; returns the next deadline ({@code Long.MAX_VALUE} when none). */
    public long onTimer(long nowNs, long wallSeconds) {
        core.clock(nowNs, wallSeconds);
        core.wheel.poll(nowNs, timerHandler);
        return core.wheel.nextDeadlineNs();
    }

    /**
     * Handshakes completed so far (a valid cookie or SYN-queue entry): when a final ACK makes this grow, its source
     * has shown that it receives what we send (the shard's overload control trusts it then).
     */
    public long handshakesCompleted() {
        return core.ctr.acksValidCookie + core.ctr.acksValidSynQueue;
    }

    public long nextDeadlineNs() {
        return core.wheel.nextDeadlineNs();
    }

    private void fire(long owner, long nowNs) {
        int index = (int) owner;
        long kind = owner & 0xffff_ffff_0000_0000L;
        if (kind == EngineCore.OWNER_CONN) {
            Connection c = core.conns[index];
            if (c.id >= 0) core.timers.fire(c, nowNs);
        } else if (kind == EngineCore.OWNER_SYNQ) {
            core.handshake.onTimer(index);
        } else if (kind == EngineCore.OWNER_TW) {
            core.timeWait.expire(index);
        }
    }

    // ---------------------------------------------------------------- relay side

    /** The next established connection from an accept queue, or -1. */
    public long accept() {
        for (Listener l : core.listeners) {
            long id;
            while ((id = l.poll()) >= 0) {
                Connection c = core.byId(id);
                if (c != null && c.queued) {
                    core.dequeue(c);
                    return id;
                }
            }
        }
        return -1;
    }

    /** Bytes read into {@code dst}: 0 when none are ready, -1 at the end of the stream or for an unknown id. */
    public int read(long id, MemorySegment dst, long off, int len) {
        Connection c = core.byId(id);
        if (c == null) return -1;
        long avail = c.rcvNxtPos - c.readPos;
        if (avail == 0) return c.finReceived || c.tcpDone ? -1 : 0;
        int n = (int) Math.min(avail, len);
        if (n <= 0) return 0;
        c.rcv.read(c.readPos, dst, off, n);
        c.readPos += n;
        if (c.readPos == c.rcvNxtPos && c.ooo.isEmpty()) c.rcv.reset(c.readPos); // empty: hold no chunk at all
        else c.rcv.release(c.readPos);
        core.updateMemoryGauge();
        core.receiver.afterRead(c);
        return n;
    }

    /** Bytes taken into the send buffer (0 when full: onWritable follows); -1 when the id is unknown or shut. */
    public int write(long id, MemorySegment src, long off, int len) {
        Connection c = core.byId(id);
        if (c == null || c.tcpDone || c.finQueued || !TcpState.canSend(c.state)) return -1;
        long room = c.snd.capacity() - (c.sndEndPos - c.sndUnaPos);
        int n = (int) Math.max(0, Math.min(room, len));
        int w = n > 0 ? c.snd.write(c.sndEndPos, src, off, n) : 0;
        c.sndEndPos += w;
        if (w < len) c.writeBlocked = true;
        if (w < n) {
            // the global pool ran dry before this connection's own buffer did: ACKs of our own data may not
            // free anything (none may be in flight), so look again shortly
            core.ctr.dropsMemory++;
            c.memoryRetryDeadline = core.nowNs + ConnTimers.MEMORY_RETRY_NS;
            core.timers.arm(c);
        }
        if (w > 0) {
            core.updateMemoryGauge();
            core.sender.output(c);
        }
        return w;
    }

    /** Sends our FIN after the queued bytes (RFC 9293 §3.10.4). */
    public void shutdownOutput(long id) {
        Connection c = core.byId(id);
        if (c == null || c.tcpDone || c.finQueued) return;
        c.finQueued = true;
        if (c.state == TcpState.ESTABLISHED) core.setState(c, TcpState.FIN_WAIT_1);
        else if (c.state == TcpState.CLOSE_WAIT) core.setState(c, TcpState.LAST_ACK);
        core.sender.output(c);
    }

    /**
     * The application is done with the id. Unread data means an abort (RFC 9293 §3.10.4, RFC 2525 §2.17);
     * otherwise our FIN goes out and the engine finishes the close on its own, then calls onClosed.
     */
    public void close(long id) {
        Connection c = core.byId(id);
        if (c == null) return;
        core.dequeue(c);
        if (c.tcpDone) {
            core.free(c, CloseReason.NORMAL);
            return;
        }
        if (c.unreadBytes() > 0 || !c.ooo.isEmpty()) {
            abort(id);
            return;
        }
        c.appClosed = true;
        if (c.state == TcpState.FIN_WAIT_2 && core.cfg.finWait2TimeoutNs > 0) {
            c.finWait2Deadline = core.nowNs + core.cfg.finWait2TimeoutNs;
        }
        shutdownOutput(id);
        core.timers.arm(c);
    }

    /** Resets the connection (RFC 9293 §3.10.5) and forgets it. */
    public void abort(long id) {
        Connection c = core.byId(id);
        if (c == null) return;
        core.ctr.aborts++;
        if (!c.tcpDone) core.sender.sendReset(c);
        c.appClosed = true;
        if (c.tcpDone) core.free(c, CloseReason.ABORTED);
        else core.finish(c, CloseReason.ABORTED);
    }

    /** Fills {@code reuse} (or a new instance) with what is known of the connection; null for an unknown id. */
    public ConnectionInfo info(long id, ConnectionInfo reuse) {
        Connection c = core.byId(id);
        if (c == null) return null;
        ConnectionInfo i = reuse != null ? reuse : new ConnectionInfo();
        i.id = c.id;
        i.remoteHi = c.rHi; i.remoteLo = c.rLo; i.localHi = c.lHi; i.localLo = c.lLo;
        i.remotePort = c.rPort; i.localPort = c.lPort; i.ipv6 = c.v6;
        i.state = c.state;
        i.sendMss = c.mss;
        i.peerWindowScale = c.sndWsOk ? c.sndWs : -1;
        i.ourWindowScale = c.sndWsOk ? c.rcvWs : -1;
        i.sack = c.sackOn;
        i.timestamps = c.tsOn;
        i.srttNs = c.srttNs; i.rttVarNs = c.rttvarNs; i.rtoNs = c.rtoNs;
        i.cwndBytes = c.cwnd; i.ssthreshBytes = c.ssthresh;
        i.bytesUnread = c.rcvNxtPos - c.readPos;
        i.bytesUnsent = Math.max(0, c.unsentBytes());
        i.bytesInFlight = Math.max(0, c.flightBytes());
        i.retransmits = c.retransmits;
        return i;
    }

    /** The live counters (gauges refreshed first); copy them with {@link EngineCounters#snapshot}. */
    public EngineCounters counters() {
        core.updateMemoryGauge();
        return core.ctr;
    }

    /** Pool chunks in use (for tests and the memory gauge). */
    public int bufferChunksUsed() {
        return core.pool.usedChunks();
    }
}
