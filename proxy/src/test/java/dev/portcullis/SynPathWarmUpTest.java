package dev.portcullis;

import dev.portcullis.guard.GuardConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SynPathWarmUpTest {
    /** The synthetic SYNs go the whole way: 7 in 8 frames are SYNs, each answered by the throwaway engine. */
    @Test
    void every_synthetic_syn_gets_a_cookie() {
        long t0 = System.nanoTime();
        long cookies = SynPathWarmUp.run(0x0a4d0003, 80, true, GuardConfig.off(), 80_000);
        System.out.printf("warm-up: %d cookies for 80,000 frames in %d ms%n", cookies, (System.nanoTime() - t0) / 1_000_000);
        assertThat(cookies).isEqualTo(70_000);
    }

    /** With the SYN queue first (on-overflow) the path runs too: queued SYNs then cookies once the queue is full. */
    @Test
    void on_overflow_mode_runs_the_queue_then_cookies() {
        long cookies = SynPathWarmUp.run(0x0a4d0003, 80, false, GuardConfig.off(), 80_000);
        assertThat(cookies).isPositive().isLessThan(70_000);
    }
}
