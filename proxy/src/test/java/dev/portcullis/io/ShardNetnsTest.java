package dev.portcullis.io;

import dev.portcullis.tcp.FrameSink;
import dev.portcullis.testing.NetNs;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.io.PacketSocketNetnsTest.VIP;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP6;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP6_HI;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP6_LO;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shard on a Netty epoll event loop against a real client kernel in a namespace. The engine here is a small
 * test engine that records what it is handed and refuses every SYN with a RST built by wire's SegmentWriter, so
 * the TX path (claim, commit, flush task) shows at the client as "connection refused". Root only.
 */
class ShardNetnsTest {
    NetNs net;
    String client, proxy;
    NetNs.Veth link;
    MultiThreadIoEventLoopGroup group;

    /** Records frames; answers a SYN with RST+ACK; asks for a timer 2 ms after each frame. */
    static final class RefusingEngine implements Shard.Engine {
        final FrameSink sink;
        final List<String> seen = new CopyOnWriteArrayList<>();
        final OutSegment out = new OutSegment();
        volatile int timerRuns;
        volatile Thread thread;
        long deadline = Long.MAX_VALUE;

        RefusingEngine(FrameSink sink) {
            this.sink = sink;
        }

        @Override
        public void onFrame(ParsedFrame f, long nowNs, long wallSeconds) {
            thread = Thread.currentThread();
            seen.add((f.ipVersion == 4 ? "v4 " : "v6 ") + TcpFlags.toString(f.flags) + " " + f.dstPort);
            deadline = nowNs + 2_000_000;
            if (f.kind != ParsedFrame.KIND_TCP || (f.flags & TcpFlags.SYN) == 0) {
                return;
            }
            out.resetSegment();
            out.srcMac = f.dstMac;
            out.dstMac = f.srcMac;
            out.vlanTci = f.vlanTci;
            out.ipVersion = f.ipVersion;
            out.srcHi = f.dstHi; out.srcLo = f.dstLo; out.dstHi = f.srcHi; out.dstLo = f.srcLo;
            out.srcPort = f.dstPort; out.dstPort = f.srcPort;
            out.seq = 0; out.ack = f.seq + 1; out.flags = TcpFlags.RST | TcpFlags.ACK; out.window = 0;
            long off = sink.claim(128);
            int len = SegmentWriter.write(out, sink.buffer(), off, 128);
            sink.commit(off, len);
        }

        @Override
        public long onTimer(long nowNs, long wallSeconds) {
            timerRuns++;
            deadline = Long.MAX_VALUE;
            return deadline;
        }

        @Override
        public long nextDeadlineNs() {
            return deadline;
        }
    }

    @BeforeAll
    static void rootOnly() {
        String why = NetNs.skipReason();
        if (why != null) {
            System.out.println("ShardNetnsTest skipped: " + why);
        }
        assumeTrue(why == null, why);
    }

