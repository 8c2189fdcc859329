package dev.portcullis.relay;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend half-closes first and then reads slowly while the client sends megabytes: the backend must get
 * every byte and then the client's FIN, with no reset either way. After the backend's FIN Netty 4.2.18 takes the
 * socket out of epoll (its interest set became empty: input shut, nothing to write); the relay's writes then fill
 * the socket's send buffer (the backend's receive buffer is small and it does not read yet), so Netty must watch
 * EPOLLOUT again on a socket no longer in the epoll set.
 */
class RelayHalfCloseTest {
    static final long VIP4 = RelayTest.VIP4;

    MultiThreadIoEventLoopGroup group;
    EventLoop loop;
    MemoryEngine engine;
    Relay relay;
    RelayCounters counters;
    ServerSocket server;
    /** Why the relay gave up on a backend connection (its debug text), for the assertion messages. */
    final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assertThat(Epoll.isAvailable()).as("epoll").isTrue();
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        loop = group.next();
        engine = new MemoryEngine();
        counters = new RelayCounters();
        server = new ServerSocket();
        server.setReceiveBufferSize(32 * 1024); // accepted sockets inherit it: the relay's writes must wait
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.close();
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

    /** Answers "bye\n", sends its FIN, waits {@code holdMs}, then reads to EOF: "bytes sha256hex". */
    CompletableFuture<String> halfClosingBackend(long holdMs) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                s.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                Thread.sleep(holdMs);
                InputStream in = s.getInputStream();
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[8 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                    if ((total & 0xfffff) < n) Thread.sleep(5); // slow: every MiB or so, a pause
                }
                return total + " " + HexFormat.of().formatHex(sha.digest());
            } catch (Exception e) {
                return e.toString();
            }
        }, Thread::startVirtualThread);
    }

    /** Sockets this JVM holds open (Linux): the relay's backend channel must be closed at the end. */
    static long openSockets() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.filter(f -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(f).toString().startsWith("socket:");
                } catch (java.io.IOException e) {
                    return false; // closed while we looked
                }
            }).count();
        }
    }

    @ParameterizedTest(name = "hold {0} ms")
    @ValueSource(ints = {0, 20, 50, 100, 300})
    void the_client_keeps_sending_after_the_backends_fin(int holdMs) throws Exception {
        assertThat(EpollRearm.available()).as("the repair reaches Netty's epoll registration (a Netty upgrade must recheck it)").isTrue();
        BackendPool pool = new BackendPool("half", List.of(new InetSocketAddress("127.0.0.1", server.getLocalPort())),
                Balance.ROUND_ROBIN, Duration.ofSeconds(2), Duration.ofSeconds(5));
        on(() -> relay = new Relay(loop, engine, Map.of(80, new Route(80, pool, ProxyMode.NONE)), counters, System::nanoTime) {
            @Override
            void backendFailed(Backend b, Object why) {
                failures.add(why instanceof Throwable t ? java.util.Arrays.toString(t.getStackTrace()).replace(", ", "\n  ") + "\n" + t : String.valueOf(why));
            }
        });
        on(() -> engine.relay = relay);
        long socketsBefore = openSockets();
        CompletableFuture<String> backend = halfClosingBackend(holdMs);
        MemoryEngine.Conn c = on(() -> engine.connect(0, RelayTest.v4(198, 51, 100, 1), 40000, 0, VIP4, 80, 256 * 1024, 256 * 1024));

        // the backend's bytes, then its FIN, reach the client while the client's direction stays open
        until(() -> c.outputShut || c.aborted, "the backend's FIN");
        assertThat(c.aborted).as("aborted").isFalse();
        assertThat(new String(on(() -> engine.clientRead(c, 1000)), StandardCharsets.US_ASCII)).isEqualTo("bye\n");

        byte[] data = new byte[8 << 20];
        new Random(holdMs).nextBytes(data);
        int sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sent < data.length) {
            final int off = sent;
            int n = on(() -> engine.clientSend(c, data, off, Math.min(64 * 1024, data.length - off)));
            assertThat(n).as("client send after %d bytes (aborted %s, backend failures %s)", sent, c.aborted, failures).isNotNegative();
            sent += n;
            if (n == 0) Thread.sleep(1);
            assertThat(System.nanoTime() - deadline).as("time").isNegative();
        }
        on(() -> { engine.clientFin(c); return null; });

        String got = backend.get(30, TimeUnit.SECONDS);
        assertThat(got).as("what the backend read after its FIN; backend failures %s", failures)
                .isEqualTo(data.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        until(() -> c.closed || c.aborted, "the end of the session");
        assertThat(c.aborted).as("client reset").isFalse();
        assertThat(counters.backendResets).isZero();
        assertThat(counters.completed).isEqualTo(1);
        assertThat(counters.bytesToBackend).isEqualTo(data.length);
        assertThat(on(relay::openSessions)).isZero();
        assertThat(pool.backends().get(0).active.get()).as("backend channels still counted active").isZero();
        long deadlineClose = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (openSockets() > socketsBefore && System.nanoTime() - deadlineClose < 0) Thread.sleep(5);
        assertThat(openSockets()).as("sockets open after the session (the backend channel must be closed)").isLessThanOrEqualTo(socketsBefore);
    }
}
