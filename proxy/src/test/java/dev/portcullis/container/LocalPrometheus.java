package dev.portcullis.container;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's `prometheus` binary) running the repository's deploy/prometheus/prometheus.yml
 * and alerts.yml, with only the Portcullis target moved to the test's admin port. Lets the container test evaluate
 * the dashboard's queries and the alert rules against a real scrape. Stopped by its PID on close.
 */
final class LocalPrometheus implements AutoCloseable {
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LocalPrometheus(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "prometheus"))) return true;
        }
        return false;
    }

    static LocalPrometheus start(Path repo, Path dir, int portcullisAdminPort, int port) throws IOException {
        Path prom = repo.resolve("deploy/prometheus");
        String config = Files.readString(prom.resolve("prometheus.yml"))
                .replace("\"127.0.0.1:9090\"", "\"127.0.0.1:" + portcullisAdminPort + "\"")
                .replace("\"127.0.0.1:9091\"", "\"127.0.0.1:" + port + "\"");
        if (!config.contains("127.0.0.1:" + portcullisAdminPort)) {
            throw new IllegalStateException("prometheus.yml no longer scrapes 127.0.0.1:9090; update this test");
        }
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Files.copy(prom.resolve("alerts.yml"), dir.resolve("alerts.yml"));
        Process p = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.path=" + dir.resolve("data"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        return new LocalPrometheus(p, port);
    }

    /** The raw JSON answer of an instant query. */
    String query(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** True when the query succeeded and returned at least one series. */
    boolean hasData(String promql) throws IOException, InterruptedException {
        String body = query(promql);
        return body.contains("\"status\":\"success\"") && body.matches("(?s).*\"result\":\\[\\{.*");
    }

    String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Polls until the query has data or the deadline passes. */
    boolean awaitData(String promql, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                if (hasData(promql)) return true;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** The dashboard's template variables replaced the way Grafana would for "All" and a 5 s scrape. */
    static String asGrafanaWould(String expr) {
        return expr.replace("$instance", ".*").replace("$__rate_interval", "1m");
    }

    static List<String> queriesOf(List<String> dashboardExprs) {
        return dashboardExprs.stream().map(LocalPrometheus::asGrafanaWould).toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM to this PID only
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        http.close();
    }
}
