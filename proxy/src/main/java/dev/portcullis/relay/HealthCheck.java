package dev.portcullis.relay;

import java.time.Duration;

/**
 * Active health checks of one pool, as HAProxy's {@code check inter rise fall}: every {@code interval} a plain TCP
 * connect to each backend, failed when it is refused or takes longer than {@code timeout}. An up backend goes
 * down after {@code fall} failed checks in a row and comes back after {@code rise} successful ones in a row.
 */
public record HealthCheck(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {
    /** The defaults of reference.conf: on, 2 s, 1 s, rise 2, fall 3. */
    public static final HealthCheck DEFAULT = new HealthCheck(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3);

    public HealthCheck {
        if (rise < 1 || fall < 1) throw new IllegalArgumentException("rise and fall must be >= 1");
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("interval and timeout must be positive");
        }
    }
}
