package dev.portcullis.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named list of backends and the way to choose among them. Shared by all shards. {@link #firstChoice} picks
 * where a connection starts; on a refused or timed-out connect the relay moves on to {@link #next}, so every
 * backend is tried at most once per client connection, up ones before down ones.
 */
public final class BackendPool {
    private final String name;
    private final List<Backend> backends;
    private final Balance balance;
    private final Duration connectTimeout;
    private final long retryAfterNs;
    private final AtomicInteger turn = new AtomicInteger();

    public BackendPool(String name, List<InetSocketAddress> addresses, Balance balance, Duration connectTimeout, Duration retryAfter) {
        if (addresses.isEmpty()) throw new IllegalArgumentException("pool " + name + " has no backends");
        this.name = name;
        List<Backend> list = new ArrayList<>(addresses.size());
        for (InetSocketAddress a : addresses) list.add(new Backend(name, a));
        this.backends = List.copyOf(list);
        this.balance = balance;
        this.connectTimeout = connectTimeout;
        this.retryAfterNs = retryAfter.toNanos();
    }

    public String name() { return name; }
    public List<Backend> backends() { return backends; }
    public Balance balance() { return balance; }
    public Duration connectTimeout() { return connectTimeout; }
    long retryAfterNs() { return retryAfterNs; }

    /** True when at least one backend is not marked down (readiness). */
    public boolean anyUp(long nowNs) {
        for (Backend b : backends) if (b.isUp(nowNs)) return true;
        return false;
    }

    /**
     * The index of the backend to try first for a client at (srcHi, srcLo): by turn, fewest connections, or the
     * address's hash; an up backend when there is one.
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
        return start; // all down: try them anyway, a backend may have come back
    }

    /**
     * The next backend after a failed attempt, or -1 when all {@code n} have been tried. {@code tried} is the
     * number of attempts made, {@code first} the index {@link #firstChoice} gave.
     */
    int next(int first, int tried) {
        return tried >= backends.size() ? -1 : (first + tried) % backends.size();
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
}
