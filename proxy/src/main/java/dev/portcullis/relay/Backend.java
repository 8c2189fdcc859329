package dev.portcullis.relay;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend address of a pool, shared by the shards: its open-connection count (for least-connections), its
 * failure counters and whether it takes new connections. Written from several shard threads, so atomics and
 * volatiles; touched once per connect, never per byte.
 *
 * <p>Two views of health: the <em>checked</em> state, which only the {@link HealthChecker} changes (rise/fall
 * over its connects); and a <em>passive</em> mark, set by a failed relayed connect so that the next connections
 * avoid the backend for {@code retryAfterNs} without waiting for {@code fall} checks, cleared by the next
 * successful connect or check. A <em>draining</em> backend (configuration, applied by reload) takes no new
 * connections while its open ones continue.
 */
public final class Backend {
    private final String pool;
    private final InetSocketAddress address;
    final AtomicInteger active = new AtomicInteger();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connects = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private volatile long downUntilNs;
    private volatile boolean passiveDown;
    private volatile boolean checkedUp = true;
    private volatile boolean draining;
    private volatile boolean retired;
    // rise/fall run lengths: written only by the checker's event loop
    private int okInARow, failedInARow;
    private final LongAdder checksFailed = new LongAdder();
    private final LongAdder checksOk = new LongAdder();

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
    public long checksOk() { return checksOk.sum(); }
    public long checksFailed() { return checksFailed.sum(); }

    /** Takes new connections: checked up, not draining, and no failed connect within the retry time. */
    public boolean isUp(long nowNs) {
        return eligible() && (!passiveDown || nowNs - downUntilNs >= 0);
    }

    /** Checked up and not draining: may be tried at all (a passive mark only lowers its turn). */
    boolean eligible() {
        return checkedUp && !draining && !retired;
    }

    /** The state health checks gave it (true until {@code fall} checks in a row failed). */
    public boolean isCheckedUp() {
        return checkedUp;
    }

    /**
     * For metrics (portcullis_backend_up) and readiness: down when the checks say so, or since a failed relayed
     * connect until a connect or check succeeds; a backend removed by reload reads as down.
     */
    public boolean isMarkedDown() {
        return !checkedUp || passiveDown || retired;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Set from the configuration (pools.X.drain) when a pool is built or reloaded. */
    public void draining(boolean d) {
        draining = d;
    }

    /**
     * Removed from its pool by a reload (true): its meters stay, reading down; open connections continue. Added
     * back by a later reload (false).
     */
    public void retired(boolean r) {
        retired = r;
    }

    void connectFailed(long nowNs, long retryAfterNs) {
        connectFailures.increment();
        downUntilNs = nowNs + retryAfterNs;
        passiveDown = true;
    }

    void connected() {
        connects.increment();
        passiveDown = false;
    }

    /**
     * A check's outcome; on the checker's loop only. Returns +1 when the backend just came up, -1 when it just
     * went down, 0 otherwise.
     */
    int checked(boolean ok, int rise, int fall) {
        if (ok) {
            checksOk.increment();
            failedInARow = 0;
            okInARow++;
            if (checkedUp) {
                passiveDown = false; // the backend answers again: no need to wait out the retry time
                return 0;
            }
            if (okInARow >= rise) {
                checkedUp = true;
                passiveDown = false;
                return 1;
            }
            return 0;
        }
        checksFailed.increment();
        okInARow = 0;
        failedInARow++;
        if (checkedUp && failedInARow >= fall) {
            checkedUp = false;
            return -1;
        }
        return 0;
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
