package dev.portcullis.relay;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The application side of an engine with bounded buffers and no packets, for relay tests before and besides the
 * real TcpEngine: each connection has a receive buffer (client → relay) and a send buffer (relay → client) of
 * fixed capacity, with the contract's semantics (read 0 / -1, write 0 when full and onWritable when room frees).
 * The "client" side is driven by the test through the methods below, always on the event loop. It stands in for
 * the wire: what the relay does with it is the real code under test.
 */
final class MemoryEngine implements EngineConnections {
    static final class Conn {
        final long id;
        final Endpoints ep = new Endpoints();
        final int rxCapacity, txCapacity;
        byte[] rx = new byte[0];
        int rxStart, rxLen;
        final ByteArrayOutputStream tx = new ByteArrayOutputStream();
        boolean peerFin, outputShut, closed, aborted, wantWritable;
        boolean rxWasFull;

        Conn(long id, int rxCapacity, int txCapacity) {
            this.id = id;
            this.rxCapacity = rxCapacity;
            this.txCapacity = txCapacity;
            this.rx = new byte[rxCapacity];
        }
    }

    Relay relay;
    private final ArrayDeque<Long> acceptQueue = new ArrayDeque<>();
    final Map<Long, Conn> conns = new HashMap<>();
    private long nextId = 1;

    // ---- the client's side (test) ----

    Conn connect(long clientHi, long clientLo, int clientPort, long localHi, long localLo, int localPort, int rxCap, int txCap) {
        Conn c = new Conn(nextId++ | (7L << 40), rxCap, txCap);
        c.ep.clientHi = clientHi; c.ep.clientLo = clientLo; c.ep.clientPort = clientPort;
        c.ep.localHi = localHi; c.ep.localLo = localLo; c.ep.localPort = localPort;
        conns.put(c.id, c);
        acceptQueue.add(c.id);
        relay.onAcceptable();
        return c;
    }

    /** Bytes the client sends, as far as the receive buffer (the window) takes them. */
    int clientSend(Conn c, byte[] b, int off, int len) {
        if (c.closed || c.aborted) return -1;
        int n = Math.min(len, c.rxCapacity - c.rxLen);
        for (int i = 0; i < n; i++) c.rx[(c.rxStart + c.rxLen + i) % c.rxCapacity] = b[off + i];
        c.rxLen += n;
        if (c.rxLen == c.rxCapacity) c.rxWasFull = true;
        if (n > 0) relay.onReadable(c.id);
        return n;
    }

    void clientFin(Conn c) {
        c.peerFin = true;
        relay.onPeerFin(c.id);
    }

    /** Everything the relay has written so far, taken out of the send buffer (frees room → onWritable). */
    byte[] clientRead(Conn c, int max) {
        byte[] all = c.tx.toByteArray();
        int n = Math.min(max, all.length);
        c.tx.reset();
        c.tx.write(all, n, all.length - n);
        byte[] out = java.util.Arrays.copyOf(all, n);
        if (n > 0 && c.wantWritable) {
            c.wantWritable = false;
            relay.onWritable(c.id);
        }
        return out;
    }

    void clientReset(Conn c) {
        c.closed = true;
        conns.remove(c.id);
        relay.onClosed(c.id, 1);
    }

    // ---- EngineConnections ----

    @Override
    public long accept() {
        Long id = acceptQueue.poll();
        return id == null ? -1 : id;
    }

    @Override
    public int read(long id, MemorySegment dst, long off, int len) {
        Conn c = conns.get(id);
        if (c == null) return -1;
        if (c.rxLen == 0) return c.peerFin ? -1 : 0;
        int n = Math.min(len, c.rxLen);
        for (int i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, off + i, c.rx[(c.rxStart + i) % c.rxCapacity]);
        c.rxStart = (c.rxStart + n) % c.rxCapacity;
        c.rxLen -= n;
        return n;
    }

    @Override
    public int write(long id, MemorySegment src, long off, int len) {
        Conn c = conns.get(id);
        if (c == null || c.outputShut) return 0;
        int n = Math.min(len, c.txCapacity - c.tx.size());
        byte[] b = new byte[n];
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, off, b, 0, n);
        c.tx.write(b, 0, n);
        if (n < len) c.wantWritable = true;
        return n;
    }

    @Override
    public void shutdownOutput(long id) {
        Conn c = conns.get(id);
        if (c != null) c.outputShut = true;
    }

    @Override
    public void close(long id) {
        Conn c = conns.get(id);
        if (c != null) c.closed = true;
    }

    @Override
    public void abort(long id) {
        Conn c = conns.get(id);
        if (c != null) c.aborted = true;
    }

    @Override
    public boolean endpoints(long id, Endpoints out) {
        Conn c = conns.get(id);
        if (c == null) return false;
        out.clientHi = c.ep.clientHi; out.clientLo = c.ep.clientLo; out.clientPort = c.ep.clientPort;
        out.localHi = c.ep.localHi; out.localLo = c.ep.localLo; out.localPort = c.ep.localPort;
        return true;
    }
}
