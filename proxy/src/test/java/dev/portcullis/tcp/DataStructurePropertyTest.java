package dev.portcullis.tcp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random operations on the flow table (open addressing, backward-shift deletion), the timer wheel and the
 * range set, each checked step by step against a plain java.util model.
 */
class DataStructurePropertyTest {
    record Key(long hi, long lo, int ports, int vip) {}

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void flowTableMatchesHashMap(long seed) {
        Random r = new Random(seed);
        FlowTable t = new FlowTable(64, seed);
        Map<Key, Integer> model = new HashMap<>();
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // few distinct values per field, so probe runs collide and wrap
            keys.add(new Key(r.nextInt(3), r.nextInt(40), r.nextInt(4) << 16 | 80, r.nextInt(2)));
        }
        for (int step = 0; step < 20_000; step++) {
            Key k = keys.get(r.nextInt(keys.size()));
            switch (r.nextInt(3)) {
                case 0 -> {
                    int v = r.nextInt(1000);
                    boolean ok = t.put(k.hi, k.lo, k.ports, k.vip, v);
                    if (model.containsKey(k) || model.size() < 64) {
                        assertThat(ok).isTrue();
                        model.put(k, v);
                    } else {
                        assertThat(ok).isFalse();
                    }
                }
                case 1 -> {
                    Integer old = model.remove(k);
                    assertThat(t.remove(k.hi, k.lo, k.ports, k.vip)).isEqualTo(old == null ? -1 : old);
                }
                default -> assertThat(t.get(k.hi, k.lo, k.ports, k.vip)).isEqualTo(model.getOrDefault(k, -1));
            }
            assertThat(t.size()).isEqualTo(model.size());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void timerWheelFiresExactlyTheDueTimers(long seed) {
        Random r = new Random(seed);
        long tick = 1_000_000L;
        TimerWheel w = new TimerWheel(tick, 64, 256); // a small wheel: deadlines several turns away
        TreeMap<Long, Long> model = new TreeMap<>();  // id -> deadline
        Map<Long, Long> ownerOf = new HashMap<>();
        List<Long> fired = new ArrayList<>();
        long now = 5_000_000_000L;
        w.start(now);
        long owner = 0;
        for (int step = 0; step < 20_000; step++) {
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    long d = now + (r.nextInt(10) == 0 ? -r.nextInt(5_000_000) : r.nextInt(300) * 1_000_000L + r.nextInt(1000));
                    long id = w.schedule(d, ++owner);
                    if (model.size() == 256) {
                        assertThat(id).isEqualTo(-1);
                    } else {
                        assertThat(id).isNotNegative();
                        model.put(id, d);
                        ownerOf.put(owner, id);
                    }
                }
                case 2 -> {
                    if (!model.isEmpty()) {
                        long id = new ArrayList<>(model.keySet()).get(r.nextInt(model.size()));
                        assertThat(w.cancel(id)).isTrue();
                        assertThat(w.cancel(id)).isFalse();
                        model.remove(id);
                    }
                }
                default -> {
                    long next = w.nextDeadlineNs();
                    long trueNext = model.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
                    assertThat(next).as("next deadline never later than the earliest timer").isLessThanOrEqualTo(trueNext);
                    now += r.nextInt(40) * 1_000_000L + r.nextInt(1_000_000);
                    fired.clear();
                    w.poll(now, (o, t) -> fired.add(o));
                    final long n = now;
                    List<Long> due = new ArrayList<>();
                    model.entrySet().removeIf(e -> {
                        if (e.getValue() <= n) { due.add(e.getKey()); return true; }
                        return false;
                    });
                    List<Long> firedIds = fired.stream().map(ownerOf::get).sorted().toList();
                    assertThat(firedIds).isEqualTo(due.stream().sorted().toList());
                }
            }
            assertThat(w.live()).isEqualTo(model.size());
        }
    }

    /** Small limits refuse additions; 6 stays within the initial arrays, 40 grows them (8, 16, 32, 40). */
    @ParameterizedTest(name = "seed {0}, at most {1} ranges")
    @CsvSource({"1, 6", "2, 6", "3, 6", "4, 6", "5, 40", "6, 40", "7, 40"})
    void rangeSetMatchesABitmap(long seed, int max) {
        Random r = new Random(seed);
        RangeSet s = new RangeSet(max);
        boolean[] bits = new boolean[400];
        for (int step = 0; step < 5000; step++) {
            if (r.nextInt(10) == 0) {
                int below = r.nextInt(400);
                s.removeBelow(below);
                for (int i = 0; i < below; i++) bits[i] = false;
            } else {
                int a = r.nextInt(390), b = a + 1 + r.nextInt(10);
                boolean[] copy = bits.clone();
                for (int i = a; i < b; i++) bits[i] = true;
                if (!s.add(a, b)) bits = copy; // refused: more ranges than allowed, nothing changed
            }
            int ranges = 0;
            for (int i = 0; i < 400; i++) {
                assertThat(s.contains(i)).as("position %d", i).isEqualTo(bits[i]);
                if (bits[i] && (i == 0 || !bits[i - 1])) ranges++;
            }
            assertThat(s.count()).isEqualTo(ranges).isLessThanOrEqualTo(max);
        }
    }
}
