package dev.portcullis.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * The image as an operator runs it: host network, every capability dropped but NET_RAW and NET_ADMIN,
 * no-new-privileges, a read-only root filesystem, the config file bind-mounted read-only at
 * /etc/portcullis/portcullis.conf, a backend on the host. Skips, printing why, where there is no engine, no image
 * can be built, or no veth pair can be made.
 */
@Timeout(value = 25, unit = TimeUnit.MINUTES)
class PortcullisContainerIT {
    /** CAP_NET_ADMIN (12) and CAP_NET_RAW (13), as /proc/PID/status prints them. */
    static final String NET_RAW_AND_NET_ADMIN = "0000000000003000";

    static TestLink link;
    static HttpServer backend;
    static Path tmp;

    @BeforeAll
    static void engineImageAndLink(@TempDir Path dir) throws Exception {
        skipIf("engine", ContainerEngine.unavailableReason().orElse(null));
        skipIf("network", TestLink.unavailableReason().orElse(null));
        skipIf("image", PortcullisImage.unavailableReason().orElse(null));
        tmp = dir;
        link = TestLink.create();
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", x -> {
            byte[] body = "hello from the backend\n".getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        backend.start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (backend != null) backend.stop(0);
        if (link != null) link.close();
    }

    private static void skipIf(String what, String reason) {
        if (reason == null) return;
        System.out.println("[PortcullisContainerIT] SKIPPED (" + what + "): " + reason);
        Assumptions.abort(reason);
    }

