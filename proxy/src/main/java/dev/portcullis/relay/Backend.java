package dev.portcullis.relay;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend address of a pool, shared by the shards: its open-connection count (for least-connections), its
 * failure counters and whether it is up. A failed connect marks it down for {@code retryAfterNs}; a successful one
 * marks it up. Written from several shard threads, so atomics; touched once per connect, never per byte.
 */
public final class Backend {
    private final String pool;
    private final InetSocketAddress address;
    final AtomicInteger active = new AtomicInteger();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private volatile long downUntilNs;
    private volatile boolean down;

    public Backend(String pool, InetSocketAddress address) {
        this.pool = pool;
        this.address = address;
    }

    public String pool() { return pool; }
    public InetSocketAddress address() { return address; }
    public int activeConnections() { return active.get(); }
    public long connectFailures() { return connectFailures.sum(); }
    public long connects() { return connects.sum(); }
    /** Connections the backend ended with an error or a reset after they were established. */
    public long resets() { return resets.sum(); }

    /** Up unless the last connect failed less than the retry time ago. */
    public boolean isUp(long nowNs) {
        return !down || nowNs - downUntilNs >= 0;
    }

    /** For metrics: down since the last failed connect, until a connect succeeds. */
    public boolean isMarkedDown() {
        return down;
    }

    void connectFailed(long nowNs, long retryAfterNs) {
        connectFailures.increment();
        downUntilNs = nowNs + retryAfterNs;
        down = true;
    }

    void connected() {
        connects.increment();
        down = false;
    }

    /** A health probe connected: up again (not counted as a relayed connect). */
    void probeSucceeded() {
        down = false;
    }

    void reset() {
        resets.increment();
    }

    /** "host:port" as configured (the tag of its meters). */
    public String label() {
        String h = address.getHostString();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return pool + "/" + label();
    }
}
