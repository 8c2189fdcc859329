package dev.portcullis.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class AdminServerTest {
    PortcullisMetrics metrics;
    AdminServer server;
    ScheduledExecutorService shardThread;
    final HttpClient http = HttpClient.newHttpClient();
    final AtomicBoolean backendUp = new AtomicBoolean(false);
    /** The shard's live counter, bumped by "packets" on the shard thread only. */
    long liveSyns;

    @BeforeEach
    void start() throws Exception {
        metrics = new PortcullisMetrics();
        shardThread = Executors.newSingleThreadScheduledExecutor();
        ShardPublisher p = new ShardPublisher(0, new String[]{"bad_cookie", "stale_counter"}, new String[]{"truncated_ip", "ring_cut"}, s -> {
            s.synsReceived = liveSyns;
            s.cookiesSent = liveSyns - 1;
            s.acksValid = 40;
            s.acksInvalid[0] = 7;
            s.acksInvalid[1] = 2;
            s.acceptQueueDepth = 3;
            s.established = 12;
            s.drops[0] = 5;
            s.ringDrops = 9;
            s.relayBytesToBackend = 1000;
            s.relayBytesToClient = 250_000;
        });
        metrics.registerShard(p);
        AtomicLong failures = new AtomicLong(4);
        metrics.registerBackend("web", "10.0.0.5:8080", failures::get, () -> 1, () -> 6, backendUp::get);
        shardThread.submit(() -> liveSyns = 1234).get();
        p.start(shardThread, 50);
        server = new AdminServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics,
                () -> !p.isFresh(System.nanoTime(), 2_000_000_000L) ? "shard 0 is not running"
                        : backendUp.get() ? null : "no backend of pool web is up");
    }

    @AfterEach
    void stop() {
        server.close();
        shardThread.shutdownNow();
        metrics.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series " + series + " in\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void scrape_has_the_portcullis_meters_with_their_values() throws Exception {
        Thread.sleep(120); // a publication or two
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        String s = r.body();
        assertThat(value(s, "portcullis_syns_received_total{shard=\"0\"}")).isEqualTo(1234);
        assertThat(value(s, "portcullis_cookies_sent_total{shard=\"0\"}")).isEqualTo(1233);
        assertThat(value(s, "portcullis_acks_valid_total{shard=\"0\"}")).isEqualTo(40);
        assertThat(value(s, "portcullis_acks_invalid_total{reason=\"bad_cookie\",shard=\"0\"}")).isEqualTo(7);
        assertThat(value(s, "portcullis_acks_invalid_total{reason=\"stale_counter\",shard=\"0\"}")).isEqualTo(2);
        assertThat(value(s, "portcullis_accept_queue_depth{shard=\"0\"}")).isEqualTo(3);
        assertThat(value(s, "portcullis_syn_queue_overflows_total{shard=\"0\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_connections_established{shard=\"0\"}")).isEqualTo(12);
        assertThat(value(s, "portcullis_retransmissions_total{shard=\"0\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_challenge_acks_total{shard=\"0\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_rsts_sent_total{shard=\"0\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_drops_total{reason=\"truncated_ip\",shard=\"0\"}")).isEqualTo(5);
        assertThat(value(s, "portcullis_ring_drops_total{shard=\"0\"}")).isEqualTo(9);
        assertThat(value(s, "portcullis_ring_frames_cut_total{shard=\"0\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_relay_bytes_total{direction=\"to_backend\",shard=\"0\"}")).isEqualTo(1000);
        assertThat(value(s, "portcullis_relay_bytes_total{direction=\"to_client\",shard=\"0\"}")).isEqualTo(250_000);
        assertThat(value(s, "portcullis_backend_connect_failures_total{backend=\"10.0.0.5:8080\",pool=\"web\"}")).isEqualTo(4);
        assertThat(value(s, "portcullis_backend_active_connections{backend=\"10.0.0.5:8080\",pool=\"web\"}")).isEqualTo(6);
        assertThat(value(s, "portcullis_backend_up{backend=\"10.0.0.5:8080\",pool=\"web\"}")).isEqualTo(0);
        assertThat(value(s, "portcullis_shard_up{shard=\"0\"}")).isEqualTo(1);
        assertThat(s).contains("jvm_memory_used_bytes", "process_cpu_usage", "jvm_threads_live_threads");
        assertThat(s).contains("# HELP portcullis_syns_received_total SYNs received");
    }

    @Test
    void a_new_value_shows_after_the_next_publication_not_before() throws Exception {
        Thread.sleep(120);
        shardThread.submit(() -> liveSyns = 5000).get();
        // the shard's next periodic copy publishes it (period 50 ms)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double v;
        do {
            v = value(get("/metrics").body(), "portcullis_syns_received_total{shard=\"0\"}");
        } while (v != 5000 && System.nanoTime() < deadline);
        assertThat(v).isEqualTo(5000);
    }

    @Test
    void healthz_is_ok_and_readyz_follows_the_backends() throws Exception {
        Thread.sleep(120);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        HttpResponse<String> notReady = get("/readyz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("no backend of pool web is up");
        backendUp.set(true);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        shardThread.shutdownNow(); // the shard stops publishing
        shardThread.awaitTermination(1, TimeUnit.SECONDS);
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
    }
}