    @BeforeEach
    void topology() throws Exception {
        net = new NetNs();
        client = net.namespace();
        proxy = net.namespace();
        link = net.veth(client, proxy);
        net.address(client, link.a(), "10.77.0.1/24");
        net.address(proxy, link.b(), "10.77.0.2/24");
        net.address(client, link.a(), "fd77::1/64");
        net.address(proxy, link.b(), "fd77::2/64");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void teardown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void answersArpAndNdForTheVipAndRefusedSynsComeBackThroughTheFlush() throws Exception {
        PacketSocket socket = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                PacketSocketNetnsTest.vipFilter(80)));
        IoEventLoop loop = (IoEventLoop) group.next();
        RefusingEngine[] engine = new RefusingEngine[1];
        Shard.Options opts = new Shard.Options(new int[]{VIP_INT}, new long[]{VIP6_HI, VIP6_LO}, true, 8);
        try (Shard shard = Shard.start(loop, socket, opts, sink -> engine[0] = new RefusingEngine(sink))
                .get(10, TimeUnit.SECONDS)) {
            assertThat(shard.eventLoop()).isSameAs(loop);
            // no neighbour entries: the client's kernel must learn the VIP from our ARP reply / NA
            NetNs.Result r4 = net.execMayFail(client, 10, "curl", "-s", "--connect-timeout", "3",
                    "http://" + VIP + ":80/");
            NetNs.Result r6 = net.execMayFail(client, 10, "curl", "-s", "--connect-timeout", "3",
                    "http://[" + VIP6 + "]:80/");
            // curl exit 7: connection refused (our RST arrived); 28 would be a timeout
            assertThat(r4.exit()).as("IPv4 curl exit").isEqualTo(7);
            assertThat(r6.exit()).as("IPv6 curl exit").isEqualTo(7);
            assertThat(net.exec(client, "ip", "neigh", "show", VIP).out()).contains(NetNs.macString(socket.mac()));
            assertThat(net.exec(client, "ip", "-6", "neigh", "show", VIP6).out())
                    .contains(NetNs.macString(socket.mac()));
            assertThat(engine[0].seen).contains("v4 S 80", "v6 S 80");
            assertThat(engine[0].thread).isNotNull();
            assertThat(loop.inEventLoop(engine[0].thread)).as("engine runs on the shard's loop").isTrue();
            Thread.sleep(50);
            ShardCounters c = shard.snapshot().get(5, TimeUnit.SECONDS);
            System.out.printf("shard: in %d, to engine %d, arp %d/%d, nd %d/%d, announced %d, flushes %d,"
                            + " timers %d, tx %d, partial csum %d, verified %d%n", c.framesIn, c.framesToEngine,
                    c.arpRequests, c.arpReplies, c.ndSolicitations, c.ndAdvertisements, c.announcementsSent,
                    c.flushes, c.timerRuns, c.txFrames, c.checksumTrustedPartial, c.checksumVerified);
            assertThat(c.arpReplies).isPositive();
            assertThat(c.ndAdvertisements).isPositive();
            assertThat(c.announcementsSent).isEqualTo(2);
            assertThat(c.timerRuns).as("the engine's 2 ms deadline fired").isPositive();
            assertThat(engine[0].timerRuns).isPositive();
            assertThat(c.checksumTrustedPartial).as("veth defaults: partial checksums").isPositive();
            assertThat(c.parseDropsTotal()).isZero();
            assertThat(c.badChecksum).isZero();
            assertThat(c.txErrors).isZero();
        }
    }

    @Test
    void withOffloadsOffChecksumsAreVerifiedInUserSpace() throws Exception {
        net.offloads(client, link.a(), false);
        PacketSocket socket = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                PacketSocketNetnsTest.vipFilter(80)));
        IoEventLoop loop = (IoEventLoop) group.next();
        Shard.Options opts = new Shard.Options(new int[]{VIP_INT}, new long[0], true, 8);
        try (Shard shard = Shard.start(loop, socket, opts, RefusingEngine::new).get(10, TimeUnit.SECONDS)) {
            NetNs.Result r = net.execMayFail(client, 10, "curl", "-s", "--connect-timeout", "3",
                    "http://" + VIP + ":80/");
            assertThat(r.exit()).isEqualTo(7);
            ShardCounters c = shard.snapshot().get(5, TimeUnit.SECONDS);
            assertThat(c.checksumVerified + c.checksumTrustedValid).isPositive();
            assertThat(c.checksumTrustedPartial).isZero();
            assertThat(c.badChecksum).isZero();
        }
    }

    @Test
    void gratuitousArpAtStartTeachesAClientThatAcceptsIt() throws Exception {
        net.sysctl(client, "net.ipv4.conf." + link.a() + ".arp_accept", "1");
        PacketSocket socket = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                PacketSocketNetnsTest.vipFilter(80)));
        IoEventLoop loop = (IoEventLoop) group.next();
        Shard.Options opts = new Shard.Options(new int[]{VIP_INT}, new long[0], true, 8);
        try (Shard shard = Shard.start(loop, socket, opts, RefusingEngine::new).get(10, TimeUnit.SECONDS)) {
            String neigh = "";
            for (int i = 0; i < 50 && !neigh.contains(NetNs.macString(socket.mac())); i++) {
                Thread.sleep(20);
                neigh = net.exec(client, "ip", "neigh", "show", VIP).out();
            }
            assertThat(neigh).contains(NetNs.macString(socket.mac()));
            assertThat(shard.snapshot().get(5, TimeUnit.SECONDS).announcementsSent).isEqualTo(1);
        }
    }
}
