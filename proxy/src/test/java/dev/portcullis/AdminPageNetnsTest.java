package dev.portcullis;

import dev.portcullis.testing.NetNs;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin page in a real browser during a real flood: Main in a subprocess in a network namespace (as in
 * {@link EndToEndNetnsTest}), hping3 flooding it from the client namespace with random sources plus one heavy
 * spoofed source over its per-source limit, a few held connections for the established count; then headless
 * Chromium, run inside the proxy's namespace, loads http://127.0.0.1:PORT/, and the test checks that the DOM
 * it rendered holds non-zero numbers (SYN rate, cookies, established, the heavy source at rank 1, a backend up)
 * and that the screenshot is a real PNG of some size. The screenshot is copied to docs/admin-page.png.
 * Root, hping3 and /usr/bin/chromium (Debian's chromium package) needed; otherwise skipped with the reason.
 */
class AdminPageNetnsTest {
    static final String VIP = "10.77.0.10", CLIENT = "10.77.0.2", HEAVY = "10.77.0.99";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), HPING = Path.of("/usr/sbin/hping3");

    @Test
    void the_admin_page_shows_the_flood() throws Exception {
        String skip = NetNs.skipReason();
        if (skip == null && !Files.isExecutable(CHROMIUM)) skip = "chromium is not installed (apt-get install chromium)";
        if (skip == null && !Files.isExecutable(HPING)) skip = "hping3 is not installed (apt-get install hping3)";
        if (skip != null) System.out.println("AdminPageNetnsTest skipped: " + skip);
        assumeTrue(skip == null, skip);

        Process backend = null, proxy = null;
        List<Socket> held = new ArrayList<>();
        try (NetNs net = new NetNs()) {
            String client = net.namespace(), proxyNs = net.namespace();
            NetNs.Veth link = net.veth(client, proxyNs);
            net.address(client, link.a(), CLIENT + "/24");
            List<String> b = new ArrayList<>(NetNs.launcher(proxyNs));
            b.addAll(EndToEndNetnsTest.java("dev.portcullis.testing.TestBackend", "--port", "8080", "--bind", "127.0.0.1", "--name", "page"));
            backend = new ProcessBuilder(b).redirectErrorStream(true).start();
            assertThat(new BufferedReader(new InputStreamReader(backend.getInputStream())).readLine()).isEqualTo("listening 8080");

            Path conf = Files.createTempFile("adminpage", ".conf");
            Files.writeString(conf, """
                    portcullis {
                      interface = "%s"
                      vips = ["%s"]
                      pools { web { backends = ["127.0.0.1:8080"] } }
                      listeners = [ { port = 80, pool = web } ]
                      cookies.secret = "hex:000102030405060708090a0b0c0d0e0f"
                      shards = 1
                      admin { bind = "127.0.0.1", port = 9090 }
                      guard { per-source-syn-rate = 200, deny = ["100.64.0.0/10"] }
                      shutdown.grace-period = 0s
                    }
                    """.formatted(link.b(), VIP));
            Path log = Files.createTempFile("adminpage", ".log");
            List<String> p = new ArrayList<>(NetNs.launcher(proxyNs));
            p.addAll(EndToEndNetnsTest.java("dev.portcullis.Main", "--config", conf.toString()));
            proxy = new ProcessBuilder(p).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!net.execMayFail(proxyNs, 5, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:9090/readyz").out().strip().equals("200")) {
                assertThat(proxy.isAlive()).as("proxy running; log:\n" + Files.readString(log)).isTrue();
                assertThat(System.nanoTime() - deadline).as("readiness; log:\n" + Files.readString(log)).isNegative();
                Thread.sleep(200);
            }

            // held connections: the established gauge; the backend echoes and waits
            for (int i = 0; i < 8; i++) {
                held.add(net.inNamespace(client, () -> {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(VIP, 80), 5000);
                    s.getOutputStream().write("ECHO\n".getBytes(StandardCharsets.US_ASCII));
                    return s;
                }));
            }
            // the flood, bounded by timeout(1): random sources, and one spoofed heavy source over its limit
            net.start(client, "timeout", "-s", "KILL", "12", "hping3", "-q", "-S", "-p", "80", "-i", "u40", "--rand-source", VIP);
            net.start(client, "timeout", "-s", "KILL", "12", "hping3", "-q", "-S", "-p", "80", "-i", "u400", "-a", HEAVY, VIP);
            Thread.sleep(3500); // three samples of the page's history with the flood in them

            Path dir = Files.createTempDirectory("adminpage");
            Path png = dir.resolve("admin-page.png");
            String url = "http://127.0.0.1:9090/";
            NetNs.Result dom = net.execMayFail(proxyNs, 60, chromium(dir.resolve("p1"), "--dump-dom", url));
            assertThat(dom.exit()).as(dom.err()).isZero();
            NetNs.Result shot = net.execMayFail(proxyNs, 60, chromium(dir.resolve("p2"), "--screenshot=" + png, url));
            assertThat(shot.exit()).as(shot.err()).isZero();
            String html = dom.out();
            long synRate = value(html, "v-syn_rate"), cookieRate = value(html, "v-cookie_rate"), est = value(html, "v-established");
            System.out.printf("admin page: SYN %d/s, cookies %d/s, established %d, guard drops %d/s; screenshot %d bytes%n",
                    synRate, cookieRate, est, value(html, "v-guard_drop_rate"), Files.size(png));
            assertThat(html).contains("<polyline"); // charts drawn
            assertThat(synRate).as(html).isPositive();
            assertThat(cookieRate).isPositive();
            assertThat(est).isGreaterThanOrEqualTo(8);
            assertThat(value(html, "t-syns_received")).isPositive();
            assertThat(value(html, "t-guard_rate_limited")).as("the heavy source over its limit").isPositive();
            // the heavy spoofed source tops the table; the backend is up with the held connections
            Matcher top = Pattern.compile("<tr data-rate=\"(\\d+)\"><td>1</td><td>" + Pattern.quote(HEAVY) + "</td>").matcher(html);
            assertThat(top.find()).as(html).isTrue();
            assertThat(Long.parseLong(top.group(1))).isPositive();
            assertThat(html).contains("<td>127.0.0.1:8080</td><td class=\"up\">up</td>");
            // a real PNG, not a blank page
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes).hasSizeGreaterThan(20_000);
            assertThat(java.util.Arrays.copyOf(bytes, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
            assertThat(img.getWidth()).isEqualTo(1280);
            Path docs = Path.of("../docs/admin-page.png");
            if (Files.isDirectory(docs.getParent())) Files.copy(png, docs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            for (Socket s : held) s.close();
            if (proxy != null) proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (backend != null) backend.destroyForcibly();
        }
    }

    static String[] chromium(Path profile, String what, String url) {
        return new String[]{CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,900", "--virtual-time-budget=5000", what, url};
    }

    /** The data-value of the element with this id (the page writes the raw number there). */
    static long value(String html, String id) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\" data-value=\"(\\d+)\"").matcher(html);
        assertThat(m.find()).as(id + " in\n" + html).isTrue();
        return Long.parseLong(m.group(1));
    }
}
