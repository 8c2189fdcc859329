package dev.portcullis.tcp;

/** A token bucket on the caller's clock: {@code rate} events per second, bursts of up to {@code burst}. */
final class RateLimiter {
    private static final long NS = 1_000_000_000L;
    private final long rate, capacity; // capacity in token-nanoseconds
    private long tokens;               // token * 1e9 units
    private long lastNs;
    private boolean started;

    RateLimiter(int perSecond, int burst) {
        rate = Math.max(0, perSecond);
        capacity = (long) Math.max(burst, 0) * NS;
        tokens = capacity;
    }

    /** Takes one token if there is one. A rate of 0 never allows anything. */
    boolean tryAcquire(long nowNs) {
        if (rate == 0) return false;
        if (!started) {
            started = true;
            lastNs = nowNs;
        }
        long elapsed = nowNs - lastNs;
        if (elapsed > 0) {
            long add = Math.min(elapsed, 100L * NS) * rate;
            tokens = Math.min(capacity, tokens + add);
            lastNs = nowNs;
        }
        if (tokens >= NS) {
            tokens -= NS;
            return true;
        }
        return false;
    }
}
