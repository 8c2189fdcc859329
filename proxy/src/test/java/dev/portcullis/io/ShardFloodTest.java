package dev.portcullis.io;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.EngineCounters;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.testing.NetNs;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.io.PacketSocketNetnsTest.VIP;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP_INT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded SYN flood (hping3 --flood --rand-source for one second, inside the test's namespaces) against one
 * shard with the real engine: every SYN that reaches the engine gets a cookie, none creates a connection, and
 * the counters account for the rest (ring drops, TX drops). Root only.
 */
class ShardFloodTest {
    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(ShardFloodTest.class);
    }

    @Test
    void aOneSecondSpoofedFloodCostsCookiesAndNoState() throws Exception {
        try (NetNs net = new NetNs()) {
            String client = net.namespace(), proxy = net.namespace();
            NetNs.Veth link = net.veth(client, proxy);
            net.address(client, link.a(), "10.77.0.1/24");
            PacketSocket socket = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                    PacketSocketNetnsTest.vipFilter(80)));
            net.neighbour(client, link.a(), VIP, socket.mac());
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try {
                IoEventLoop loop = (IoEventLoop) group.next();
                TcpEngine[] engine = new TcpEngine[1];
                EngineConfig cfg = EngineConfig.builder().localMac(socket.mac()).vipV4(VIP_INT).listen(80, 128)
                        .mtu(socket.mtu()).build();
                Shard.Options opts = new Shard.Options(new int[]{VIP_INT}, new long[0], true, 8);
                try (Shard shard = Shard.start(loop, socket, opts, sink -> engine[0] = new TcpEngine(cfg,
                        new CookieCodec("0123456789abcdef0123456789abcdef".getBytes()), sink,
                        new ShardAllocationTest.NoApp())).get(10, TimeUnit.SECONDS)) {
                    // warm-up: half a second, so the JIT has compiled the path before the measured second
                    net.execMayFail(client, 10, "timeout", "-s", "INT", "0.5", "hping3", "-q", "-S", "-p", "80",
                            "--flood", "--rand-source", VIP);
                    Thread.sleep(200);
                    ShardCounters w = shard.snapshot().get(5, TimeUnit.SECONDS);
                    long t0 = System.nanoTime();
                    net.execMayFail(client, 10, "timeout", "-s", "INT", "1", "hping3", "-q", "-S", "-p", "80",
                            "--flood", "--rand-source", VIP);
                    Thread.sleep(200); // let the shard drain its ring
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    ShardCounters c = shard.snapshot().get(5, TimeUnit.SECONDS);
                    System.out.printf("flood warm-up: %d SYNs, %d ring drops, busy %.0f ms%n", w.kernelPackets,
                            w.kernelDrops, w.rxBusyNs / 1e6);
                    CompletableFuture<long[]> e = new CompletableFuture<>();
                    loop.execute(() -> {
                        EngineCounters ec = engine[0].counters();
                        e.complete(new long[]{ec.synsReceived, ec.synCookiesSent, ec.connections});
                    });
                    long[] ec = e.get(5, TimeUnit.SECONDS);
                    System.out.printf("flood: %d SYNs seen by the kernel tap, %d reached the shard (%.0f/s), %d ring"
                                    + " drops, %d cookies, %d TX frames, %d TX dropped, %d wakeups, %d blocks,"
                                    + " %d connections; shard busy %.0f ms of %.0f%n", c.kernelPackets - w.kernelPackets,
                            c.framesIn - w.framesIn, (c.framesIn - w.framesIn) / seconds, c.kernelDrops - w.kernelDrops,
                            ec[1], c.txFrames, c.txDropped, c.wakeups - w.wakeups, c.rxBlocks - w.rxBlocks, ec[2],
                            (c.rxBusyNs - w.rxBusyNs) / 1e6, seconds * 1e3);
                    assertThat(c.framesIn).isPositive();
                    assertThat(ec[0]).isLessThanOrEqualTo(c.framesToEngine).isGreaterThan(c.framesToEngine * 9 / 10);
                    assertThat(ec[1]).as("every SYN that reached the engine got a cookie").isEqualTo(ec[0]);
                    assertThat(ec[2]).as("no state from SYNs").isZero();
                    assertThat(c.txFrames + c.txDropped).isEqualTo(ec[1] + c.announcementsSent);
                    assertThat(c.kernelPackets).isEqualTo(c.framesIn + c.kernelDrops);
                    assertThat(c.engineErrors).isZero();
                }
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
