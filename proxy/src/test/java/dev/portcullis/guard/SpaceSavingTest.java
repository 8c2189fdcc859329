package dev.portcullis.guard;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SpaceSavingTest {
    /**
     * Property (Metwally et al., lemmas 3.4-3.5): over a skewed random stream every key with more than n/k
     * occurrences is held, and each held count c with error e brackets the truth: c - e <= true <= c.
     */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void holds_every_frequent_key_with_bounded_error(long seed) {
        Random r = new Random(seed);
        int k = 10 + r.nextInt(60);
        SpaceSaving s = new SpaceSaving(k, seed);
        Map<Long, Integer> truth = new HashMap<>();
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            // a Zipf-like mix: a few keys very often, many rarely
            long key = r.nextInt(4) == 0 ? r.nextInt(8) : r.nextInt(r.nextBoolean() ? 200 : 100_000);
            truth.merge(key, 1, Integer::sum);
            s.offer(key >>> 7, key);
            if (i % 5000 == 0) s.offer(-1, -1); // the all-ones key too
        }
        long[] hi = new long[k], lo = new long[k], c = new long[k], e = new long[k];
        int m = s.top(k, hi, lo, c, e);
        assertThat(m).isEqualTo(k);
        for (int i = 0; i < m; i++) {
            if (hi[i] == -1) continue;
            int t = truth.getOrDefault(lo[i], 0);
            assertThat(c[i]).isGreaterThanOrEqualTo(t);
            assertThat(c[i] - e[i]).isLessThanOrEqualTo(t);
            if (i > 0) assertThat(c[i]).isLessThanOrEqualTo(c[i - 1]);
        }
        for (Map.Entry<Long, Integer> en : truth.entrySet()) {
            if (en.getValue() > s.offered() / k) {
                assertThat(s.countOf(en.getKey() >>> 7, en.getKey())).as("key %d (%d times)", en.getKey(), en.getValue()).isGreaterThanOrEqualTo(en.getValue());
            }
        }
    }
}
