package dev.portcullis.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin HTTP server (JDK's com.sun.net.httpserver, one small thread pool of its own, off the shards):
 * <ul>
 * <li>{@code GET /metrics}: the Prometheus scrape (text format 0.0.4);</li>
 * <li>{@code GET /healthz}: 200 while the process runs;</li>
 * <li>{@code GET /readyz}: 200 when the readiness check returns null, else 503 with its reason;</li>
 * <li>{@code GET /}: the admin page (self-contained HTML: hand-written JS draws SVG charts, fetches nothing but
 * {@code /api/stats}, once a second);</li>
 * <li>{@code GET /api/stats}: the page's JSON (rate history, totals, heavy hitters, backends).</li>
 * </ul>
 * A sampler thread of the server's own takes the totals once a second for the history.
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final java.util.concurrent.ScheduledExecutorService sampler;
    private final AdminStats stats;

    /** notReady returns null when ready, else a one-line reason (e.g. "no backend of pool web is up"). */
    public AdminServer(InetSocketAddress bind, PortcullisMetrics metrics, Supplier<String> notReady) throws IOException {
        server = HttpServer.create(bind, 16);
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "portcullis-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        stats = new AdminStats(metrics);
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portcullis-admin-stats");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> {
            try {
                stats.sample(System.currentTimeMillis());
            } catch (RuntimeException e) {
                // a sample missed leaves a gap in the chart; the next one is taken as usual
            }
        }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        byte[] page;
        try (var in = AdminServer.class.getResourceAsStream("admin.html")) {
            page = in == null ? "admin page missing from the build\n".getBytes(StandardCharsets.UTF_8) : in.readAllBytes();
        }
        String pageText = new String(page, StandardCharsets.UTF_8);
        server.createContext("/", ex -> {
            if (!get(ex)) return;
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            respond(ex, 200, "text/html; charset=utf-8", pageText);
        });
        server.createContext("/api/stats", ex -> {
            if (!get(ex)) return;
            String reason;
            try {
                reason = notReady.get();
            } catch (RuntimeException e) {
                reason = "readiness check failed: " + e;
            }
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            respond(ex, 200, "application/json", stats.json(System.currentTimeMillis(), reason));
        });
        server.createContext("/metrics", ex -> {
            if (!get(ex)) return;
            respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        });
        server.createContext("/healthz", ex -> {
            if (!get(ex)) return;
            respond(ex, 200, "text/plain; charset=utf-8", "ok\n");
        });
        server.createContext("/readyz", ex -> {
            if (!get(ex)) return;
            String reason;
            try {
                reason = notReady.get();
            } catch (RuntimeException e) {
                reason = "readiness check failed: " + e;
            }
            if (reason == null) respond(ex, 200, "text/plain; charset=utf-8", "ready\n");
            else respond(ex, 503, "text/plain; charset=utf-8", "not ready: " + reason + "\n");
        });
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean get(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            // exact paths only: /metricsfoo is not /metrics
            String p = ex.getRequestURI().getPath();
            if (p.equals(ex.getHttpContext().getPath())) return true;
            respond(ex, 404, "text/plain; charset=utf-8", "not found\n");
            return false;
        }
        ex.getResponseHeaders().add("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (!head) out.write(b);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }
}
