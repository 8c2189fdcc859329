package dev.portcullis.relay;

import dev.portcullis.testing.TestBackend;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Operations features of the relay against real sockets on the loopback: health checks with rise/fall, a pool
 * swapped under open connections (what a reload does on each shard), drained backends, source addresses.
 * The engine side is {@link MemoryEngine}.
 */
class RelayOpsTest {
    static final long VIP4 = RelayTest.v4(192, 0, 2, 10);
    static final HealthCheck FAST = new HealthCheck(true, Duration.ofMillis(100), Duration.ofMillis(200), 2, 3);

    MultiThreadIoEventLoopGroup group;
    EventLoop loop;
    MemoryEngine engine;
    Relay relay;
    RelayCounters counters;
    final List<AutoCloseable> closing = new ArrayList<>();
    int clientPort = 20000;

    @BeforeEach
    void setUp() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        loop = group.next();
        engine = new MemoryEngine();
        counters = new RelayCounters();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    TestBackend backend(String name, int port) throws IOException {
        TestBackend b = new TestBackend(InetAddress.getByName("127.0.0.1"), port, name, 0);
        closing.add(b);
        return b;
    }

    static InetSocketAddress addr(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    static BackendPool pool(List<Backend> backends, HealthCheck hc, List<InetAddress> sources) {
        return new BackendPool("web", backends, Balance.ROUND_ROBIN, Duration.ofSeconds(2), Duration.ofSeconds(5), hc, sources);
    }

    void relay(BackendPool pool) throws Exception {
        on(() -> relay = new Relay(loop, engine, Map.of(80, new Route(80, pool, ProxyMode.NONE)), counters, System::nanoTime));
        on(() -> engine.relay = relay);
    }

    <T> T on(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    void until(BooleanSupplier cond, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!on(cond::getAsBoolean)) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** One NAME exchange: the backend's name, or "reset" when the relay reset the client. */
    String name() throws Exception {
        int port = clientPort++;
        MemoryEngine.Conn c = on(() -> engine.connect(0, RelayTest.v4(198, 51, 100, 1), port, 0, VIP4, 80, 65536, 65536));
        byte[] req = "NAME\n".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(c, req, 0, req.length));
        on(() -> { engine.clientFin(c); return null; });
        until(() -> c.outputShut || c.aborted, "the answer");
        if (c.aborted) return "reset";
        return new String(on(() -> engine.clientRead(c, 1000)), StandardCharsets.US_ASCII).strip().substring("NAME ".length());
    }

    @Test
    void a_stopped_backend_goes_out_after_fall_checks_and_comes_back_after_rise_checks() throws Exception {
        TestBackend one = backend("one", 0);
        int onePort = one.port();
        TestBackend two = backend("two", 0);
        List<Backend> list = BackendPool.fresh("web", List.of(addr(onePort), addr(two.port())));
        BackendPool p = pool(list, FAST, List.of());
        Backend b1 = list.get(0);
        relay(p);
        HealthChecker checker = new HealthChecker(loop, List.of(p));
        closing.add(checker);
        checker.start();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).containsExactly("one", "two", "one", "two");

        one.close(); // the backend stops: nothing listens on its port
        until(() -> !b1.isCheckedUp(), "fall (3) failed checks");
        assertThat(b1.checksFailed()).isGreaterThanOrEqualTo(3);
        assertThat(b1.isMarkedDown()).as("what portcullis_backend_up reads").isTrue();
        long failuresBefore = counters.connectFailures;
        seen.clear();
        for (int i = 0; i < 6; i++) seen.add(name());
        assertThat(seen).as("only the up backend").containsOnly("two");
        assertThat(counters.connectFailures).as("a down backend is not even tried").isEqualTo(failuresBefore);

        long okBefore = b1.checksOk();
        backend("one-again", onePort); // restarted on the same port
        until(b1::isCheckedUp, "rise (2) successful checks");
        assertThat(b1.checksOk() - okBefore).isGreaterThanOrEqualTo(2);
        assertThat(b1.isMarkedDown()).isFalse();
        seen.clear();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).contains("one-again", "two");
    }

    @Test
    void one_failed_check_is_not_enough_to_go_down_and_one_success_not_enough_to_come_up() {
        Backend b = new Backend("web", addr(1));
        assertThat(b.checked(false, 2, 3)).isZero();
        assertThat(b.checked(false, 2, 3)).isZero();
        assertThat(b.checked(true, 2, 3)).as("a success breaks the run").isZero();
        assertThat(b.checked(false, 2, 3)).isZero();
        assertThat(b.checked(false, 2, 3)).isZero();
        assertThat(b.isCheckedUp()).isTrue();
        assertThat(b.checked(false, 2, 3)).isEqualTo(-1);
        assertThat(b.isCheckedUp()).isFalse();
        assertThat(b.checked(true, 2, 3)).isZero();
        assertThat(b.checked(false, 2, 3)).isZero();
        assertThat(b.checked(true, 2, 3)).isZero();
        assertThat(b.isCheckedUp()).isFalse();
        assertThat(b.checked(true, 2, 3)).isEqualTo(1);
        assertThat(b.isCheckedUp()).isTrue();
    }

    @Test
    void a_new_pool_takes_new_connections_while_open_ones_keep_their_backend_and_a_drained_backend_gets_none()
            throws Exception {
        TestBackend one = backend("one", 0), two = backend("two", 0);
        Backend b1 = new Backend("web", addr(one.port()));
        relay(pool(List.of(b1), HealthCheck.DEFAULT, List.of()));
        // a long-lived connection on "one"
        MemoryEngine.Conn open = on(() -> engine.connect(0, RelayTest.v4(198, 51, 100, 9), 999, 0, VIP4, 80, 65536, 65536));
        byte[] echo = "ECHO\nbefore".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(open, echo, 0, echo.length));
        until(() -> open.tx.size() == 6, "the echo");
        assertThat(new String(on(() -> engine.clientRead(open, 100)), StandardCharsets.US_ASCII)).isEqualTo("before");

        // what a reload does on each shard: the same Backend object, now draining, and a second backend
        b1.draining(true);
        BackendPool next = pool(List.of(b1, new Backend("web", addr(two.port()))), HealthCheck.DEFAULT, List.of());
        on(() -> { relay.routes(Map.of(80, new Route(80, next, ProxyMode.NONE))); return null; });
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) seen.add(name());
        assertThat(seen).containsOnly("two");
        assertThat(b1.isUp(System.nanoTime())).isFalse();
        assertThat(b1.isMarkedDown()).as("draining is not down").isFalse();

        byte[] more = "after".getBytes(StandardCharsets.US_ASCII);
        on(() -> engine.clientSend(open, more, 0, more.length));
        until(() -> open.tx.size() == 5, "the old connection's echo");
        assertThat(new String(on(() -> engine.clientRead(open, 100)), StandardCharsets.US_ASCII)).isEqualTo("after");
        assertThat(open.aborted).isFalse();
        assertThat(one.open.get()).isEqualTo(1);

        // every backend draining: new connections are reset at once and counted, none is tried
        next.backends().get(1).draining(true);
        assertThat(name()).isEqualTo("reset");
        assertThat(counters.noBackend).isEqualTo(1);
        on(() -> { engine.clientFin(open); return null; });
        until(() -> open.outputShut, "the old connection's clean end");
    }

    @Test
    void connects_bind_the_source_addresses_in_turn() throws Exception {
        Set<String> peers = ConcurrentHashMap.newKeySet();
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        closing.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    peers.add(s.getInetAddress().getHostAddress());
                    s.getOutputStream().write(("NAME " + s.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    return;
                }
            }
        });
        List<InetAddress> sources = List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3"),
                InetAddress.getByName("::1")); // the IPv6 one is never used for an IPv4 backend
        relay(pool(BackendPool.fresh("web", List.of(addr(server.getLocalPort()))), HealthCheck.DEFAULT, sources));
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) seen.add(name());
        assertThat(seen).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.3");
        assertThat(peers).containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3");
    }
}
