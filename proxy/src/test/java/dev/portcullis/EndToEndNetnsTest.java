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

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole proxy as shipped: Main in a subprocess inside a network namespace on a veth, owning a VIP; a Linux
 * client kernel in another namespace (curl and Java sockets); the project's TestBackend behind it. Root only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndNetnsTest {
    static final String VIP = "10.77.0.10", VIP6 = "fd00:77::10", CLIENT = "10.77.0.2";
    static final int SIZE = 32 << 20;

    NetNs net;
    String client, proxyNs;
    NetNs.Veth link;
    Process backend, proxy;
    Path log;

    static List<String> java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    @BeforeAll
    void start() throws Exception {
        String skip = NetNs.skipReason();
        assumeTrue(skip == null, skip);
        net = new NetNs();
        client = net.namespace();
        proxyNs = net.namespace();
        link = net.veth(client, proxyNs);
        net.address(client, link.a(), CLIENT + "/24");
        net.address(client, link.a(), "fd00:77::2/64");

        List<String> b = new ArrayList<>(NetNs.launcher(proxyNs));
        b.addAll(java("dev.portcullis.testing.TestBackend", "--port", "8080", "--bind", "127.0.0.1", "--name", "e2e"));
        backend = new ProcessBuilder(b).redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(backend.getInputStream())).readLine();
        assertThat(first).isEqualTo("listening 8080");

        Path conf = Files.createTempFile("e2e", ".conf");
        Files.writeString(conf, """
                portcullis {
                  interface = "%s"
                  vips = ["%s", "%s"]
                  pools { web { backends = ["127.0.0.1:8080"] } }
                  listeners = [ { port = 80, pool = web }, { port = 81, pool = web, proxy-protocol = v1 } ]
                  cookies.secret = "hex:000102030405060708090a0b0c0d0e0f"
                  shards = 2
                  admin { bind = "127.0.0.1", port = 9090 }
                  install-nft-rule = true
                  shutdown.grace-period = 2s
                }
                """.formatted(link.b(), VIP, VIP6));
        log = Files.createTempFile("e2e", ".log");
        List<String> p = new ArrayList<>(NetNs.launcher(proxyNs));
        p.addAll(java("dev.portcullis.Main", "--config", conf.toString()));
        proxy = new ProcessBuilder(p).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!curlProxy("http://127.0.0.1:9090/readyz").equals("200")) {
            assertThat(proxy.isAlive()).as("proxy running; log:\n" + Files.readString(log)).isTrue();
            assertThat(System.nanoTime() - deadline).as("readiness; log:\n" + Files.readString(log)).isNegative();
            Thread.sleep(200);
        }
    }

    String curlProxy(String url) throws Exception {
        return net.execMayFail(proxyNs, 5, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url).out().strip();
    }

    @AfterAll
    void stop() throws Exception {
        if (proxy != null && proxy.isAlive()) proxy.destroyForcibly();
        if (backend != null) backend.destroyForcibly();
        if (net != null) net.close();
    }

    @Test
    @Order(1)
    void curl_over_ipv4_and_ipv6_gets_the_backends_page() throws Exception {
        NetNs.Result r4 = net.execMayFail(client, 10, "curl", "-s", "--max-time", "5", "http://" + VIP + "/");
        assertThat(r4.exit()).as(r4.err()).isZero();
        assertThat(r4.out()).contains(TestBackend.PAGE.strip()).contains("backend e2e");
        NetNs.Result r6 = net.execMayFail(client, 10, "curl", "-s", "-g", "--max-time", "5", "http://[" + VIP6 + "]/");
        assertThat(r6.exit()).as(r6.err()).isZero();
        assertThat(r6.out()).contains("backend e2e");
    }

    @Test
    @Order(2)
    void the_nft_rule_is_installed_while_running() throws Exception {
        assertThat(net.exec(proxyNs, "nft", "list", "tables").out()).contains("table netdev portcullis_");
    }

    @Test
    @Order(3)
    void proxy_protocol_v1_carries_the_client_address() throws Exception {
        String answer = net.inNamespace(client, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(VIP, 81), 5000);
                s.getOutputStream().write("WHO\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII) + " " + s.getLocalPort();
            }
        });
        Matcher m = Pattern.compile("WHO e2e proxy=TCP4 " + Pattern.quote(CLIENT) + " " + Pattern.quote(VIP) + " (\\d+) 81\n (\\d+)").matcher(answer);
        assertThat(m.matches()).as(answer).isTrue();
        assertThat(m.group(1)).isEqualTo(m.group(2));
    }

    @Test
    @Order(4)
    void thirty_two_megabytes_up_and_down_byte_exact() throws Exception {
        byte[] data = new byte[SIZE];
        new Random(1).nextBytes(data);
        String expectUp = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        long[] ns = new long[2];
        String up = net.inNamespace(client, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(VIP, 80), 5000);
                long t0 = System.nanoTime();
                OutputStream out = s.getOutputStream();
                out.write("SINK\n".getBytes(StandardCharsets.US_ASCII));
                out.write(data);
                s.shutdownOutput();
                String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                ns[0] = System.nanoTime() - t0;
                return r;
            }
        });
        assertThat(up).isEqualTo("SINK " + SIZE + " " + expectUp + "\n");
        String down = net.inNamespace(client, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(VIP, 80), 5000);
                long t0 = System.nanoTime();
                s.getOutputStream().write(("STREAM " + SIZE + "\n").getBytes(StandardCharsets.US_ASCII));
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                byte[] buf = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                }
                ns[1] = System.nanoTime() - t0;
                return total + " " + HexFormat.of().formatHex(sha.digest());
            }
        });
        assertThat(down).isEqualTo(SIZE + " " + TestBackend.streamSha256(SIZE));
        System.out.printf("e2e: 32 MiB up in %.0f ms (%.0f MB/s), down in %.0f ms (%.0f MB/s)%n",
                ns[0] / 1e6, SIZE / (ns[0] / 1e9) / 1e6, ns[1] / 1e6, SIZE / (ns[1] / 1e9) / 1e6);
    }

    @Test
    @Order(4)
    void thousands_of_short_connections_and_not_one_reset() throws Exception {
        // wrk: a new connection per request (the backend answers "Connection: close"), 64 at a time. Before the
        // relay deferred its channel closes, Netty's fd-keyed epoll could deliver a closed channel's stale event to
        // a new channel and reset 0.5-3% of such connections in a manual run; how often depends on timing, so this
        // is a smoke check that did not always catch it, not a reliable reproduction.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/wrk")), "wrk is not installed");
        NetNs.Result r = net.execMayFail(client, 30, "wrk", "-t1", "-c64", "-d3s", "http://" + VIP + "/");
        assertThat(r.exit()).as(r.err()).isZero();
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as(r.out()).isGreaterThan(500);
        assertThat(r.out()).as(r.out()).doesNotContain("Socket errors").doesNotContain("Non-2xx");
        System.out.println("e2e wrk: " + r.out().lines().filter(l -> l.startsWith("Requests/sec")).findFirst().orElse(""));
    }

    @Test
    @Order(5)
    void the_metrics_count_what_happened() throws Exception {
        Thread.sleep(300); // one publication period
        String m = net.exec(proxyNs, "curl", "-s", "http://127.0.0.1:9090/metrics").out();
        assertThat(sum(m, "portcullis_syns_received_total")).isGreaterThanOrEqualTo(5);
        assertThat(sum(m, "portcullis_acks_valid_total")).isGreaterThanOrEqualTo(5);
        assertThat(sum(m, "portcullis_relay_accepted_total")).isGreaterThanOrEqualTo(5);
        assertThat(sum(m, "portcullis_relay_bytes_total{direction=\"to_backend\"")).isGreaterThanOrEqualTo(SIZE);
        assertThat(sum(m, "portcullis_relay_bytes_total{direction=\"to_client\"")).isGreaterThanOrEqualTo(SIZE);
        assertThat(sum(m, "portcullis_ring_frames_total")).isPositive();
        assertThat(sum(m, "portcullis_backend_up{")).isEqualTo(1);
        assertThat(sum(m, "portcullis_shard_up{")).isEqualTo(2);
    }

    /** Sum of every series whose line starts with prefix (over shards). */
    static double sum(String scrape, String prefix) {
        double s = 0;
        boolean any = false;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(prefix) && (line.charAt(prefix.length()) == ' ' || line.charAt(prefix.length()) == '{'
                    || prefix.endsWith("{") || prefix.endsWith("\""))) {
                s += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                any = true;
            }
        }
        assertThat(any).as(prefix + " in scrape").isTrue();
        return s;
    }

    @Test
    @Order(6)
    void sigterm_lets_open_connections_finish_then_resets_them_and_removes_the_rule() throws Exception {
        // an open, idle connection (the backend echoes and waits) across the SIGTERM
        Socket open = net.inNamespace(client, () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(VIP, 80), 5000);
            s.getOutputStream().write("ECHO\nping".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(15000);
            byte[] four = s.getInputStream().readNBytes(4);
            assertThat(new String(four, StandardCharsets.US_ASCII)).isEqualTo("ping");
            return s;
        });
        long t0 = System.nanoTime();
        proxy.destroy(); // SIGTERM
        Thread.sleep(500);
        // during the grace period the open connection still works
        open.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(open.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("pong");
        // after it (2 s) the proxy resets it
        String end;
        try {
            int b = open.getInputStream().read();
            end = b < 0 ? "eof" : "byte";
        } catch (java.net.SocketException e) {
            end = "reset";
        }
        double waitedS = (System.nanoTime() - t0) / 1e9;
        assertThat(end).isEqualTo("reset");
        assertThat(waitedS).isBetween(1.5, 10.0);
        open.close();
        assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).as("exit after SIGTERM").isTrue();
        String out = Files.readString(log);
        assertThat(out).contains("stopping").contains("grace period over: resetting 1 connection(s)").contains("stopped");
        assertThat(net.exec(proxyNs, "nft", "list", "tables").out()).doesNotContain("portcullis_");
    }
}
