package dev.portcullis.loadtest.impair;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImpairPolicyTest {
    static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 12345, 0xfeedL})
    void ratesMatchTheConfigurationOverManyFrames(long seed) {
        ImpairPolicy p = new ImpairPolicy(5, 1, 5, 10 * MS, 5 * MS, seed);
        long[] rel = new long[2];
        int copies = 0;
        for (int i = 0; i < 200_000; i++) copies += p.decide(i * 10_000L, rel);
        assertThat(p.frames).isEqualTo(200_000);
        assertThat(p.dropped / 200_000.0).isBetween(0.045, 0.055);
        double passed = 200_000 - p.dropped;
        assertThat(p.duplicated / passed).isBetween(0.008, 0.012);
        assertThat(p.reordered / passed).isBetween(0.045, 0.055);
        assertThat(copies).isEqualTo((int) (passed + p.duplicated));
    }

    @Test
    void sameSeedSameDecisions() {
        ImpairPolicy a = new ImpairPolicy(10, 10, 10, 10 * MS, 5 * MS, 99);
        ImpairPolicy b = new ImpairPolicy(10, 10, 10, 10 * MS, 5 * MS, 99);
        long[] ra = new long[2], rb = new long[2];
        for (int i = 0; i < 10_000; i++) {
            int ca = a.decide(i * 1000L, ra);
            int cb = b.decide(i * 1000L, rb);
            assertThat(ca).isEqualTo(cb);
            if (ca > 0) assertThat(ra[0]).isEqualTo(rb[0]);
        }
        assertThat(a.json()).isEqualTo(b.json());
    }

    @Test
    void noImpairmentPassesEveryFrameAtOnceInOrder() {
        ImpairPolicy p = new ImpairPolicy(0, 0, 0, 0, 0, 3);
        long[] rel = new long[2];
        for (int i = 0; i < 1000; i++) {
            assertThat(p.decide(i * 50L, rel)).isEqualTo(1);
            assertThat(rel[0]).isEqualTo(i * 50L);
        }
        assertThat(p.dropped + p.duplicated + p.reordered + p.delayed).isZero();
    }

    @Test
    void delayStaysWithinJitterAndOrderHoldsForFramesNotReordered() {
        ImpairPolicy p = new ImpairPolicy(0, 0, 0, 10 * MS, 5 * MS, 5);
        long[] rel = new long[2];
        long last = Long.MIN_VALUE;
        long minDelay = Long.MAX_VALUE, maxDelay = 0;
        for (int i = 0; i < 50_000; i++) {
            long now = i * 100_000L; // a frame every 0.1 ms
            assertThat(p.decide(now, rel)).isEqualTo(1);
            assertThat(rel[0]).as("in-order release").isGreaterThanOrEqualTo(last);
            last = rel[0];
            minDelay = Math.min(minDelay, rel[0] - now);
            maxDelay = Math.max(maxDelay, rel[0] - now);
        }
        assertThat(minDelay).isGreaterThanOrEqualTo(5 * MS);
        // clamping to the previous release can add at most the jitter's span
        assertThat(maxDelay).isLessThanOrEqualTo(15 * MS);
        assertThat(p.delayed).isEqualTo(50_000);
    }

    @Test
    void aReorderedFrameIsOvertakenByTheNextFrames() {
        ImpairPolicy p = new ImpairPolicy(0, 0, 20, 2 * MS, 0, 11);
        long[] rel = new long[2];
        List<long[]> frames = new ArrayList<>(); // {index, release, reordered}
        long reorderedBefore = 0;
        for (int i = 0; i < 5000; i++) {
            p.decide(i * 10_000L, rel);
            boolean re = p.reordered > reorderedBefore;
            reorderedBefore = p.reordered;
            frames.add(new long[] {i, rel[0], re ? 1 : 0});
        }
        int checked = 0;
        for (int i = 0; i + 1 < frames.size(); i++) {
            long[] f = frames.get(i);
            if (f[2] == 1 && frames.get(i + 1)[2] == 0) {
                assertThat(frames.get(i + 1)[1]).as("the next frame leaves first").isLessThan(f[1]);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(500);
    }

    @Test
    void duplicatesLeaveTogether() {
        ImpairPolicy p = new ImpairPolicy(0, 100, 0, MS, 0, 2);
        long[] rel = new long[2];
        assertThat(p.decide(0, rel)).isEqualTo(2);
        assertThat(rel[1]).isEqualTo(rel[0]).isEqualTo(MS);
    }

    @Test
    void totalLossDropsEverything() {
        ImpairPolicy p = new ImpairPolicy(100, 0, 0, 0, 0, 2);
        long[] rel = new long[2];
        for (int i = 0; i < 100; i++) assertThat(p.decide(i, rel)).isZero();
        assertThat(p.dropped).isEqualTo(100);
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new ImpairPolicy(101, 0, 0, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImpairPolicy(0, 0, 0, MS, 2 * MS, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
