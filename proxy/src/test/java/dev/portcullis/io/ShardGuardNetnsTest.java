package dev.portcullis.io;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.cookie.MssTable;
import dev.portcullis.guard.Cidr;
import dev.portcullis.guard.GuardConfig;
import dev.portcullis.guard.SynGuard;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.EngineCounters;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.testing.NetNs;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;
import dev.portcullis.wire.TcpFlags;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.io.PacketSocketNetnsTest.VIP6_HI;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP6_LO;
import static dev.portcullis.io.PacketSocketNetnsTest.VIP_INT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard's hook in the shard: pure SYNs pass it before the engine, everything else goes straight on. A
 * denied or rate-limited SYN never reaches the engine (no cookie); a final ACK from a rate-limited source is
 * never limited and completes its handshake. Frames go through the shard's real frame handler on its loop.
 * Root only (the shard needs a real socket).
 */
class ShardGuardNetnsTest {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();

    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(ShardGuardNetnsTest.class);
    }

    @Test
    void only_pure_syns_are_checked_and_a_limited_source_still_completes_its_handshake() throws Exception {
        try (NetNs net = new NetNs(); Arena arena = Arena.ofShared()) {
            String client = net.namespace(), proxy = net.namespace();
            NetNs.Veth link = net.veth(client, proxy);
            PacketSocket socket = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                    PacketSocketNetnsTest.vipFilter(80)));
            MemorySegment buf = arena.allocate(2048);
            // one SYN per source per second at most; 198.51.100.0/24 denied
            SynGuard guard = new SynGuard(new GuardConfig(1, 1, 0, 0, List.of(), List.of(Cidr.parse("198.51.100.0/24")),
                    1024, 4, 16), 3);
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try {
                IoEventLoop loop = (IoEventLoop) group.next();
                TcpEngine[] engine = new TcpEngine[1];
                EngineConfig cfg = EngineConfig.builder().localMac(socket.mac()).vipV4(VIP_INT).listen(80, 128)
                        .mtu(socket.mtu()).build();
                Shard.Options opts = new Shard.Options(new int[]{VIP_INT}, new long[]{VIP6_HI, VIP6_LO}, false, 8);
                try (Shard shard = Shard.start(loop, socket, opts, sink -> engine[0] = new TcpEngine(cfg,
                        new CookieCodec(SECRET), sink, new ShardAllocationTest.NoApp()), guard).get(10, TimeUnit.SECONDS)) {
                    long limited = v4(192, 0, 2, 55), denied = v4(198, 51, 100, 9);
                    long[] result = loop.submit(() -> {
                        EngineCounters e = engine[0].counters();
                        // the first SYN of a source passes and gets a cookie; its next ones are over the limit
                        feed(shard, buf, socket.mac(), limited, 40001, TcpFlags.SYN, 1000, 0);
                        for (int i = 0; i < 5; i++) feed(shard, buf, socket.mac(), limited, 40002 + i, TcpFlags.SYN, 2000, 0);
                        long synsAfterLimit = e.synsReceived;
                        // a denied source's SYN dies in the guard; its RST, SYN+ACK and bare ACK go on to the engine
                        feed(shard, buf, socket.mac(), denied, 40100, TcpFlags.SYN, 3000, 0);
                        long checkedBefore = guard.counters().synsChecked;
                        feed(shard, buf, socket.mac(), denied, 40101, TcpFlags.SYN | TcpFlags.ACK, 3000, 1);
                        feed(shard, buf, socket.mac(), denied, 40102, TcpFlags.RST, 3000, 0);
                        long notChecked = guard.counters().synsChecked - checkedBefore;
                        // the limited source's final ACK for its first SYN: a valid cookie, not limited
                        int cookie = new CookieCodec(SECRET).generate(0, limited, 40001, 0, ParsedFrame.v4Mapped(VIP_INT), 80,
                                1000, MssTable.indexFor(1460, false), 0);
                        feed(shard, buf, socket.mac(), limited, 40001, TcpFlags.ACK, 1001, cookie + 1);
                        return new long[]{synsAfterLimit, e.synCookiesSent, notChecked, e.acksValidCookie, e.synsReceived};
                    }).get(10, TimeUnit.SECONDS);
                    assertThat(result[0]).as("SYNs the engine saw from the limited source").isEqualTo(1);
                    assertThat(result[1]).as("cookies sent").isEqualTo(1);
                    assertThat(result[2]).as("non-SYN or SYN+ACK segments checked by the guard").isZero();
                    assertThat(result[3]).as("final ACK of a rate-limited source, valid cookie").isEqualTo(1);
                    assertThat(result[4]).as("SYNs the engine saw in all").isEqualTo(1);
                    assertThat(guard.counters().synsRateLimited).isEqualTo(5);
                    assertThat(guard.counters().synsDenied).isEqualTo(1);
                    assertThat(guard.counters().synsChecked).isEqualTo(7);
                }
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    static long v4(int a, int b, int c, int d) {
        return ParsedFrame.v4Mapped(a << 24 | b << 16 | c << 8 | d);
    }

    private static void feed(Shard shard, MemorySegment buf, long shardMac, long src, int srcPort, int flags, int seq, int ack) {
        OutSegment s = new OutSegment();
        s.srcMac = 0x02_00_00_00_00_09L; s.dstMac = shardMac; s.ipVersion = 4;
        s.srcHi = 0; s.srcLo = src; s.dstHi = 0; s.dstLo = ParsedFrame.v4Mapped(VIP_INT);
        s.srcPort = srcPort; s.dstPort = 80; s.seq = seq; s.ack = ack; s.flags = flags; s.window = 64240;
        if ((flags & TcpFlags.SYN) != 0) s.mss = 1460;
        int len = SegmentWriter.write(s, buf, 0, 2048);
        assertThat(len).isPositive();
        shard.handleFrame(buf, 0, len, 0, -1);
    }
}
