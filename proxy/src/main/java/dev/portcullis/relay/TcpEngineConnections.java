package dev.portcullis.relay;

import dev.portcullis.tcp.ConnectionInfo;
import dev.portcullis.tcp.TcpEngine;

import java.lang.foreign.MemorySegment;

/**
 * {@link EngineConnections} over the shard's {@link TcpEngine}. The relay drives the engine outside a ring
 * wake-up, so around every call that can send or move a deadline: {@code beforeCall} gives the engine the current
 * time (its clock is otherwise the one of its last frame or timer, and segments and timers would be stamped
 * with it), and {@code afterCall} lets the shard re-arm its timer.
 */
public final class TcpEngineConnections implements EngineConnections {
    private final TcpEngine engine;
    private final Runnable beforeCall, afterCall;
    private final ConnectionInfo info = new ConnectionInfo();

    public TcpEngineConnections(TcpEngine engine, Runnable beforeCall, Runnable afterCall) {
        this.engine = engine;
        this.beforeCall = beforeCall;
        this.afterCall = afterCall;
    }

    @Override
    public long accept() {
        return engine.accept();
    }

    @Override
    public int read(long id, MemorySegment dst, long off, int len) {
        beforeCall.run();
        int n = engine.read(id, dst, off, len); // may send a window update
        afterCall.run();
        return n;
    }

    @Override
    public int write(long id, MemorySegment src, long off, int len) {
        beforeCall.run();
        int n = engine.write(id, src, off, len); // may send data, arms the RTO
        afterCall.run();
        return n;
    }

    @Override
    public void shutdownOutput(long id) {
        beforeCall.run();
        engine.shutdownOutput(id);
        afterCall.run();
    }

    @Override
    public void close(long id) {
        beforeCall.run();
        engine.close(id);
        afterCall.run();
    }

    @Override
    public void abort(long id) {
        beforeCall.run();
        engine.abort(id);
        afterCall.run();
    }

    @Override
    public boolean endpoints(long id, Endpoints out) {
        if (engine.info(id, info) == null) return false;
        out.clientHi = info.remoteHi;
        out.clientLo = info.remoteLo;
        out.clientPort = info.remotePort;
        out.localHi = info.localHi;
        out.localLo = info.localLo;
        out.localPort = info.localPort;
        return true;
    }
}