    /**
     * The whole life of one container: it starts with two capabilities, installs its nftables rule, answers
     * /healthz and its own HEALTHCHECK, relays a client's request from the network namespace through the VIP to
     * the backend, counts it in /metrics, and on SIGTERM exits and removes its rule.
     */
    @Test
    void relaysThroughTheVipWithOnlyTwoCapabilitiesAndCleansUpOnSigterm() throws Exception {
        int admin = freePort();
        try (GenericContainer<?> c = portcullis(config(admin), admin)) {
            long t0 = System.nanoTime();
            c.start();
            System.out.printf("[PortcullisContainerIT] ready (/readyz 200) %d ms after start%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertThat(get(admin, "/healthz").statusCode()).isEqualTo(200);
            // The image's own HEALTHCHECK command (podman runs it on a systemd timer, absent here: run it directly).
            assertThat(c.execInContainer("/usr/local/bin/portcullis-healthcheck").getExitCode()).isZero();

            String status = c.execInContainer("cat", "/proc/1/status").getStdout();
            assertThat(capLine(status, "CapEff")).isEqualTo(NET_RAW_AND_NET_ADMIN);
            assertThat(capLine(status, "CapBnd")).isEqualTo(NET_RAW_AND_NET_ADMIN);
            assertThat(status).containsPattern("(?m)^NoNewPrivs:\\s+1$");
            String cmdline = c.execInContainer("cat", "/proc/1/cmdline").getStdout();
            assertThat(cmdline).startsWith("/opt/java/bin/java").contains("-XX:+ExitOnOutOfMemoryError");

            // NET_ADMIN at work: the netdev ingress rule hiding the VIP's port from the host kernel.
            String rule = "ip daddr " + link.vip + " tcp dport 80";
            boolean nft = onPath("nft");
            if (nft) assertThat(hostRuleset()).contains(rule);
            else System.out.println("[PortcullisContainerIT] nft not on PATH: the rule is not checked");

            // A real client kernel in the namespace, through the VIP, to the backend on the host.
            TestLink.Result r = link.inClient(20, "bash", "-c", "exec 3<>/dev/tcp/" + link.vip + "/80 && "
                    + "printf 'GET / HTTP/1.0\\r\\nHost: vip\\r\\n\\r\\n' >&3 && cat <&3");
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).startsWith("HTTP/1.").contains(" 200 ").contains("hello from the backend");

            // The scrape: every name the dashboard and alerts use, and this connection counted in it.
            Map<String, Double> totals = Map.of();
            Set<String> scraped = Set.of();
            for (int i = 0; i < 40; i++) { // shards publish their counters periodically
                String body = get(admin, "/metrics").body();
                scraped = PrometheusText.metricNames(body);
                totals = PrometheusText.sums(body);
                if (totals.getOrDefault("portcullis_relay_accepted_total", 0.0) >= 1
                        && totals.getOrDefault("portcullis_relay_bytes_total", 0.0) > 0) break;
                Thread.sleep(250);
            }
            System.out.println("[PortcullisContainerIT] scraped " + scraped.size() + " metric names");
            assertThat(scraped).containsAll(MetricCatalog.scrapedNames());
            assertThat(totals.get("portcullis_syns_received_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(totals.get("portcullis_acks_valid_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(totals.get("portcullis_relay_accepted_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(totals.get("portcullis_relay_bytes_total")).isGreaterThan(0.0);
            assertThat(totals.get("portcullis_backend_up")).isEqualTo(1.0);

            monitoringWorksOnThisScrape(admin);

            // docker stop: SIGTERM, then the grace period; the JVM exits (143 = 128 + SIGTERM, or 0) and the
            // rule is gone. Testcontainers' own stop() would SIGKILL, which leaves the rule behind.
            DockerClient docker = DockerClientFactory.instance().client();
            long s0 = System.nanoTime();
            docker.stopContainerCmd(c.getContainerId()).withTimeout(40).exec();
            Long exit = docker.inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
            System.out.printf("[PortcullisContainerIT] stopped in %d ms, exit %d%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s0), exit);
            assertThat(exit).isIn(0L, 143L);
            if (nft) assertThat(hostRuleset()).doesNotContain(rule);
        } finally {
            link.removeLeftoverRules(); // only does something when the test failed before the SIGTERM step
        }
    }

    /** NET_ADMIN is there only for the nftables rule: without it Portcullis says so in one line and exits 1. */
    @Test
    void withoutNetAdminItRefusesInOneLine() throws Exception {
        Run r = runToExit(config(freePort()), Capability.NET_RAW);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).contains("missing CAP_NET_ADMIN").contains("install-nft-rule");
    }

    /** With install-nft-rule = false (the operator installs the rule), NET_RAW alone is enough. */
    @Test
    void netRawAloneIsEnoughWithoutTheNftRule() throws Exception {
        int admin = freePort();
        try (GenericContainer<?> c = portcullis(config(admin, "install-nft-rule = false"), admin, Capability.NET_RAW)) {
            c.start();
            String status = c.execInContainer("cat", "/proc/1/status").getStdout();
            assertThat(capLine(status, "CapEff")).isEqualTo("0000000000002000");
            assertThat(get(admin, "/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void badConfigPrintsOneErrorLineAndExitsWith2() throws Exception {
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "portcullis {\n  no-such-key = 1\n}\n");
        Run r = runToExit(conf.toString(), Capability.NET_RAW, Capability.NET_ADMIN);
        System.out.println("[PortcullisContainerIT] bad config output: " + r.output().strip());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.output()).contains("no-such-key");
    }

    record Run(int exit, String output) {}

    /** Runs the image once with CONFIG mounted and the given capabilities; returns its exit code and output. */
    static Run runToExit(String config, Capability... caps) throws InterruptedException {
        DockerClient docker = DockerClientFactory.instance().client();
        String id = docker.createContainerCmd(PortcullisImage.name())
                .withEnv("PORTCULLIS_ADMIN_PORT=" + freePortUnchecked())
                .withHostConfig(hardened(HostConfig.newHostConfig(), caps)
                        .withBinds(new Bind(config, new Volume("/etc/portcullis/portcullis.conf"), AccessMode.ro)))
                .exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            int exit = docker.waitContainerCmd(id).start().awaitStatusCode(120, TimeUnit.SECONDS);
            StringBuilder out = new StringBuilder();
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            out.append(new String(f.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(30, TimeUnit.SECONDS);
            return new Run(exit, out.toString());
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    static int freePortUnchecked() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * deploy/prometheus and deploy/grafana against this container: a real Prometheus with the repository's config
     * and rules scrapes it; every dashboard query returns data and every alert rule evaluates without error.
     */
    private static void monitoringWorksOnThisScrape(int admin) throws Exception {
        if (!LocalPrometheus.available()) {
            System.out.println("[PortcullisContainerIT] prometheus not on PATH: dashboard queries and rules not "
                    + "evaluated on a real scrape (apt-get install prometheus, or deploy/container/ci-setup.sh)");
            return;
        }
        Path dir = Files.createTempDirectory(tmp, "prometheus");
        try (LocalPrometheus prom = LocalPrometheus.start(PortcullisImage.repositoryRoot(), dir, admin, freePort())) {
            // rate() over 1m needs two samples (scrapes are 5 s apart).
            assertThat(prom.awaitData("count_over_time(portcullis_relay_accepted_total[1m]) >= 2", Duration.ofSeconds(60)))
                    .as("Prometheus scraped Portcullis twice; log: " + dir.resolve("prometheus.log")).isTrue();
            List<String> empty = new java.util.ArrayList<>();
            List<String> queries = LocalPrometheus.queriesOf(DeployFilesTest.dashboardExprs());
            for (String q : queries) if (!prom.hasData(q)) empty.add(q);
            assertThat(empty).as("dashboard queries with no data on a real scrape").isEmpty();
            String rules = prom.get("/api/v1/rules");
            assertThat(rules).contains("\"health\":\"ok\"").doesNotContain("\"health\":\"err\"");
            assertThat(rules.split("\"health\":\"ok\"", -1).length - 1).isEqualTo(
                    DeployFilesTest.yamlExprs(Files.readAllLines(
                            PortcullisImage.repositoryRoot().resolve("deploy/prometheus/alerts.yml"))).size());
            System.out.println("[PortcullisContainerIT] Prometheus: " + queries.size()
                    + " dashboard queries returned data, every alert rule evaluated");
            floodRaisesTheAlert(admin, prom);
        }
    }

    /**
     * A SYN flood from the client namespace (hping3: 100,000 SYNs at about 4,000/s, some 25 s): every SYN
     * Portcullis counts is answered with a cookie, sent SYNs are either counted or shown as ring drops, a legitimate
     * client still gets through, and the flood alert goes pending. The rule looks at rate(...[1m]), so a burst must
     * carry more than 60,000 SYNs to lift the one-minute rate above its 1000/s threshold.
     */
    private static void floodRaisesTheAlert(int admin, LocalPrometheus prom) throws Exception {
        if (!onPath("hping3")) {
            System.out.println("[PortcullisContainerIT] hping3 not on PATH: the flood is not exercised");
            return;
        }
        int sent = 100_000;
        Map<String, Double> before = PrometheusText.sums(get(admin, "/metrics").body());
        long t0 = System.nanoTime();
        TestLink.Result flood = link.inClient(120, "hping3", "-q", "-S", "-p", "80", "-i", "u100", "-c",
                Integer.toString(sent), link.vip);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(flood.output()).contains(sent + " packets transmitted");
        Thread.sleep(1500); // the shard publishes its counters periodically
        Map<String, Double> after = PrometheusText.sums(get(admin, "/metrics").body());
        double syns = delta(before, after, "portcullis_syns_received_total");
        double cookies = delta(before, after, "portcullis_cookies_sent_total");
        double ringDrops = delta(before, after, "portcullis_ring_drops_total");
        System.out.printf("[PortcullisContainerIT] flood: %d SYNs sent in %.1f s; Portcullis counted %.0f (%.0f%%),"
                + " sent %.0f cookies, ring drops %.0f%n", sent, seconds, syns, 100 * syns / sent, cookies, ringDrops);
        assertThat(syns).isPositive();
        assertThat(cookies).isEqualTo(syns); // cookies.mode = always: every SYN gets one, nothing else does
        // What the engine did not count the ring must have dropped (PACKET_STATISTICS): nothing vanishes unseen.
        assertThat(syns + ringDrops).isGreaterThanOrEqualTo(sent * 0.98);

        TestLink.Result legit = link.inClient(20, "bash", "-c", "exec 3<>/dev/tcp/" + link.vip + "/80 && "
                + "printf 'GET / HTTP/1.0\\r\\nHost: vip\\r\\n\\r\\n' >&3 && cat <&3");
        assertThat(legit.output()).contains("hello from the backend");

        double oneMinuteRate = syns / 60; // what rate(...[1m]) shows once the window holds the whole burst
        String alert = "ALERTS{alertname=\"PortcullisSynFloodUnderWay\"}";
        if (oneMinuteRate > 1100) {
            assertThat(prom.awaitData(alert, Duration.ofSeconds(45))).as("the flood alert is pending or firing").isTrue();
            System.out.println("[PortcullisContainerIT] flood alert raised: "
                    + prom.query(alert).replaceAll(".*\"alertstate\":\"(\\w+)\".*", "$1"));
        } else {
            System.out.printf("[PortcullisContainerIT] flood alert not checked: %.0f SYNs counted make a one-minute "
                    + "rate of %.0f/s, not clearly above the rule's 1000/s%n", syns, oneMinuteRate);
        }
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    // ------------------------------------------------------------------------------------------------ helpers ---

    private String config(int adminPort) throws IOException {
        return config(adminPort, "");
    }

    private String config(int adminPort, String extra) throws IOException {
        // admin.port comes from PORTCULLIS_ADMIN_PORT, as the image's HEALTHCHECK reads it (deploy/README.md).
        String text = """
                portcullis {
                  interface = "%s"
                  vips = ["%s"]
                  listeners = [ { port = 80, pool = "web" } ]
                  pools { web { backends = ["127.0.0.1:%d"] } }
                  cookies.secret = "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                  shards = 1
                %s
                }
                """.formatted(link.hostIf, link.vip, backend.getAddress().getPort(), extra);
        Path conf = tmp.resolve("portcullis-" + adminPort + ".conf");
        Files.writeString(conf, text);
        return conf.toString();
    }

    private GenericContainer<?> portcullis(String configFile, int adminPort) {
        return portcullis(configFile, adminPort, Capability.NET_RAW, Capability.NET_ADMIN);
    }

    @SuppressWarnings("resource") // closed by the caller's try-with-resources
    private GenericContainer<?> portcullis(String configFile, int adminPort, Capability... caps) {
        return new GenericContainer<>(DockerImageName.parse(PortcullisImage.name()))
                .withNetworkMode("host")
                .withEnv("PORTCULLIS_ADMIN_PORT", Integer.toString(adminPort))
                .withFileSystemBind(configFile, "/etc/portcullis/portcullis.conf",
                        org.testcontainers.containers.BindMode.READ_ONLY)
                .withCreateContainerCmdModifier(cmd -> hardened(cmd.getHostConfig(), caps))
                .withLogConsumer(f -> System.out.print("[portcullis] " + f.getUtf8String()))
                .waitingFor(new ReadyWait(adminPort));
    }

    /** The operator's flags: --cap-drop ALL --cap-add NET_RAW --cap-add NET_ADMIN, no-new-privileges, --read-only. */
    static HostConfig hardened(HostConfig h) {
        return hardened(h, Capability.NET_RAW, Capability.NET_ADMIN);
    }

    static HostConfig hardened(HostConfig h, Capability... caps) {
        return h.withNetworkMode("host")
                .withCapDrop(Capability.ALL)
                .withCapAdd(caps)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withReadonlyRootfs(true)
                .withTmpFs(java.util.Map.of("/tmp", "rw,size=64m"));
    }

    static String capLine(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
                .findFirst().orElse("missing");
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String hostRuleset() throws IOException, InterruptedException {
        TestLink.Result r = TestLink.exec(10, List.of("nft", "list", "ruleset"));
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output();
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }

    /** Host network publishes no ports, so Testcontainers' port waits do not apply: poll /readyz. */
    static final class ReadyWait extends AbstractWaitStrategy {
        private final int port;

        ReadyWait(int port) {
            this.port = port;
            withStartupTimeout(Duration.ofSeconds(90));
        }

        @Override
        protected void waitUntilReady() {
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            String last = "nothing yet";
            while (System.nanoTime() - deadline < 0) {
                if (!waitStrategyTarget.isRunning()) {
                    throw new IllegalStateException("Portcullis exited before /readyz answered; logs:\n"
                            + waitStrategyTarget.getLogs());
                }
                try {
                    HttpResponse<String> r = get(port, "/readyz");
                    if (r.statusCode() == 200) return;
                    last = "HTTP " + r.statusCode();
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new IllegalStateException("/readyz on 127.0.0.1:" + port + " did not answer 200 in "
                    + startupTimeout + " (last: " + last + "); logs:\n" + waitStrategyTarget.getLogs());
        }
    }
}
