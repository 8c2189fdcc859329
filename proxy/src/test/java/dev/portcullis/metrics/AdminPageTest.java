package dev.portcullis.metrics;

import dev.portcullis.guard.Cidr;
import dev.portcullis.guard.GuardConfig;
import dev.portcullis.guard.SynGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin page and its JSON, and the heavy-hitter meters, over a real {@link SynGuard} fed on a "shard"
 * thread and published the way Shards.fill does it (top 10 of the guard's summaries into the snapshot).
 */
class AdminPageTest {
    static final long HEAVY = 0x0000_ffff_c612_0001L; // 198.18.0.1
    PortcullisMetrics metrics;
    AdminServer server;
    ScheduledExecutorService shardThread;
    SynGuard guard;
    final HttpClient http = HttpClient.newHttpClient();
    long syns, cookies, acks;

    @BeforeEach
    void start() throws Exception {
        metrics = new PortcullisMetrics();
        shardThread = Executors.newSingleThreadScheduledExecutor();
        guard = new SynGuard(new GuardConfig(0, 0, 0, 0, List.of(), List.of(Cidr.parse("203.0.113.0/24")), 4096, 4, 64), 1);
        ShardPublisher p = new ShardPublisher(0, new String[]{"bad_cookie"}, new String[]{"truncated_ip"}, s -> {
            s.synsReceived = syns;
            s.cookiesSent = cookies;
            s.acksValid = acks;
            s.established = acks / 2;
            s.guardChecked = guard.counters().synsChecked;
            s.guardDenied = guard.counters().synsDenied;
            s.guardMemoryBytes = guard.memoryBytes();
            long now = System.nanoTime();
            s.topSources = guard.topSources().top(ShardSnapshot.TOP, now, s.topSourceHi, s.topSourceLo, s.topSourceCount, s.topSourceError);
            s.topPrefixes = guard.topPrefixes().top(ShardSnapshot.TOP, now, s.topPrefixHi, s.topPrefixLo, s.topPrefixCount, s.topPrefixError);
        });
        metrics.registerShard(p);
        metrics.registerBackend("web", "10.0.0.5:8080", () -> 3, () -> 0, () -> 6, () -> true);
        metrics.registerBackend("web", "[2001:db8::5]:8080", () -> 9, () -> 0, () -> 0, () -> false);
        metrics.registerBackend("web", "10.0.0.5:8080", () -> 3, () -> 0, () -> 6, () -> true); // a reload: no second row
        // the "flood": every 10 ms, 2,000 random sources, 300 SYNs of one heavy source, 100 denied ones
        SplittableRandom r = new SplittableRandom(7);
        shardThread.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < 2000; i++) guard.onSyn(0, 0x0000_ffff_0000_0000L | (r.nextInt() & 0xffff_ffffL), now);
            for (int i = 0; i < 300; i++) guard.onSyn(0, HEAVY, now);
            for (int i = 0; i < 100; i++) guard.onSyn(0, 0x0000_ffff_cb00_7100L | i, now);
            syns += 2300;
            cookies += 2300;
            acks += 10;
        }, 0, 10, TimeUnit.MILLISECONDS);
        p.start(shardThread, 50);
        server = new AdminServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, () -> null);
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

    @Test
    void the_page_is_self_contained_and_polls_the_json() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        String page = r.body();
        assertThat(page).contains("fetch(\"/api/stats\"", "setTimeout(poll, 1000)", "createElementNS");
        // nothing from outside: no script or style sources, no links, no absolute URLs but the SVG namespace name
        assertThat(page).doesNotContain("src=", "<link", "https://", "@import");
        assertThat(page.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://");
        assertThat(get("/index.html").statusCode()).isEqualTo(404);
    }

    @Test
    void the_json_has_rates_heavy_hitters_and_backends() throws Exception {
        // the sampler takes a sample a second: rates need two
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String json;
        do {
            Thread.sleep(300);
            json = get("/api/stats").body();
        } while ((!json.contains("\"heavy_sources\":[{") || lastOf(json, "syn_rate") == 0) && System.nanoTime() < deadline);
        System.out.println("api/stats: " + json.substring(0, Math.min(json.length(), 600)) + "...");
        assertThat(lastOf(json, "syn_rate")).as(json).isGreaterThan(50_000);
        assertThat(lastOf(json, "cookie_rate")).isGreaterThan(50_000);
        assertThat(lastOf(json, "ack_valid_rate")).isPositive();
        assertThat(lastOf(json, "established")).isPositive();
        assertThat(json).contains("\"ready\":true", "\"shards\":1");
        // the heavy source is rank 1 at about 30,000 SYN/s; the denied /24 is listed among the prefixes
        Matcher m = Pattern.compile("\"heavy_sources\":\\[\\{\"rank\":1,\"key\":\"198\\.18\\.0\\.1\",\"rate\":(\\d+)").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        assertThat(Long.parseLong(m.group(1))).isBetween(15_000L, 40_000L);
        assertThat(json).contains("\"key\":\"203.0.113.0/24\"");
        assertThat(json).contains("{\"pool\":\"web\",\"backend\":\"10.0.0.5:8080\",\"up\":true,\"active\":6,\"connect_failures\":3}");
        assertThat(json).contains("\"backend\":\"[2001:db8::5]:8080\",\"up\":false");
        assertThat(json.split("\"backend\":\"10.0.0.5:8080\"", -1)).hasSize(2);
        assertThat(Long.parseLong(field(json, "guard_denied"))).isPositive();
        assertThat(Long.parseLong(field(json, "guard_memory_bytes"))).isEqualTo(guard.memoryBytes());
    }

    @Test
    void heavy_hitter_meters_are_the_top_ten_with_their_sources() throws Exception {
        Thread.sleep(1300); // one full second of the summaries
        String s = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!s.contains("source=\"198.18.0.1\"") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = get("/metrics").body();
        }
        Matcher m = Pattern.compile("(?m)^portcullis_heavy_hitter_syn_rate\\{rank=\"1\",source=\"198\\.18\\.0\\.1\"} (\\S+)$").matcher(s);
        assertThat(m.find()).as(s).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThan(15_000);
        assertThat(s.lines().filter(l -> l.startsWith("portcullis_heavy_hitter_syn_rate{")).count()).isEqualTo(10);
        assertThat(s.lines().filter(l -> l.startsWith("portcullis_heavy_prefix_syn_rate{")).count()).isEqualTo(10);
        assertThat(s).contains("portcullis_heavy_prefix_syn_rate{prefix=\"203.0.113.0/24\"");
        assertThat(s).containsPattern("portcullis_guard_drops_total\\{reason=\"denied\",shard=\"0\"} [1-9]");
        assertThat(s).contains("portcullis_guard_memory_bytes{shard=\"0\"} " + guard.memoryBytes());
    }

    @Test
    void addresses_print_as_rfc_5952_text() {
        assertThat(AddressText.address(0, 0x0000_ffff_c000_0201L)).isEqualTo("192.0.2.1");
        assertThat(AddressText.address(0x2001_0db8_0000_0000L, 1)).isEqualTo("2001:db8::1");
        assertThat(AddressText.address(0x2001_0db8_0000_0001L, 0x0000_0000_0000_0001L)).isEqualTo("2001:db8:0:1::1");
        assertThat(AddressText.address(0x2001_0db8_0000_0001L, 0x0001_0000_0000_0001L)).isEqualTo("2001:db8:0:1:1::1");
        assertThat(AddressText.address(0, 0)).isEqualTo("::");
        assertThat(AddressText.address(0, 1)).isEqualTo("::1");
        assertThat(AddressText.address(0x2001_0db8_0001_0001L, 0x0001_0001_0001_0001L)).isEqualTo("2001:db8:1:1:1:1:1:1");
        assertThat(AddressText.prefix(0x2001_0db8_00aa_0000L, 0)).isEqualTo("2001:db8:aa::/48");
        assertThat(AdminStats.str("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\u000a\"");
    }

    static long lastOf(String json, String series) {
        Matcher m = Pattern.compile("\"" + series + "\":\\[([0-9,]*)]").matcher(json);
        if (!m.find() || m.group(1).isEmpty()) return 0;
        String[] v = m.group(1).split(",");
        return Long.parseLong(v[v.length - 1]);
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }
}
