package dev.portcullis.relay;

import dev.portcullis.testing.TestBackend;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay against real backend sockets on 127.0.0.1, the engine side driven through {@link MemoryEngine}. */
class RelayTest {
    static final long VIP4 = v4(192, 0, 2, 10);
    static final int RX = 256 * 1024, TX = 256 * 1024;

    MultiThreadIoEventLoopGroup group;
    EventLoop loop;
    MemoryEngine engine;
    Relay relay;
    RelayCounters counters;
    final List<TestBackend> backends = new ArrayList<>();

    static long v4(int a, int b, int c, int d) {
        return 0x0000_ffff_0000_0000L | ((long) a << 24) | ((long) b << 16) | ((long) c << 8) | d;
    }

    @BeforeEach
    void setUp() {
        assertThat(Epoll.isAvailable()).as("epoll").isTrue();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        loop = group.next();
        engine = new MemoryEngine();
        counters = new RelayCounters();
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        for (TestBackend b : backends) b.close();
    }

    TestBackend backend(String name) throws IOException {
        TestBackend b = TestBackend.start(name);
        backends.add(b);
        return b;
    }

    static InetSocketAddress addr(TestBackend b) {
        return new InetSocketAddress("127.0.0.1", b.port());
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed again: connecting to it is refused
        }
    }

    BackendPool pool(Balance balance, InetSocketAddress... addresses) {
        return new BackendPool("web", List.of(addresses), balance, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    void relay(BackendPool pool, ProxyMode mode) throws Exception {
        on(() -> relay = new Relay(loop, engine, Map.of(80, new Route(80, pool, mode)), counters, System::nanoTime));
        on(() -> engine.relay = relay);
    }

    <T> T on(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    void until(BooleanSupplier cond, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!on(cond::getAsBoolean)) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    MemoryEngine.Conn connect(long clientLo, int clientPort) throws Exception {
        return on(() -> engine.connect(0, clientLo, clientPort, 0, VIP4, 80, RX, TX));
    }

    /** One request line, the client's FIN, and everything the backend answered up to its FIN. */
    String exchange(long clientLo, String request) throws Exception {
        MemoryEngine.Conn c = connect(clientLo, 40000);
        byte[] req = request.getBytes(StandardCharsets.US_ASCII);
        assertThat(on(() -> engine.clientSend(c, req, 0, req.length))).isEqualTo(req.length);
        on(() -> { engine.clientFin(c); return null; });
        until(() -> c.outputShut || c.aborted, "the backend's answer");
        assertThat(c.aborted).as("aborted").isFalse();
        return new String(on(() -> engine.clientRead(c, Integer.MAX_VALUE)), StandardCharsets.US_ASCII);
    }

    @Test
    void round_robin_takes_the_backends_in_turn() throws Exception {
        TestBackend b1 = backend("b1"), b2 = backend("b2"), b3 = backend("b3");
        relay(pool(Balance.ROUND_ROBIN, addr(b1), addr(b2), addr(b3)), ProxyMode.NONE);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) seen.add(exchange(v4(198, 51, 100, 1), "NAME\n").trim());
        assertThat(seen).containsExactly("NAME b1", "NAME b2", "NAME b3", "NAME b1", "NAME b2", "NAME b3");
        until(() -> counters.completed == 6, "six clean closes");
        assertThat(on(relay::openSessions)).isZero();
    }

    @Test
    void source_hash_sends_one_client_to_one_backend() throws Exception {
        TestBackend b1 = backend("b1"), b2 = backend("b2"), b3 = backend("b3");
        relay(pool(Balance.SOURCE_HASH, addr(b1), addr(b2), addr(b3)), ProxyMode.NONE);
        String first = exchange(v4(198, 51, 100, 7), "NAME\n");
        for (int i = 0; i < 4; i++) assertThat(exchange(v4(198, 51, 100, 7), "NAME\n")).isEqualTo(first);
        Set<String> spread = new HashSet<>();
        for (int i = 1; i <= 12; i++) spread.add(exchange(v4(203, 0, 113, i), "NAME\n"));
        assertThat(spread).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void least_connections_avoids_the_busy_backend() throws Exception {
        TestBackend b1 = backend("b1"), b2 = backend("b2");
        relay(pool(Balance.LEAST_CONNECTIONS, addr(b1), addr(b2)), ProxyMode.NONE);
        // two long-lived connections: the second must go where the first is not
        MemoryEngine.Conn a = connect(v4(198, 51, 100, 1), 1000);
        byte[] echo = "ECHO\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(a, echo, 0, echo.length));
        until(() -> b1.open.get() + b2.open.get() == 1, "the first connection to be up");
        MemoryEngine.Conn b = connect(v4(198, 51, 100, 2), 1001);
        on(() -> engine.clientSend(b, echo, 0, echo.length));
        until(() -> b1.open.get() == 1 && b2.open.get() == 1, "one connection on each backend");
        on(() -> { engine.clientFin(a); engine.clientFin(b); return null; });
        until(() -> b1.open.get() + b2.open.get() == 0, "both to end");
    }

    @Test
    void a_refused_connect_moves_on_to_the_next_backend_and_marks_the_first_down() throws Exception {
        TestBackend live = backend("live");
        BackendPool p = pool(Balance.ROUND_ROBIN, new InetSocketAddress("127.0.0.1", closedPort()), addr(live));
        relay(p, ProxyMode.NONE);
        assertThat(exchange(v4(198, 51, 100, 1), "NAME\n")).isEqualTo("NAME live\n");
        assertThat(counters.connectFailures).isEqualTo(1);
        Backend dead = p.backends().get(0);
        assertThat(dead.connectFailures()).isEqualTo(1);
        assertThat(dead.isMarkedDown()).isTrue();
        assertThat(p.backends().get(1).isMarkedDown()).isFalse();
        // while it is down, round robin skips it: no further failures
        for (int i = 0; i < 3; i++) assertThat(exchange(v4(198, 51, 100, 1), "NAME\n")).isEqualTo("NAME live\n");
        assertThat(dead.connectFailures()).isEqualTo(1);
        assertThat(p.anyUp(System.nanoTime())).isTrue();
    }

    @Test
    void a_backend_that_comes_back_is_marked_up_by_a_health_check() throws Exception {
        int port = closedPort();
        BackendPool p = pool(Balance.ROUND_ROBIN, new InetSocketAddress("127.0.0.1", port));
        relay(p, ProxyMode.NONE);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 5001);
        until(() -> c.aborted, "the RST");
        Backend b = p.backends().get(0);
        assertThat(b.isMarkedDown()).isTrue();
        HealthChecker checker = new HealthChecker(loop, List.of(p));
        on(() -> { checker.checkPool(p); return null; });
        until(() -> b.checksFailed() == 1, "the check");
        assertThat(b.isMarkedDown()).as("still nothing listening").isTrue();
        try (TestBackend _ = new TestBackend(java.net.InetAddress.getByName("127.0.0.1"), port, "back", 0)) {
            on(() -> { checker.checkPool(p); return null; });
            until(() -> !b.isMarkedDown(), "the check to clear the mark");
        }
        checker.close();
    }

    @Test
    void host_names_are_resolved_off_the_loop_and_unknown_ones_fail_over() throws Exception {
        TestBackend b = backend("named");
        BackendPool p = pool(Balance.ROUND_ROBIN, InetSocketAddress.createUnresolved("no-such-host.invalid", 80),
                InetSocketAddress.createUnresolved("localhost", b.port()));
        relay(p, ProxyMode.NONE);
        assertThat(exchange(v4(198, 51, 100, 1), "NAME\n")).isEqualTo("NAME named\n");
        assertThat(p.backends().get(0).connectFailures()).isEqualTo(1);
    }

    @Test
    void when_no_backend_answers_the_client_is_reset() throws Exception {
        BackendPool p = pool(Balance.ROUND_ROBIN, new InetSocketAddress("127.0.0.1", closedPort()), new InetSocketAddress("127.0.0.1", closedPort()));
        relay(p, ProxyMode.NONE);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 5000);
        until(() -> c.aborted, "the RST");
        assertThat(counters.noBackend).isEqualTo(1);
        assertThat(counters.connectFailures).isEqualTo(2);
        assertThat(p.anyUp(System.nanoTime())).isFalse();
        assertThat(on(relay::openSessions)).isZero();
    }

    @Test
    void proxy_protocol_v1_header_comes_first() throws Exception {
        TestBackend b = backend("pp");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.V1);
        MemoryEngine.Conn c = on(() -> engine.connect(0, v4(198, 51, 100, 77), 40001, 0, VIP4, 80, RX, TX));
        byte[] req = "WHO\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, req, 0, req.length));
        on(() -> { engine.clientFin(c); return null; });
        until(() -> c.outputShut, "the answer");
        assertThat(new String(on(() -> engine.clientRead(c, 1000)), StandardCharsets.US_ASCII))
                .isEqualTo("WHO pp proxy=TCP4 198.51.100.77 192.0.2.10 40001 80\n");
    }

    @Test
    void proxy_protocol_v2_header_for_ipv6() throws Exception {
        TestBackend b = backend("pp2");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.V2);
        MemoryEngine.Conn c = on(() -> engine.connect(0x2001_0db8_0000_0000L, 7, 40002, 0x2001_0db8_0000_0000L, 0x10, 80, RX, TX));
        byte[] req = "WHO\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, req, 0, req.length));
        on(() -> { engine.clientFin(c); return null; });
        until(() -> c.outputShut, "the answer");
        assertThat(new String(on(() -> engine.clientRead(c, 1000)), StandardCharsets.US_ASCII))
                .isEqualTo("WHO pp2 proxy=TCP6 2001:db8:0:0:0:0:0:7 2001:db8:0:0:0:0:0:10 40002 80\n");
    }

    @Test
    void eight_megabytes_echo_byte_exact() throws Exception {
        TestBackend b = backend("echo");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        byte[] data = new byte[8 << 20];
        new Random(42).nextBytes(data);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 6000);
        byte[] cmd = "ECHO\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, cmd, 0, cmd.length));
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long received = 0;
        int sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received < data.length) {
            final int off = sent;
            if (sent < data.length) {
                sent += on(() -> engine.clientSend(c, data, off, Math.min(64 * 1024, data.length - off)));
                if (sent == data.length) on(() -> { engine.clientFin(c); return null; });
            }
            byte[] in = on(() -> engine.clientRead(c, 128 * 1024));
            got.update(in);
            received += in.length;
            if (in.length == 0) Thread.sleep(1);
            assertThat(System.nanoTime() - deadline).as("time").isNegative();
        }
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        until(() -> c.outputShut && c.closed, "the close both ways");
        assertThat(counters.bytesToBackend).isEqualTo(cmd.length + data.length);
        assertThat(counters.bytesToClient).isEqualTo(data.length);
    }

    @Test
    void a_slow_backend_closes_the_clients_window_and_nothing_is_lost() throws Exception {
        TestBackend b = new TestBackend(java.net.InetAddress.getLoopbackAddress(), 0, "slow", 64 * 1024);
        backends.add(b);
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        byte[] data = new byte[32 << 20];
        new Random(7).nextBytes(data);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 6001);
        byte[] cmd = "SINK-AFTER 1500\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, cmd, 0, cmd.length));
        int sent = 0;
        long holdEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        while (System.nanoTime() - holdEnds < 0 && sent < data.length) {
            final int off = sent;
            int n = on(() -> engine.clientSend(c, data, off, Math.min(64 * 1024, data.length - off)));
            sent += n;
            if (n == 0) Thread.sleep(1);
        }
        // the backend reads nothing yet: the relay stopped taking bytes out of the engine, whose window is full
        assertThat(c.rxWasFull).as("receive buffer (window) filled").isTrue();
        assertThat(sent).as("bytes the client got in").isLessThan(data.length / 2);
        assertThat(on(() -> counters.bytesToBackend)).as("bytes taken out of the engine").isLessThan(16L << 20);
        while (sent < data.length) {
            final int off = sent;
            int n = on(() -> engine.clientSend(c, data, off, Math.min(64 * 1024, data.length - off)));
            sent += n;
            if (n == 0) Thread.sleep(1);
        }
        on(() -> { engine.clientFin(c); return null; });
        until(() -> c.outputShut, "the sink's answer");
        String answer = new String(on(() -> engine.clientRead(c, 1000)), StandardCharsets.US_ASCII);
        byte[] both = new byte[data.length];
        System.arraycopy(data, 0, both, 0, data.length);
        assertThat(answer).isEqualTo("SINK " + data.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(both)) + "\n");
    }

    @Test
    void a_client_that_does_not_read_holds_the_backend_back() throws Exception {
        TestBackend b = backend("stream");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        long total = 32L << 20;
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 6002);
        byte[] cmd = ("STREAM " + total + "\n").getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, cmd, 0, cmd.length));
        on(() -> { engine.clientFin(c); return null; });
        until(() -> counters.bytesToClient == TX, "the send buffer to fill");
        Thread.sleep(500);
        // the client reads nothing: the engine's send buffer is full, the relay holds at most one chunk, and the
        // backend is stopped by TCP flow control once the kernel buffers between it and us are full
        assertThat(on(() -> counters.bytesToClient)).isEqualTo(TX);
        assertThat(b.bytesOut.get()).isLessThan(total / 2);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long received = 0;
        while (received < total) {
            byte[] in = on(() -> engine.clientRead(c, 256 * 1024));
            got.update(in);
            received += in.length;
            if (in.length == 0) Thread.sleep(1);
        }
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(TestBackend.streamSha256(total));
        until(() -> c.outputShut, "the FIN after the stream");
    }

    @Test
    void a_backend_reset_resets_the_client() throws Exception {
        TestBackend b = backend("rst");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 6003);
        byte[] cmd = "RESET-AFTER 100000\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, cmd, 0, cmd.length));
        // keep reading so the bytes before the reset flow; the RST must then reach the client as an abort
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!on(() -> c.aborted)) {
            on(() -> engine.clientRead(c, 1 << 20));
            Thread.sleep(2);
            assertThat(System.nanoTime() - deadline).isNegative();
        }
        assertThat(c.outputShut).as("no FIN: a cut stream is not a complete one").isFalse();
        assertThat(counters.backendResets).isEqualTo(1);
        assertThat(on(relay::openSessions)).isZero();
    }

    @Test
    void a_client_reset_closes_the_backend_connection() throws Exception {
        TestBackend b = backend("echo");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        MemoryEngine.Conn c = connect(v4(198, 51, 100, 1), 6004);
        byte[] cmd = "ECHO\nhello".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, cmd, 0, cmd.length));
        until(() -> b.bytesIn.get() == 5, "the echo to start");
        on(() -> { engine.clientReset(c); return null; });
        until(() -> b.open.get() == 0, "the backend connection to end");
        assertThat(counters.clientResets).isEqualTo(1);
        assertThat(on(relay::openSessions)).isZero();
    }

    @Test
    void stopping_resets_new_connections_and_abort_all_resets_the_open_ones() throws Exception {
        TestBackend b = backend("echo");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        MemoryEngine.Conn open = connect(v4(198, 51, 100, 1), 6005);
        byte[] cmd = "ECHO\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(open, cmd, 0, cmd.length));
        until(() -> b.open.get() == 1, "the connection");
        on(() -> { relay.stopAccepting(); return null; });
        MemoryEngine.Conn late = connect(v4(198, 51, 100, 2), 6006);
        assertThat(late.aborted).isTrue();
        assertThat(counters.refusedShuttingDown).isEqualTo(1);
        assertThat(open.aborted).isFalse();
        on(() -> { relay.abortAll(); return null; });
        assertThat(open.aborted).isTrue();
        until(() -> b.open.get() == 0, "the backend side to close");
    }

    /** Many short connections at once: none may be reset. */
    @Test
    void three_thousand_short_connections_sixty_four_at_a_time() throws Exception {
        TestBackend b = backend("churn");
        relay(pool(Balance.ROUND_ROBIN, addr(b)), ProxyMode.NONE);
        byte[] req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int done = 0, aborted = 0, port = 10000;
        List<MemoryEngine.Conn> live = new ArrayList<>();
        while (done < 3000) {
            while (live.size() < 64) {
                MemoryEngine.Conn c = connect(v4(198, 51, 100, 1 + port % 200), port++);
                on(() -> engine.clientSend(c, req, 0, req.length));
                live.add(c);
            }
            Thread.sleep(1);
            List<MemoryEngine.Conn> now = new ArrayList<>(live);
            for (MemoryEngine.Conn c : now) {
                boolean end = on(() -> c.outputShut || c.aborted);
                if (!end) continue;
                if (c.aborted) aborted++;
                else on(() -> { engine.clientRead(c, Integer.MAX_VALUE); engine.clientFin(c); return null; });
                live.remove(c);
                done++;
            }
        }
        System.out.println("churn: " + done + " connections, " + aborted + " aborted, backend resets " + counters.backendResets);
        assertThat(aborted).isZero();
    }
}
