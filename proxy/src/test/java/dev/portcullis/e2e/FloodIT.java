package dev.portcullis.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8, checks 3 and 4. A SYN flood with random spoofed sources (trafgen, 10 s, as fast as this box sends) leaves
 * the connection table, the accept queue and the heap flat, while legitimate clients (a loop of new connections,
 * each doing a request) keep 100 % success. An ACK flood with random acknowledgment numbers creates connections at
 * no more than the cookie codec's stated rate of 2^-29 per random ACK.
 */
class FloodIT {
    static final int FLOOD_SECONDS = 10;
    static final long FLOOD_MAX_FRAMES = 30_000_000;
    static final int LEGIT_THREADS = 4;
    static Rig rig;
    static LegitClients legit;

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("FloodIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
        legit = new LegitClients(rig.client, LEGIT_THREADS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (legit != null) legit.close();
        if (rig != null) E2e.stopAndClose(rig);
    }

    /** Samples of the proxy's state taken once a second while something runs. */
    static final class Sampler implements AutoCloseable {
        final List<long[]> samples = new ArrayList<>(); // established, accept queue, heap used, old gen used
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Sampler() {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    try {
                        Scrape s = rig.portcullis.scrape();
                        long[] v = {s.count("portcullis_connections_established"), s.count("portcullis_accept_queue_depth"),
                                s.count("jvm_memory_used_bytes", "area=\"heap\""),
                                s.count("jvm_memory_used_bytes", "area=\"heap\"", "Old Gen")};
                        synchronized (samples) {
                            samples.add(v);
                        }
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        synchronized (samples) {
                            samples.add(new long[] {-1, -1, -1, -1});
                        }
                    }
                }
            });
        }

        long max(int column) {
            synchronized (samples) {
                return samples.stream().mapToLong(v -> v[column]).max().orElse(-1);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.interrupt();
            thread.join(5000);
        }
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void syn_flood_leaves_table_and_heap_flat_and_legit_clients_all_succeed(boolean offloads) throws Exception {
        rig.offloads(offloads);
        String tag = Figures.offloads(offloads);

        // Without a flood first: the legit clients' own figures.
        legit.start();
        Thread.sleep(3000);
        legit.stop();
        assertThat(legit.failures).as("legit failures without a flood").isEmpty();
        Figures.print("legit_connect_p99_us_no_flood_" + tag, Figures.percentile(legit.connectMicros(), 99));
        Figures.print("legit_connections_per_s_no_flood_" + tag, legit.attempts() / legit.seconds());

        Scrape before = rig.portcullis.scrape();
        long heapBefore = before.count("jvm_memory_used_bytes", "area=\"heap\"");
        long oldBefore = before.count("jvm_memory_used_bytes", "area=\"heap\"", "Old Gen");
        Trafgen flood = Trafgen.start(rig, Trafgen.synConfig(rig, Rig.TB), FLOOD_SECONDS, FLOOD_MAX_FRAMES);
        long sent;
        Scrape after;
        try (Sampler sampler = new Sampler()) {
            legit.start();
            try {
                sent = flood.await(FLOOD_SECONDS + 20);
            } finally {
                legit.stop();
            }
            after = rig.portcullis.scrape();
            sampler.close();

            double seconds = flood.seconds();
            System.out.println("counters changed during the SYN flood (" + tag + "):\n" + after.changesSince(before));
            long cookies = after.count("portcullis_cookies_sent_total") - before.count("portcullis_cookies_sent_total");
            long syns = after.count("portcullis_syns_received_total") - before.count("portcullis_syns_received_total");
            long ringDrops = after.count("portcullis_ring_drops_total") - before.count("portcullis_ring_drops_total");
            Figures.print("syn_flood_sent_pps_" + tag, sent / seconds);
            Figures.print("syn_flood_synacks_answered_per_s_" + tag, cookies / seconds);
            Figures.print("syn_flood_syns_received_per_s_" + tag, syns / seconds);
            Figures.print("syn_flood_ring_drops_" + tag, ringDrops);
            Figures.print("syn_flood_max_established_" + tag, sampler.max(0));
            Figures.print("syn_flood_max_accept_queue_" + tag, sampler.max(1));
            Figures.print("syn_flood_heap_used_before_MB_" + tag, heapBefore >> 20);
            Figures.print("syn_flood_heap_used_max_MB_" + tag, sampler.max(2) >> 20);
            Figures.print("syn_flood_heap_used_after_MB_" + tag, after.count("jvm_memory_used_bytes", "area=\"heap\"") >> 20);
            Figures.print("syn_flood_old_gen_before_MB_" + tag, oldBefore >> 20);
            Figures.print("syn_flood_old_gen_max_MB_" + tag, sampler.max(3) >> 20);
            Figures.print("legit_connect_p99_us_syn_flood_" + tag, Figures.percentile(legit.connectMicros(), 99));
            Figures.print("legit_connect_max_us_syn_flood_" + tag, Figures.percentile(legit.connectMicros(), 100));
            Figures.print("legit_connections_per_s_syn_flood_" + tag, legit.attempts() / legit.seconds());
            Figures.print("legit_connections_syn_flood_" + tag, legit.attempts());

            assertThat(sent).as("frames trafgen sent").isGreaterThan(100_000);
            assertThat(syns).as("SYNs Portcullis received (the rest the ring dropped)").isGreaterThan(sent / 10);
            assertThat(legit.failures).as("legit client failures during the flood (%d attempts)", legit.attempts()).isEmpty();
            assertThat(legit.successes.get()).as("legit requests during the flood").isGreaterThan(50);
            // No state for a SYN: the table holds only the legit clients' connections, one per thread at a time;
            // the shards publish their counts at different moments, so a sum may count a thread's old connection on
            // one shard and its new one on the other: at most twice the threads.
            assertThat(sampler.max(0)).as("connections established during the flood").isBetween(0L, 2L * LEGIT_THREADS);
            assertThat(sampler.max(1)).as("accept queue depth during the flood").isBetween(0L, 2L * LEGIT_THREADS);
            // No memory for a SYN: the old generation does not grow with the flood (young collections come and go).
            assertThat(sampler.max(3) - oldBefore).as("old-gen growth during the flood, bytes").isLessThan(32L << 20);
        } finally {
            flood.kill();
        }
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void ack_flood_creates_connections_no_faster_than_the_codec_rate(boolean offloads) throws Exception {
        rig.offloads(offloads);
        String tag = Figures.offloads(offloads);
        Scrape before = rig.portcullis.scrape();
        Trafgen flood = Trafgen.start(rig, Trafgen.ackConfig(rig, Rig.TB), 5, FLOOD_MAX_FRAMES);
        long sent;
        try {
            sent = flood.await(30);
        } finally {
            flood.kill();
        }
        Thread.sleep(500); // the shards publish their counters every 200 ms
        Scrape after = rig.portcullis.scrape();
        System.out.println("counters changed during the ACK flood (" + tag + "):\n" + after.changesSince(before));
        long valid = after.count("portcullis_acks_valid_total") - before.count("portcullis_acks_valid_total");
        long invalid = after.count("portcullis_acks_invalid_total") - before.count("portcullis_acks_invalid_total");
        long tried = valid + invalid;
        double expected = tried / (double) (1L << 29);
        long bound = poissonBound(expected, 1e-6);
        Figures.print("ack_flood_sent_pps_" + tag, sent / flood.seconds());
        Figures.print("ack_flood_acks_checked_" + tag, tried);
        Figures.print("ack_flood_acks_valid_" + tag, valid);
        System.out.printf("ACK flood (%s): %d sent, %d checked against the cookie, %d valid; expected %.2e, bound %d%n",
                tag, sent, tried, valid, expected, bound);
        assertThat(tried).as("random ACKs that reached the cookie check").isGreaterThan(sent / 10);
        assertThat(valid).as("connections made by random ACKs (at 2^-29 each: %.2e expected)", expected).isLessThanOrEqualTo(bound);
    }

    /** The smallest k with P(X > k) < p for X ~ Poisson(mean). */
    static long poissonBound(double mean, double p) {
        double term = Math.exp(-mean), cdf = term;
        long k = 0;
        while (1 - cdf >= p) {
            k++;
            term *= mean / k;
            cdf += term;
        }
        return k;
    }
}
