package dev.portcullis.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-second windows over Space-Saving, exact and sampled 1 in 16. */
class HeavyHittersTest {
    private static final long S = 1_000_000_000L;

    /**
     * Property: sampled 1 in 16, a flood of 200,000 random sources a second with 4 heavy sources at 2 % to 12 %
     * of it: the heavy ones are the top 4, each estimate within 4 binomial standard deviations of its true rate,
     * and the window's total is exact.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void sampled_estimates_find_the_heavy_keys(long seed) {
        Random r = new Random(seed);
        HeavyHitters h = new HeavyHitters(64, seed, HeavyHitters.DEFAULT_SAMPLE_SHIFT);
        int n = 200_000;
        long[] heavy = {0xAL, 0xBL, 0xCL, 0xDL};
        double[] share = {0.02, 0.05, 0.08, 0.12};
        long[] truth = new long[4];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(), acc = 0;
            long key = 0x1_0000_0000L + r.nextInt(1 << 30);
            for (int j = 0; j < 4; j++) {
                acc += share[j];
                if (u < acc) { key = heavy[j]; truth[j]++; break; }
            }
            h.offer(0, key, (long) i * (S / n)); // one second
        }
        long[] hi = new long[10], lo = new long[10], c = new long[10], e = new long[10];
        int m = h.top(10, S + 1, hi, lo, c, e); // the window turned: the second above is "the last"
        assertThat(m).isEqualTo(10);
        assertThat(h.lastSecondTotal(S + 1)).isEqualTo(n);
        for (int rank = 0; rank < 4; rank++) {
            int j = 3 - rank; // the heaviest first
            assertThat(lo[rank]).as("rank %d", rank).isEqualTo(heavy[j]);
            double sd = Math.sqrt(truth[j] * 16.0);
            assertThat((double) c[rank]).as("estimate of key %d (true %d)", j, truth[j])
                    .isBetween(truth[j] - 4 * sd, truth[j] + 4 * sd + e[rank]);
        }
        // the counts are scaled back: the light keys' estimates are multiples of 16
        assertThat(c[9] % 16).isZero();
    }

    /** Without sampling the counts are Space-Saving's exact upper bounds (the summary's own property). */
    @Test
    void unsampled_counts_are_exact_for_a_held_key() {
        HeavyHitters h = new HeavyHitters(16, 7);
        for (int i = 0; i < 1000; i++) h.offer(0, i % 2 == 0 ? 42 : i, i);
        long[] hi = new long[1], lo = new long[1], c = new long[1], e = new long[1];
        assertThat(h.top(1, S + 1, hi, lo, c, e)).isEqualTo(1);
        assertThat(lo[0]).isEqualTo(42);
        assertThat(c[0] - e[0]).isLessThanOrEqualTo(500);
        assertThat(c[0]).isGreaterThanOrEqualTo(500);
        assertThat(h.lastSecondTotal(S + 1)).isEqualTo(1000);
    }

    /** A second of silence empties "the last second", total included. */
    @Test
    void silence_ages_out() {
        HeavyHitters h = new HeavyHitters(16, 7, 4);
        for (int i = 0; i < 1000; i++) h.offer(0, 1, i);
        assertThat(h.lastSecondTotal(S + 1)).isEqualTo(1000);
        assertThat(h.lastSecondTotal(3 * S + 2)).isZero();
        assertThat(h.top(1, 3 * S + 2, new long[1], new long[1], new long[1], new long[1])).isZero();
    }
}
