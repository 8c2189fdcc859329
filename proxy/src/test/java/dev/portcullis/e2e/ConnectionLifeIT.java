package dev.portcullis.e2e;

import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8, check 5: the ends of a connection's life through Portcullis with a real client kernel. Half-close both
 * ways; the same client port bound again (SO_REUSEADDR) right after a connection closed; and a connection open
 * across a restart of Portcullis (kill -9, new process) is reset on its next segment instead of hanging.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectionLifeIT {
    static final int MB = 1 << 20;
    static Rig rig;
    static ExecutorService clientThreads;

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("ConnectionLifeIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
        clientThreads = InNs.pool(rig.client, 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clientThreads != null) clientThreads.shutdownNow();
        if (rig != null) E2e.stopAndClose(rig);
    }

    static <T> T inClient(Callable<T> body) throws Exception {
        return clientThreads.submit(body).get(60, TimeUnit.SECONDS);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Order(1)
    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void client_half_closes_and_still_receives_the_backends_answer(boolean offloads) throws Exception {
        rig.offloads(offloads);
        byte[] data = randomBytes(MB, 1);
        for (String vip : List.of(Rig.VIP4, Rig.VIP6)) {
            String answer = inClient(() -> {
                try (Socket s = new Socket()) {
                    s.setSoTimeout(20_000);
                    s.connect(new InetSocketAddress(vip, Rig.TB), 10_000);
                    OutputStream out = s.getOutputStream();
                    out.write("SINK\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(data);
                    s.shutdownOutput(); // FIN: the backend sees EOF only through Portcullis's half-close
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                }
            });
            assertThat(answer).as("answer after our FIN, via %s", vip).isEqualTo("SINK " + MB + " " + sha256(data) + "\n");
        }
    }

    @Order(2)
    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void backend_half_closes_and_the_client_can_still_send(boolean offloads) throws Exception {
        rig.offloads(offloads);
        rig.testBackend.halfCloseResults.clear();
        byte[] data = randomBytes(MB, 2);
        for (String vip : List.of(Rig.VIP4, Rig.VIP6)) {
            Scrape before = rig.portcullis.scrape();
            String first = inClient(() -> {
                try (Socket s = new Socket()) {
                    s.setSoTimeout(20_000);
                    s.connect(new InetSocketAddress(vip, Rig.TB), 10_000);
                    s.getOutputStream().write("HALF-CLOSE\n".getBytes(StandardCharsets.US_ASCII));
                    // the backend's FIN arrives: EOF here while our direction stays open
                    String got = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    try {
                        s.getOutputStream().write(data);
                        s.shutdownOutput();
                    } catch (SocketException e) {
                        return got + " then " + e;
                    }
                    return got;
                }
            });
            String got = rig.testBackend.halfCloseResults.poll(20, TimeUnit.SECONDS);
            String changes = rig.portcullis.scrape().changesSince(before);
            assertThat(first).as("client side via %s; counters changed:\n%s", vip, changes).isEqualTo("HALF-CLOSE\n");
            assertThat(got).as("what the backend received after its FIN, via %s; counters changed:\n%s", vip, changes)
                    .isEqualTo(MB + " " + sha256(data));
        }
    }

    @Order(3)
    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void the_same_client_port_is_reused_at_once(boolean offloads) throws Exception {
        rig.offloads(offloads);
        int port = 20000 + new Random().nextInt(20000);
        byte[] request = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long[] connectUs = new long[5], waitUs = new long[5];
        for (int round = 0; round < connectUs.length; round++) {
            int r = round;
            String answer = inClient(() -> {
                // The proxy closes first (it holds TIME-WAIT); our kernel keeps the 4-tuple in LAST-ACK until the
                // proxy acknowledges our FIN, and connect() fails with EADDRNOTAVAIL meanwhile: retry until free.
                long w0 = System.nanoTime();
                while (true) {
                    try (Socket s = new Socket()) {
                        s.setReuseAddress(true);
                        s.setSoTimeout(10_000);
                        s.bind(new InetSocketAddress(Rig.CLIENT4, port));
                        long t0 = System.nanoTime();
                        try {
                            s.connect(new InetSocketAddress(Rig.VIP4, Rig.TB), 10_000);
                        } catch (java.net.BindException e) {
                            if (System.nanoTime() - w0 > 3_000_000_000L) throw e;
                            Thread.sleep(5);
                            continue;
                        }
                        connectUs[r] = (System.nanoTime() - t0) / 1000;
                        waitUs[r] = (t0 - w0) / 1000;
                        s.getOutputStream().write(request);
                        // read to EOF first: the proxy closes first and keeps the 4-tuple in TIME-WAIT (RFC 9293 §3.6.1)
                        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    }
                }
            });
            assertThat(answer).as("round %d from port %d", round, port).startsWith("HTTP/1.1 200 ").contains(TestBackend.PAGE);
        }
        System.out.println("port " + port + ": connect times (us) " + java.util.Arrays.toString(connectUs)
                + ", waits for the client kernel to free the 4-tuple (us) " + java.util.Arrays.toString(waitUs));
        String tag = Figures.offloads(offloads);
        Figures.print("port_reuse_connect_max_us_" + tag, Figures.percentile(connectUs, 100));
        Figures.print("port_reuse_wait_for_last_ack_max_us_" + tag, Figures.percentile(waitUs, 100));
        // A SYN that the proxy's TIME-WAIT ignored would be retransmitted by the client after 1 s.
        assertThat(Figures.percentile(connectUs, 100)).as("slowest connect from the reused port, us").isLessThan(900_000);
    }

    @Order(4)
    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void a_connection_open_across_a_restart_is_reset_on_its_next_segment(boolean offloads) throws Exception {
        rig.offloads(offloads);
        Socket s = inClient(() -> {
            Socket c = new Socket();
            c.setSoTimeout(15_000);
            c.connect(new InetSocketAddress(Rig.VIP4, Rig.TB), 10_000);
            return c;
        });
        try (s) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("ECHO\nhello\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("hello\n");

            long oldPid = rig.portcullis.process.pid();
            rig.portcullis.kill(); // SIGKILL: no RST, no cleanup
            // a killed process leaves its nft table; an operator (or its supervisor) removes it
            rig.net.execMayFail(rig.proxy, 10, "nft", "delete", "table", "netdev", "portcullis_" + oldPid);
            rig.portcullis = ProxyProcess.start(rig, "");

            long t0 = System.nanoTime();
            out.write("after the restart\n".getBytes(StandardCharsets.US_ASCII));
            Throwable failure = null;
            try {
                int r = in.read();
                failure = new AssertionError("read returned " + r + " instead of failing with a reset");
            } catch (SocketException e) {
                failure = e;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Figures.print("restart_reset_after_ms_" + Figures.offloads(offloads), ms);
            assertThat(failure).as("the client's next read after it wrote").isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
            assertThat(ms).as("ms until the reset").isLessThan(5000);
        }
    }
}
