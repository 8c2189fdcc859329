package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;

/**
 * What every part of one engine shares: configuration, counters, clocks, the output, the buffer pool, the timer
 * wheel, the connection store and table, and the parts themselves. One per engine, one thread.
 */
final class EngineCore {
    static final long OWNER_CONN = 1L << 32, OWNER_SYNQ = 2L << 32, OWNER_TW = 3L << 32;

    final EngineConfig cfg;
    final EngineCounters ctr = new EngineCounters();
    final FrameSink sink;
    final ConnectionEvents events;
    final CookieCodec codec;
    final BufferPool pool;
    final TimerWheel wheel;
    final Output out;
    final RateLimiter rstLimiter, challengeGlobal;
    final Listener[] listeners;
    private final byte[] listenerByPort = new byte[65536]; // index + 1, 0 = none
    final int ourWindowShift;

    // connections
    final Connection[] conns;
    private final int[] freeSlots;
    private int freeSlotCount;
    private int created;
    final FlowTable connTable;

    // parts
    Sender sender;
    Receiver receiver;
    Handshake handshake;
    TimeWait timeWait;
    ConnTimers timers;

    // clocks: monotonic for timers and RTT, wall for cookies and the timestamp clock
    long nowNs, wallSeconds;
    private long tsBaseMs;
    private boolean clockSet;

    EngineCore(EngineConfig cfg, CookieCodec codec, FrameSink sink, ConnectionEvents events) {
        this.cfg = cfg;
        this.codec = codec;
        this.sink = sink;
        this.events = events;
        pool = new BufferPool(cfg.memoryBudgetBytes, cfg.chunkBytes);
        int timers = cfg.maxConnections + cfg.synQueueSize + cfg.timeWaitCapacity + 16;
        wheel = new TimerWheel(cfg.timerTickNs, cfg.timerSlots, timers);
        out = new Output(this);
        rstLimiter = new RateLimiter(cfg.rstPerSecond, Math.max(1, cfg.rstPerSecond));
        challengeGlobal = new RateLimiter(cfg.challengeAcksGlobalPerSecond, Math.max(1, cfg.challengeAcksGlobalPerSecond));
        if (cfg.listenPorts.length > 250) throw new IllegalArgumentException("at most 250 listening ports");
        listeners = new Listener[cfg.listenPorts.length];
        for (int i = 0; i < listeners.length; i++) {
            listeners[i] = new Listener(cfg.listenPorts[i], cfg.listenBacklogs[i]);
            listenerByPort[cfg.listenPorts[i]] = (byte) (i + 1);
        }
        ourWindowShift = cfg.ourWindowShift();
        conns = new Connection[cfg.maxConnections];
        freeSlots = new int[cfg.maxConnections];
        connTable = new FlowTable(cfg.maxConnections, cfg.hashSeed);
        ctr.bufferChunksTotal = pool.capacity();
    }

    void clock(long nowNs, long wallSeconds) {
        this.nowNs = nowNs;
        this.wallSeconds = wallSeconds;
        if (!clockSet) {
            // RFC 7323 §5.4: the TS clock ticks in ms; it follows the wall clock at start, then the monotonic one
            tsBaseMs = wallSeconds * 1000 - Math.floorDiv(nowNs, 1_000_000L);
            clockSet = true;
            wheel.start(nowNs);
        }
    }

    /** The timestamp clock in ms (RFC 7323 §5.4), before any per-connection offset. */
    int tsNow() {
        return (int) (tsBaseMs + Math.floorDiv(nowNs, 1_000_000L));
    }

    /** Listener index for a local port, or -1. */
    int listenerFor(int port) {
        return listenerByPort[port & 0xffff] - 1;
    }

    /** The mss of our own link: what we advertise and the most we send (RFC 9293 §3.7.1). */
    int linkMss(boolean v6) {
        return cfg.mtu - (v6 ? 60 : 40);
    }

    // ---- connection store ----

    /** A fresh connection object, or null at the connection limit. */
    Connection allocate() {
        Connection c;
        if (freeSlotCount > 0) {
            c = conns[freeSlots[--freeSlotCount]];
        } else if (created < conns.length) {
            c = new Connection(created, pool, cfg);
            conns[created++] = c;
        } else {
            return null;
        }
        c.reset();
        c.generation = (c.generation + 1) & 0x7fff_ffff;
        c.id = ((long) c.generation << 32) | c.slot;
        ctr.connections++;
        ctr.connectionsOpened++;
        return c;
    }

    /** The live connection with this id, or null (stale ids find nothing). */
    Connection byId(long id) {
        if (id < 0) return null;
        int slot = (int) id;
        if (slot < 0 || slot >= created) return null;
        Connection c = conns[slot];
        return c.id == id ? c : null;
    }

    void setState(Connection c, int state) {
        gauge(c.state, -1);
        c.state = state;
        gauge(state, 1);
    }

    private void gauge(int state, int d) {
        switch (state) {
            case TcpState.ESTABLISHED -> ctr.connEstablished += d;
            case TcpState.FIN_WAIT_1 -> ctr.connFinWait1 += d;
            case TcpState.FIN_WAIT_2 -> ctr.connFinWait2 += d;
            case TcpState.CLOSE_WAIT -> ctr.connCloseWait += d;
            case TcpState.CLOSING -> ctr.connClosing += d;
            case TcpState.LAST_ACK -> ctr.connLastAck += d;
            case TcpState.TIME_WAIT, TcpState.CLOSED -> ctr.connDone += d;
            default -> { }
        }
    }

    /**
     * The TCP exchange of {@code c} is over. Errors free the connection at once (its unread data is lost, RFC
     * 9293 §3.10.7.4); a normal end keeps it readable until the application closes it.
     */
    void finish(Connection c, int reason) {
        if (c.inTable) {
            connTable.remove(c.rHi, c.rLo, c.ports, c.vip);
            c.inTable = false;
        }
        wheel.cancel(c.timerId);
        c.timerId = -1;
        c.timerAt = Long.MAX_VALUE;
        c.tcpDone = true;
        if (c.state != TcpState.TIME_WAIT) setState(c, TcpState.CLOSED);
        // the send side is of no use any more; the receive side stays readable until close()
        c.snd.releaseAll();
        c.ooo.clear();
        if (reason != CloseReason.NORMAL || c.appClosed) free(c, reason);
        updateMemoryGauge();
    }

    /** The connection leaves its accept queue (accepted, closed or dead); its stale id may stay in the ring. */
    void dequeue(Connection c) {
        if (!c.queued) return;
        c.queued = false;
        listeners[c.listener].live--;
        ctr.acceptQueueDepth--;
    }

    /** Forgets the connection: its chunks go back to the pool and the application hears onClosed. */
    void free(Connection c, int reason) {
        dequeue(c);
        if (c.inTable) {
            connTable.remove(c.rHi, c.rLo, c.ports, c.vip);
            c.inTable = false;
        }
        wheel.cancel(c.timerId);
        long id = c.id;
        gauge(c.state, -1);
        c.state = -1; // no state: the slot is free
        c.tcpDone = true;
        c.snd.releaseAll();
        c.rcv.releaseAll();
        c.id = -1;
        freeSlots[freeSlotCount++] = c.slot;
        ctr.connections--;
        ctr.connectionsClosed++;
        updateMemoryGauge();
        events.onClosed(id, reason);
    }

    void updateMemoryGauge() {
        ctr.bufferChunksUsed = pool.usedChunks();
    }
}
