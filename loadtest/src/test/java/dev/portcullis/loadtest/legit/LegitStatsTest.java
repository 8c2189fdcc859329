package dev.portcullis.loadtest.legit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LegitStatsTest {

    @Test
    void percentilesAndSuccessShareFromKnownSamples() {
        LegitStats a = new LegitStats();
        LegitStats b = new LegitStats();
        // 1000 connects of 1..1000 µs spread over two threads' stats, plus 10 failures of each connect kind
        for (int i = 1; i <= 1000; i++) (i % 2 == 0 ? a : b).success(i * 1000L);
        for (int i = 0; i < 10; i++) {
            a.connectTimedOut();
            b.connectRefused();
        }
        LegitStats t = new LegitStats();
        t.add(a);
        t.add(b);
        assertThat(t.attempts()).isEqualTo(1020);
        assertThat(t.ok()).isEqualTo(1000);
        assertThat(t.successPercent()).isCloseTo(100.0 * 1000 / 1020, within(1e-9));
        assertThat(t.connectMs(50)).isCloseTo(0.5, within(0.001));
        assertThat(t.connectMs(99)).isCloseTo(0.99, within(0.001));
        assertThat(t.connectMs(99.9)).isCloseTo(0.999, within(0.001));
        String json = t.json(2.0);
        assertThat(json).contains("\"attempts\":1020", "\"ok\":1000", "\"rps\":500.0", "\"connect_timeout\":10",
                "\"connect_refused\":10", "\"connect_p99_ms\":0.99");
    }

    @Test
    void exchangeFailuresCountTheirConnectButNotAsSuccess() {
        LegitStats s = new LegitStats();
        s.exchangeFailed(2_000_000, true);
        s.exchangeFailed(4_000_000, false);
        assertThat(s.successPercent()).isZero();
        assertThat(s.connectMs(99)).isCloseTo(4.0, within(0.01));
        assertThat(s.json(1)).contains("\"bad_reply\":1", "\"io_error\":1");
    }

    @Test
    void nothingAttemptedGivesNullLatencies() {
        LegitStats s = new LegitStats();
        assertThat(s.successPercent()).isZero();
        assertThat(s.connectMs(99)).isNaN();
        assertThat(s.json(1)).contains("\"connect_p99_ms\":null");
    }

    @Test
    void statusLine() {
        byte[] ok = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] bad = "HTTP/1.1 503 Busy\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(LegitClients.statusOk(ok, ok.length)).isTrue();
        assertThat(LegitClients.statusOk(bad, bad.length)).isFalse();
        assertThat(LegitClients.statusOk(ok, 5)).isFalse();
    }

    @Test
    void clientsAgainstARealLoopbackServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress())) {
            Thread srv = Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getInputStream().read(new byte[512]);
                        s.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            LegitClients.Config c = new LegitClients.Config(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2, 0.5, 20_000_000,
                    1000, 1000, "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            LegitStats st = LegitClients.run(c);
            assertThat(st.attempts()).isBetween(2L, 60L); // paced at 20 ms per client; a loaded box gets fewer in
            assertThat(st.successPercent()).isEqualTo(100.0);
            assertThat(st.connectMs(99)).isLessThan(1000.0);
            server.close();
            srv.join(1000);
        }
    }

    @Test
    void refusedConnectsAreCountedAsFailures() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LegitClients.Config c = new LegitClients.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                1, 0.1, 20_000_000, 500, 500, new byte[] {'x'});
        LegitStats st = LegitClients.run(c);
        assertThat(st.attempts()).isPositive();
        assertThat(st.successPercent()).isZero();
        assertThat(st.connectRefused).isEqualTo(st.attempts());
    }
}
