package dev.portcullis.e2e;

import dev.portcullis.testing.NetNs;
import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8, check 1: the real curl binary in the client namespace, through the VIPs (IPv4 and IPv6, answered by
 * Portcullis's ARP/ND), gets nginx's page and the TestBackend's page; 500 sequential and 500 concurrent
 * connections per backend all succeed, each on a connection of its own ({@code Connection: close}, curl's
 * {@code num_connects} is 1). Run with the veths' default offloads and with them off.
 */
class ThroughVipIT {
    static Rig rig;

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("ThroughVipIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (rig != null) E2e.stopAndClose(rig);
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void curl_gets_the_backends_page_over_ipv4_and_ipv6(boolean offloads) throws Exception {
        rig.offloads(offloads);
        for (String vip : List.of(Rig.VIP4, Rig.VIP6)) {
            NetNs.Result nginx = rig.net.execMayFail(rig.client, 15, "curl", "-g", "-sS", "-m", "10", Rig.url(vip, Rig.WEB));
            assertThat(nginx.out()).as("nginx via %s: %s", vip, nginx.err()).isEqualTo(Rig.NGINX_PAGE);
            NetNs.Result tb = rig.net.execMayFail(rig.client, 15, "curl", "-g", "-sS", "-m", "10", Rig.url(vip, Rig.TB));
            assertThat(tb.out()).as("TestBackend via %s: %s", vip, tb.err()).isEqualTo(TestBackend.PAGE + "backend tb\n");
        }
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void five_hundred_sequential_connections_per_backend_all_succeed(boolean offloads) throws Exception {
        rig.offloads(offloads);
        for (int port : new int[] {Rig.WEB, Rig.TB}) {
            long t0 = System.nanoTime();
            CurlRun run = curl(port, 500, 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            run.assertAllSucceeded(500, port);
            String tag = Figures.offloads(offloads) + (port == Rig.WEB ? "_nginx" : "_testbackend");
            Figures.print("sequential_connections_per_s_" + tag, 500 / seconds);
            Figures.print("sequential_connect_p99_us_" + tag, Figures.percentile(run.connectMicros(), 99));
        }
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void five_hundred_concurrent_connections_per_backend_all_succeed(boolean offloads) throws Exception {
        rig.offloads(offloads);
        for (int port : new int[] {Rig.WEB, Rig.TB}) {
            long t0 = System.nanoTime();
            CurlRun run = curl(port, 500, 50);
            double seconds = (System.nanoTime() - t0) / 1e9;
            run.assertAllSucceeded(500, port);
            String tag = Figures.offloads(offloads) + (port == Rig.WEB ? "_nginx" : "_testbackend");
            Figures.print("concurrent50_connections_per_s_" + tag, 500 / seconds);
            Figures.print("concurrent50_connect_p99_us_" + tag, Figures.percentile(run.connectMicros(), 99));
        }
    }

    /** The outcome of one curl process fetching many URLs. */
    record CurlRun(String out, String err, List<String> results) {
        void assertAllSucceeded(int n, int port) {
            String page = port == Rig.WEB ? Rig.NGINX_PAGE : TestBackend.PAGE + "backend tb\n";
            long ok = results.stream().filter(r -> r.startsWith("200 1 ")).count();
            assertThat(ok).as("requests answered 200 on a new connection of their own, port %d; curl stderr: %s; bad: %s",
                    port, err, results.stream().filter(r -> !r.startsWith("200 1 ")).limit(10).toList()).isEqualTo(n);
            int pages = 0;
            for (int i = out.indexOf(page); i >= 0; i = out.indexOf(page, i + 1)) pages++;
            assertThat(pages).as("complete pages").isEqualTo(n);
        }

        long[] connectMicros() {
            return results.stream().mapToLong(r -> Math.round(Double.parseDouble(r.split(" ")[2]) * 1e6)).toArray();
        }
    }

    /**
     * One curl process, n URLs alternating between the IPv4 and the IPv6 VIP, each with Connection: close (so each
     * request opens a new connection); {@code parallel} > 0 runs that many at once.
     */
    static CurlRun curl(int port, int n, int parallel) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-g", "-sS", "-m", "20", "-H", "Connection: close",
                "-w", "\nRESULT %{http_code} %{num_connects} %{time_connect}\n"));
        if (parallel > 0) cmd.addAll(List.of("--parallel", "--parallel-immediate", "--parallel-max", Integer.toString(parallel)));
        for (int i = 0; i < n; i++) cmd.add(Rig.url(i % 2 == 0 ? Rig.VIP4 : Rig.VIP6, port) + "?" + i);
        NetNs.Result r = rig.net.execMayFail(rig.client, 180, cmd.toArray(String[]::new));
        List<String> results = r.out().lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).toList();
        return new CurlRun(r.out(), r.err(), results);
    }
}
