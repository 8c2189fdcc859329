package dev.portcullis.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The overload rule: strangers' SYNs are shed only while the ring's queue is older than the target. */
class SynShedderTest {
    private static final long MS = 1_000_000L, S = 1_000_000_000L;
    private static final long V4 = 0xffff_0000_0000L; // ::ffff:0.0.0.0

    @Test
    void a_short_queue_sheds_nothing() {
        SynShedder s = new SynShedder(5 * MS, SynShedder.DEFAULT_PROVEN_TTL_NS, 1024, 1);
        for (int i = 0; i < 1000; i++) assertThat(s.shed(0, V4 | i, 5 * MS, i)).isFalse();
        assertThat(s.shed).isZero();
    }

    @Test
    void a_long_queue_sheds_strangers_and_keeps_proven_sources() {
        SynShedder s = new SynShedder(5 * MS, SynShedder.DEFAULT_PROVEN_TTL_NS, 1024, 1);
        long client = V4 | 0x0a4d0001L;
        assertThat(s.shed(0, client, 6 * MS, S)).as("a stranger while behind").isTrue();
        s.proven(0, client, S);
        assertThat(s.shed(0, client, 6 * MS, 2 * S)).as("proven by its handshake").isFalse();
        assertThat(s.shed(0, client + 1, 6 * MS, 2 * S)).as("its neighbour is still a stranger").isTrue();
        assertThat(s.shed(0x2001_0db8L << 32, client, 6 * MS, 2 * S)).as("same low bits, other address").isTrue();
        assertThat(s.shed).isEqualTo(3);
        assertThat(s.provenKept).isEqualTo(1);
        assertThat(s.proven).isEqualTo(1);
        s.proven(0, client, 3 * S);
        assertThat(s.proven).as("proving again is not a new source").isEqualTo(1);
    }

    @Test
    void proof_expires() {
        SynShedder s = new SynShedder(5 * MS, SynShedder.DEFAULT_PROVEN_TTL_NS, 1024, 1);
        s.proven(0, V4 | 7, 10 * S);
        assertThat(s.isProven(0, V4 | 7, 10 * S + SynShedder.DEFAULT_PROVEN_TTL_NS - 1)).isTrue();
        assertThat(s.isProven(0, V4 | 7, 10 * S + SynShedder.DEFAULT_PROVEN_TTL_NS)).isFalse();
        assertThat(s.isProven(0, 0, 0)).as("an empty slot proves nothing, the all-zero key included").isFalse();
    }

    @Test
    void zero_switches_each_part_off() {
        SynShedder never = new SynShedder(0, SynShedder.DEFAULT_PROVEN_TTL_NS, 1024, 1);
        assertThat(never.shed(0, V4 | 1, 10 * S, S)).as("target 0: never shed").isFalse();
        SynShedder noProof = new SynShedder(5 * MS, 0, 1024, 1);
        noProof.proven(0, V4 | 1, S);
        assertThat(noProof.shed(0, V4 | 1, 6 * MS, S)).as("proven-for 0: no one is proven").isTrue();
    }

    /**
     * Property: a spoofed flood over random addresses never makes a stranger proven (only handshakes write), and
     * of 1,000 proven clients among 4,096 slots at most the colliding ones are forgotten (birthday bound: the
     * expected number of clients that lose their slot is about n^2 / 2m, 122 here; asserted under 250).
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void spoofing_proves_no_one_and_collisions_only_forget(long seed) {
        Random r = new Random(seed);
        SynShedder s = new SynShedder(5 * MS, SynShedder.DEFAULT_PROVEN_TTL_NS, 4096, seed);
        long[] clients = new long[1000];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = V4 | (0x0a00_0000L + r.nextInt(1 << 24));
            s.proven(0, clients[i], S);
        }
        int spoofedKept = 0;
        for (int i = 0; i < 200_000; i++) {
            if (!s.shed(0, V4 | (0x6440_0000L + r.nextInt(1 << 22)), 10 * MS, 2 * S)) spoofedKept++;
        }
        assertThat(spoofedKept).isZero();
        int forgotten = 0;
        for (long c : clients) if (!s.isProven(0, c, 2 * S)) forgotten++;
        assertThat(forgotten).isLessThan(250);
    }
}
