package dev.portcullis.relay;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Backend choice over random pools where some backends are down by checks, draining or passively marked. */
class BackendPoolTest {
    /** Builds a pool of n backends with random states (seeded) and returns it. */
    static BackendPool randomPool(Random rnd, Balance balance, long nowNs) {
        int n = 1 + rnd.nextInt(8);
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Backend b = new Backend("p", new InetSocketAddress("127.0.0.1", 1000 + i));
            switch (rnd.nextInt(4)) {
                case 0 -> { for (int k = 0; k < 3; k++) b.checked(false, 2, 3); }   // down by checks
                case 1 -> b.draining(true);
                case 2 -> b.connectFailed(nowNs, 5_000_000_000L);                   // passive mark
                default -> { }
            }
            if (rnd.nextInt(10) == 0) b.active.set(rnd.nextInt(5));
            list.add(b);
        }
        return new BackendPool("p", list, balance, Duration.ofSeconds(1), Duration.ofSeconds(5), HealthCheck.DEFAULT, List.of());
    }

    @ParameterizedTest
    @EnumSource(Balance.class)
    void every_eligible_backend_is_tried_once_and_no_other_up_ones_first(Balance balance) {
        Random rnd = new Random(20261124L + balance.ordinal());
        long now = 1_000_000_000L;
        for (int round = 0; round < 2000; round++) {
            BackendPool p = randomPool(rnd, balance, now);
            Set<Integer> eligible = new HashSet<>();
            boolean anyUp = false;
            for (int i = 0; i < p.backends().size(); i++) {
                if (p.backends().get(i).eligible()) eligible.add(i);
                anyUp |= p.backends().get(i).isUp(now);
            }
            int first = p.firstChoice(rnd.nextLong(), rnd.nextLong(), now);
            if (eligible.isEmpty()) {
                assertThat(first).isEqualTo(-1);
                assertThat(p.next(first, 0)).isEqualTo(-1);
                continue;
            }
            assertThat(eligible).contains(first);
            if (anyUp) assertThat(p.backends().get(first).isUp(now)).as("an up backend comes first when there is one").isTrue();
            List<Integer> tried = new ArrayList<>();
            for (int t = 0; ; t++) {
                int i = p.next(first, t);
                if (i < 0) break;
                tried.add(i);
            }
            assertThat(tried.getFirst()).isEqualTo(first);
            assertThat(tried).doesNotHaveDuplicates();
            assertThat(new HashSet<>(tried)).isEqualTo(eligible);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void source_addresses_alternate_within_the_backends_family(int n4) throws Exception {
        List<java.net.InetAddress> sources = new ArrayList<>();
        for (int i = 0; i < n4; i++) sources.add(java.net.InetAddress.getByName("10.0.0." + (5 + i)));
        sources.add(java.net.InetAddress.getByName("2001:db8::6"));
        BackendPool p = new BackendPool("p", BackendPool.fresh("p", List.of(new InetSocketAddress("127.0.0.1", 1))),
                Balance.ROUND_ROBIN, Duration.ofSeconds(1), Duration.ofSeconds(5), HealthCheck.DEFAULT, sources);
        java.net.InetAddress v4 = java.net.InetAddress.getByName("192.0.2.1");
        Set<java.net.InetAddress> seen = new HashSet<>();
        for (int i = 0; i < 3 * n4; i++) {
            java.net.InetAddress s = p.nextSource(v4);
            assertThat(s.getAddress()).hasSize(4);
            seen.add(s);
        }
        assertThat(seen).hasSize(n4);
        assertThat(p.nextSource(java.net.InetAddress.getByName("2001:db8::1"))).isEqualTo(sources.getLast());
        BackendPool none = new BackendPool("p", BackendPool.fresh("p", List.of(new InetSocketAddress("127.0.0.1", 1))),
                Balance.ROUND_ROBIN, Duration.ofSeconds(1), Duration.ofSeconds(5), HealthCheck.DEFAULT, List.of());
        assertThat(none.nextSource(v4)).isNull();
    }
}
