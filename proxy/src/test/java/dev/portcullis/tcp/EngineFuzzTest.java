package dev.portcullis.tcp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

/**
 * Arbitrary segments against live connections ({@link Chaos}): no exception, memory and tables bounded, nothing
 * left at the end. The Jazzer target runs its corpus in regression mode (JAZZER_FUZZ=1 to fuzz); the seeded
 * variant runs many random sequences on every build.
 */
class EngineFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void arbitrarySegments(FuzzedDataProvider data) {
        Chaos chaos = new Chaos(data.consumeBoolean());
        for (int k = 0; k < 3; k++) chaos.open(k);
        Chaos.Source s = new Chaos.Source() {
            @Override public int pick(int bound) { return data.consumeInt(0, bound - 1); }
            @Override public boolean more() { return data.remainingBytes() > 0; }
        };
        for (int i = 0; i < 2000 && s.more(); i++) chaos.step(s);
        chaos.finish();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void randomSegments(long seed) {
        Random r = new Random(seed);
        Chaos chaos = new Chaos(seed % 2 == 0);
        for (int k = 0; k < 3; k++) chaos.open(k);
        Chaos.Source s = new Chaos.Source() {
            @Override public int pick(int bound) { return r.nextInt(bound); }
            @Override public boolean more() { return true; }
        };
        try {
            for (int i = 0; i < 5000; i++) chaos.step(s);
            chaos.finish();
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("seed " + seed + ": " + e, e);
        }
    }
}
