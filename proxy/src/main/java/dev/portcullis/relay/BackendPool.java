package dev.portcullis.relay;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named list of backends and the way to choose among them. Shared by all shards, immutable apart from the
 * backends' own state; a reload builds a new pool (reusing the {@link Backend} objects of addresses it keeps, so
 * their health and counters carry over). {@link #firstChoice} picks where a connection starts; on a refused or
 * timed-out connect the relay moves on to {@link #next}, so every eligible backend is tried at most once per
 * client connection. Backends that health checks took down, or that drain, are never tried.
 *
 * <p>Source addresses: with a list configured, each backend connect binds the next address of the backend's
 * family in turn (port 0 with IP_BIND_ADDRESS_NO_PORT, so the kernel picks the port at connect time and each
 * source address has its own ephemeral range per backend: about 28,000 connections each with the default
 * ip_local_port_range).
 */
public final class BackendPool {
    private final String name;
    private final List<Backend> backends;
    private final Balance balance;
    private final Duration connectTimeout;
    private final long retryAfterNs;
    private final HealthCheck healthCheck;
    private final List<InetAddress> sources4, sources6;
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicInteger sourceTurn = new AtomicInteger();

    public BackendPool(String name, List<InetSocketAddress> addresses, Balance balance, Duration connectTimeout, Duration retryAfter) {
        this(name, fresh(name, addresses), balance, connectTimeout, retryAfter, HealthCheck.DEFAULT, List.of());
    }

    public BackendPool(String name, List<Backend> backends, Balance balance, Duration connectTimeout, Duration retryAfter,
                       HealthCheck healthCheck, List<InetAddress> sourceAddresses) {
        if (backends.isEmpty()) throw new IllegalArgumentException("pool " + name + " has no backends");
        this.name = name;
        this.backends = List.copyOf(backends);
        this.balance = balance;
        this.connectTimeout = connectTimeout;
        this.retryAfterNs = retryAfter.toNanos();
        this.healthCheck = healthCheck;
        List<InetAddress> s4 = new ArrayList<>(), s6 = new ArrayList<>();
        for (InetAddress a : sourceAddresses) (a instanceof Inet4Address ? s4 : s6).add(a);
        this.sources4 = List.copyOf(s4);
        this.sources6 = List.copyOf(s6);
    }

    public static List<Backend> fresh(String pool, List<InetSocketAddress> addresses) {
        List<Backend> list = new ArrayList<>(addresses.size());
        for (InetSocketAddress a : addresses) list.add(new Backend(pool, a));
        return list;
    }

    public String name() { return name; }
    public List<Backend> backends() { return backends; }
    public Balance balance() { return balance; }
    public Duration connectTimeout() { return connectTimeout; }
    public HealthCheck healthCheck() { return healthCheck; }
    long retryAfterNs() { return retryAfterNs; }

    /** True when at least one backend takes new connections (readiness). */
    public boolean anyUp(long nowNs) {
        for (Backend b : backends) if (b.isUp(nowNs)) return true;
        return false;
    }

    /**
     * The index of the backend to try first for a client at (srcHi, srcLo): by turn, fewest connections, or the
     * address's hash; an up backend when there is one, else an eligible one (its passive mark may be stale), else
     * -1 (all down by checks or draining).
     */
    int firstChoice(long srcHi, long srcLo, long nowNs) {
        int n = backends.size();
        int start = switch (balance) {
            case ROUND_ROBIN -> Math.floorMod(turn.getAndIncrement(), n);
            case SOURCE_HASH -> Math.floorMod(mix(srcHi, srcLo), n);
            case LEAST_CONNECTIONS -> least(nowNs);
        };
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            if (backends.get(i).isUp(nowNs)) return i;
        }
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            if (backends.get(i).eligible()) return i;
        }
        return -1;
    }

    /**
     * The backend for attempt number {@code tried} (0 = the first), skipping those not eligible, or -1 when all
     * have been tried. {@code first} is the index {@link #firstChoice} gave (-1: none eligible).
     */
    int next(int first, int tried) {
        if (first < 0) return -1;
        int n = backends.size();
        int seen = 0;
        for (int k = 0; k < n; k++) {
            int i = (first + k) % n;
            if (!backends.get(i).eligible()) continue;
            if (seen++ == tried) return i;
        }
        return -1;
    }

    /** The source address for a connect to {@code backend}: the next of its family in turn, or null (the kernel picks). */
    InetAddress nextSource(InetAddress backend) {
        List<InetAddress> list = backend instanceof Inet4Address ? sources4 : sources6;
        if (list.isEmpty()) return null;
        return list.get(Math.floorMod(sourceTurn.getAndIncrement(), list.size()));
    }

    private int least(long nowNs) {
        int best = -1, bestActive = Integer.MAX_VALUE;
        int n = backends.size();
        int offset = Math.floorMod(turn.getAndIncrement(), n); // ties go round in turn
        for (int k = 0; k < n; k++) {
            int i = (offset + k) % n;
            Backend b = backends.get(i);
            if (!b.isUp(nowNs)) continue;
            int a = b.active.get();
            if (a < bestActive) { best = i; bestActive = a; }
        }
        return best < 0 ? offset : best;
    }

    /** A 64-bit finalizer (SplitMix64's) over the address, so nearby client addresses spread over the pool. */
    static int mix(long hi, long lo) {
        long z = hi * 0x9E3779B97F4A7C15L ^ lo;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) (z ^ (z >>> 31)) & 0x7fff_ffff;
    }

    @Override
    public String toString() {
        return name + backends;
    }
}
