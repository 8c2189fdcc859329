package dev.portcullis;

import dev.portcullis.testing.NetNs;
import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The relay's operations features through the shipped distribution ({@code target/portcullis-dist/bin/portcullis}
 * on JDK 25) in a network namespace, a Linux client kernel in another:
 * <ul>
 * <li>PROXY protocol v1 and v2 to nginx ({@code listen ... proxy_protocol}), which answers with what it parsed
 *     ({@code $proxy_protocol_addr} and friends), for IPv4 and IPv6 clients from a known port;</li>
 * <li>SIGHUP reload: a pool pointed at a second backend while a relayed connection stays open on the first; a
 *     change that cannot apply live and a bad file are each one log line and change nothing; drain by reload;</li>
 * <li>health checks as the metric shows them: a backend stopped goes to portcullis_backend_up 0 and out of
 *     rotation, and comes back when restarted.</li>
 * </ul>
 * Root only (namespaces, AF_PACKET); nginx from Debian. Backends live in the proxy's namespace on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayOpsIT {
    static final Path LAUNCHER = Path.of("target", "portcullis-dist", "bin", "portcullis").toAbsolutePath();
    static final String VIP = "10.78.0.10", VIP6 = "fd00:78::10", CLIENT = "10.78.0.2", CLIENT6 = "fd00:78::2";
    static final int A_PORT = 8080, B_PORT = 8090, NGINX_PORT = 8081, ADMIN = 9090;

    NetNs net;
    String client, proxyNs;
    NetNs.Veth link;
    Path dir, conf, log;
    Process proxy, nginx;
    TestBackend a, b;

    @BeforeAll
    void start() throws Exception {
        String skip = NetNs.skipReason();
        assumeTrue(skip == null, skip);
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nginx")), "nginx is not installed (apt-get install nginx)");
        assumeTrue(Files.isExecutable(LAUNCHER), "no distribution at " + LAUNCHER + " (mvn package)");
        net = new NetNs();
        client = net.namespace();
        proxyNs = net.namespace();
        link = net.veth(client, proxyNs);
        net.address(client, link.a(), CLIENT + "/24");
        net.address(client, link.a(), CLIENT6 + "/64");
        dir = Files.createTempDirectory("relayops");
        a = backendIn("a", A_PORT);
        b = backendIn("b", B_PORT);
        startNginx();
        conf = dir.resolve("portcullis.conf");
        Files.writeString(conf, config("web { backends = [\"127.0.0.1:" + A_PORT + "\"] }"));
        log = dir.resolve("portcullis.log");
        proxy = new ProcessBuilder("ip", "netns", "exec", proxyNs, LAUNCHER.toString(), "--config", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        waitFor(() -> curlProxy("http://127.0.0.1:" + ADMIN + "/readyz").equals("200"), 60, "readiness");
    }

    /** The file: listeners 80 → web, 81 → nginx with v1, 82 → nginx with v2; {@code web} as given. */
    String config(String webPool, String... extra) {
        return """
                portcullis {
                  interface = "%s"
                  vips = ["%s", "%s"]
                  listeners = [ { port = 80, pool = web }, { port = 81, pool = ngx, proxy-protocol = v1 },
                                { port = 82, pool = ngx, proxy-protocol = v2 } ]
                  pools {
                    %s
                    ngx { backends = ["127.0.0.1:%d"] }
                  }
                  pool-defaults.health-check { interval = 200ms, timeout = 200ms, rise = 2, fall = 3 }
                  cookies.secret = "hex:000102030405060708090a0b0c0d0e0f"
                  shards = 2
                  admin.port = %d
                  shutdown.grace-period = 1s
                  %s
                }
                """.formatted(link.b(), VIP, VIP6, webPool, NGINX_PORT, ADMIN, String.join("\n", extra));
    }

    TestBackend backendIn(String name, int port) throws Exception {
        return net.inNamespace(proxyNs, () -> new TestBackend(InetAddress.getByName("127.0.0.1"), port, name, 0));
    }

    void startNginx() throws Exception {
        Path nconf = dir.resolve("nginx.conf");
        Files.writeString(nconf, """
                daemon off;
                master_process off;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log;
                events { worker_connections 256; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp-body;
                  proxy_temp_path %1$s/tmp-proxy;
                  fastcgi_temp_path %1$s/tmp-fastcgi;
                  uwsgi_temp_path %1$s/tmp-uwsgi;
                  scgi_temp_path %1$s/tmp-scgi;
                  server {
                    listen 127.0.0.1:%2$d proxy_protocol;
                    default_type text/plain;
                    return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port\\n";
                  }
                }
                """.formatted(dir, NGINX_PORT));
        nginx = net.start(proxyNs, "nginx", "-c", nconf.toString(), "-e", dir.resolve("nginx-error.log").toString());
        // without a PROXY header nginx refuses the request: wait for the port to accept connections
        waitFor(() -> net.execMayFail(proxyNs, 5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + NGINX_PORT).ok(), 10,
                "nginx: " + readQuietly(dir.resolve("nginx-error.log")));
    }

    @AfterAll
    void stop() throws Exception {
        if (proxy != null && proxy.isAlive()) {
            proxy.destroy();
            if (!proxy.waitFor(20, TimeUnit.SECONDS)) proxy.destroyForcibly();
        }
        if (a != null) a.close();
        if (b != null) b.close();
        if (net != null) net.close(); // also stops nginx
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({"81, 10.78.0.10, 10.78.0.2, 41001", "82, 10.78.0.10, 10.78.0.2, 41002",
            "81, fd00:78::10, fd00:78::2, 41003", "82, fd00:78::10, fd00:78::2, 41004"})
    @Order(1)
    void nginx_sees_the_clients_real_address_and_port_through_the_proxy_header(int port, String vip, String clientIp,
                                                                               int clientPort) throws Exception {
        String host = vip.contains(":") ? "[" + vip + "]" : vip;
        NetNs.Result r = net.execMayFail(client, 10, "curl", "-s", "-g", "--max-time", "5", "--local-port",
                Integer.toString(clientPort), "http://" + host + ":" + port + "/");
        assertThat(r.exit()).as(r.err() + "\n" + readQuietly(log)).isZero();
        assertThat(r.out()).isEqualTo(clientIp + " " + clientPort + " " + vip + " " + port + "\n");
    }

    @Test
    @Order(2)
    void sighup_points_the_pool_at_a_new_backend_and_the_open_connection_keeps_the_old_one() throws Exception {
        Socket open = net.inNamespace(client, () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(VIP, 80), 5000);
            s.setSoTimeout(10_000);
            return s;
        });
        try (open) {
            open.getOutputStream().write("ECHO\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(echo(open, "ping")).isEqualTo("ping");
            assertThat(a.open.get()).isEqualTo(1);
            assertThat(name()).isEqualTo("a");

            Files.writeString(conf, config("web { backends = [\"127.0.0.1:" + B_PORT + "\"] }"));
            String line = hangupAndAwait("reload applied");
            assertThat(line).contains("web [127.0.0.1:" + B_PORT + "]");
            for (int i = 0; i < 3; i++) assertThat(name()).isEqualTo("b");
            assertThat(echo(open, "pong")).as("the open connection still on a").isEqualTo("pong");
            assertThat(a.open.get()).isEqualTo(1);
        }
        waitFor(() -> a.open.get() == 0, 5, "the old connection to end at a");
    }

    @Test
    @Order(3)
    void a_change_that_cannot_apply_live_and_a_bad_file_are_one_line_each_and_change_nothing() throws Exception {
        Files.writeString(conf, config("web { backends = [\"127.0.0.1:" + A_PORT + "\"] }").replace("shards = 2", "shards = 3"));
        assertThat(hangupAndAwait("reload refused")).endsWith(
                "reload refused, keeping the running settings: portcullis.shards cannot change while running (restart to apply it)");
        assertThat(name()).as("still the pool of the last good reload").isEqualTo("b");

        Files.writeString(conf, config("web { backends = [\"127.0.0.1:99999\"] }"));
        assertThat(hangupAndAwait("reload refused")).contains(
                "reload refused, keeping the running settings: portcullis.pools.web.backends[0] = \"127.0.0.1:99999\": expected");
        assertThat(name()).isEqualTo("b");
        assertThat(proxy.isAlive()).isTrue();
    }

    @Test
    @Order(4)
    void a_backend_drained_by_reload_gets_no_new_connections() throws Exception {
        Files.writeString(conf, config("web { backends = [\"127.0.0.1:" + A_PORT + "\", \"127.0.0.1:" + B_PORT
                + "\"], drain = [\"127.0.0.1:" + B_PORT + "\"] }"));
        assertThat(hangupAndAwait("reload applied")).contains("127.0.0.1:" + B_PORT + " (drain)");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).containsOnly("a");
    }

    @Test
    @Order(5)
    void a_stopped_backend_is_down_in_the_metric_and_out_of_rotation_until_it_is_back() throws Exception {
        Files.writeString(conf, config("web { backends = [\"127.0.0.1:" + A_PORT + "\", \"127.0.0.1:" + B_PORT + "\"] }"));
        hangupAndAwait("reload applied");
        String upA = "portcullis_backend_up of 127.0.0.1:" + A_PORT;
        waitFor(() -> backendUp(A_PORT) == 1, 5, upA + " = 1");
        a.close();
        long t0 = System.nanoTime();
        waitFor(() -> backendUp(A_PORT) == 0, 10, upA + " = 0");
        System.out.printf("relayops: backend down in the metric %d ms after it stopped (fall 3 x 200 ms)%n",
                (System.nanoTime() - t0) / 1_000_000);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).containsOnly("b");
        a = backendIn("a2", A_PORT);
        waitFor(() -> backendUp(A_PORT) == 1, 10, upA + " = 1 again");
        seen.clear();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).contains("a2", "b");
    }

    @Test
    @Order(6)
    void during_the_sigterm_drain_new_connections_are_reset_at_once_and_the_open_one_continues() throws Exception {
        Socket open = net.inNamespace(client, () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(VIP, 80), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("ECHO\n".getBytes(StandardCharsets.US_ASCII));
            return s;
        });
        try (open) {
            assertThat(echo(open, "one")).isEqualTo("one");
            proxy.destroy(); // SIGTERM: grace period 1 s
            waitFor(() -> Files.readString(log).contains("stopping: no new connections"), 5, "the drain to start");
            long t0 = System.nanoTime();
            String late = net.inNamespace(client, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(VIP, 80), 5000);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("NAME\n".getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (java.net.SocketException e) {
                    return "reset: " + e.getMessage();
                }
            });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(late).as("a connection made during the drain").startsWith("reset");
            assertThat(ms).as("refused at once, not timed out").isLessThan(900);
            assertThat(echo(open, "two")).as("the open connection during the grace period").isEqualTo("two");
        }
        assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(readQuietly(log)).contains("stopped");
    }

    // ---- helpers ----

    /** kill -HUP, then the first new log line containing {@code what}. */
    String hangupAndAwait(String what) throws Exception {
        long before = Files.readString(log).lines().filter(l -> l.contains(what)).count();
        NetNs.run(5, "kill", "-HUP", Long.toString(proxy.pid()));
        String[] found = new String[1];
        waitFor(() -> {
            List<String> lines = Files.readString(log).lines().filter(l -> l.contains(what)).toList();
            if (lines.size() <= before) return false;
            found[0] = lines.get((int) before);
            return true;
        }, 10, "'" + what + "' in the log");
        assertThat(proxy.isAlive()).as("SIGHUP must not stop the JVM").isTrue();
        return found[0];
    }

    String name() throws Exception {
        return net.inNamespace(client, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(VIP, 80), 5000);
                s.setSoTimeout(5000);
                s.getOutputStream().write("NAME\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
                return r.startsWith("NAME ") ? r.substring(5) : r;
            }
        });
    }

    /** On an ECHO connection (the command is sent with the first text): text out, the same bytes back. */
    static String echo(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
    }

    /** portcullis_backend_up of pool web's backend at 127.0.0.1:port, or -1 when the scrape has no such series. */
    double backendUp(int port) throws IOException {
        String m = net.execMayFail(proxyNs, 5, "curl", "-s", "-m", "2", "http://127.0.0.1:" + ADMIN + "/metrics").out();
        for (String line : m.split("\n")) {
            if (line.startsWith("portcullis_backend_up{") && line.contains("backend=\"127.0.0.1:" + port + "\"")
                    && line.contains("pool=\"web\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    String curlProxy(String url) throws IOException {
        return net.execMayFail(proxyNs, 5, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "1", url).out().strip();
    }

    interface Check {
        boolean ok() throws Exception;
    }

    void waitFor(Check c, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.ok()) {
            if (proxy != null && !proxy.isAlive()) throw new AssertionError("portcullis exited:\n" + readQuietly(log));
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what + "\n" + readQuietly(log));
            Thread.sleep(100);
        }
    }

    static String readQuietly(Path p) {
        try {
            return p == null ? "" : Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
