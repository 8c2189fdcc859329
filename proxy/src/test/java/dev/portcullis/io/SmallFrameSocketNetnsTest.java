package dev.portcullis.io;

import dev.portcullis.testing.NetNs;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.TcpFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.portcullis.io.PacketSocketNetnsTest.VIP;
import static dev.portcullis.io.PacketSocketNetnsTest.vipFilter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two rings of a shard against a real Linux client: the V2 small-frame ring and the V3 ring opened with the
 * same VIP filter split by length. The client's kernel sends the frames (its SYN, ACKs, 64 KB TSO frames with
 * offloads on; MTU-sized segments with them off); the proxy namespace's kernel is the server (a listener on its
 * own address) so that bulk data flows, and the rings only watch. Root only; traffic bounded.
 */
class SmallFrameSocketNetnsTest {
    static final int PORT = 9000, PROXY_IP = (10 << 24) | (77 << 16) | 2;
    static final PacketSocket.Filter SERVER = new PacketSocket.Filter(new int[]{PROXY_IP}, new long[0], new int[]{PORT});

    NetNs net;
    String client, proxy;
    NetNs.Veth link;

    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(SmallFrameSocketNetnsTest.class);
    }

    @BeforeEach
    void topology() throws Exception {
        net = new NetNs();
        client = net.namespace();
        proxy = net.namespace();
        link = net.veth(client, proxy);
        net.address(client, link.a(), "10.77.0.1/24");
        net.address(proxy, link.b(), "10.77.0.2/24");
    }

    @AfterEach
    void teardown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    /** One frame of the client's flows to the server port, as a ring handed it over. */
    record Seen(int ring, int srcPort, int length, int flags, long seq, int payload) {
    }

    /** Parses what a ring hands over and keeps the client's TCP frames to {@link #PORT}. */
    static PacketSocket.RxHandler recorder(int ringId, List<Seen> into) {
        ParsedFrame pf = new ParsedFrame();
        return (ring, off, len, st, tci) -> {
            if (FrameParser.parse(ring, off, len, pf, (st & PacketSocket.TP_STATUS_GSO_TCP) != 0) == 0
                    && pf.kind == ParsedFrame.KIND_TCP && pf.dstPort == PORT) {
                into.add(new Seen(ringId, pf.srcPort, len, pf.flags, pf.seq & 0xffff_ffffL, pf.payloadLength));
            }
        };
    }

    void server(int connections, int bytesEach) throws Exception {
        net.start(proxy, "/usr/bin/python3", "-c", """
                import socket, threading
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('10.77.0.2', %d)); s.listen(64)
                def drain(c):
                    n = 0
                    while n < %d:
                        d = c.recv(1 << 20)
                        if not d: break
                        n += len(d)
                    c.close()
                for _ in range(%d):
                    c, _ = s.accept(); threading.Thread(target=drain, args=(c,)).start()
                """.formatted(PORT, bytesEach, connections));
        Thread.sleep(300);
    }

    void clients(int connections, int bytesEach) throws Exception {
        net.start(client, "/usr/bin/python3", "-c", """
                import socket, threading
                def send():
                    s = socket.create_connection(('10.77.0.2', %d), timeout=10)
                    s.sendall(b'x' * %d); s.close()
                ts = [threading.Thread(target=send) for _ in range(%d)]
                [t.start() for t in ts]; [t.join() for t in ts]
                """.formatted(PORT, bytesEach, connections));
    }

    /**
     * A bulk upload seen through the split: the SYN and the ACKs on the small ring, the merged frames on the
     * large one, no frame on both (a third, unsplit ring counts every frame once) and none on neither (every
     * byte of the stream is seen), nothing cut, nothing dropped.
     */
    @ParameterizedTest(name = "offloads {0}, split {1}")
    @CsvSource({"true, 256", "false, 256", "true, 1920", "false, 1920"})
    void smallFramesOnTheV2RingMergedFramesOnV3AndEveryFrameOnExactlyOne(boolean offloads, int split)
            throws Exception {
        net.offloads(client, link.a(), offloads);
        int bytes = 4_000_000;
        SmallRingOptions so = SmallRingOptions.defaults().withFrames(2048, 4096, split);
        try (PacketSocket large = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                SERVER.largerThan(so.maxFrameLength())));
             SmallFrameSocket small = net.inNamespace(proxy, () -> SmallFrameSocket.open(link.b(), so, SERVER));
             PacketSocket whole = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                     SERVER))) {
            server(1, bytes);
            clients(1, bytes);
            List<Seen> seen = new ArrayList<>(), all = new ArrayList<>();
            PacketSocket.RxHandler toLarge = recorder(1, seen), toSmall = recorder(0, seen), toAll = recorder(2, all);
            BitSet stream = new BitSet(bytes);
            long isn = -1;
            int done = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (stream.cardinality() < bytes && System.nanoTime() - deadline < 0) {
                small.awaitFrame(2);
                large.readBlocks(toLarge, 16); // the shard's order: V3 first
                small.readFrames(toSmall, 1024);
                whole.readBlocks(toAll, 16);
                for (; done < seen.size(); done++) {
                    Seen f = seen.get(done);
                    if ((f.flags() & TcpFlags.SYN) != 0) {
                        isn = f.seq();
                    } else if (isn >= 0 && f.payload() > 0) {
                        long at = (f.seq() - isn - 1) & 0xffff_ffffL;
                        stream.set((int) at, (int) Math.min(bytes, at + f.payload()));
                    }
                }
            }
            Thread.sleep(100); // the last V3 blocks retire (1 ms timer)
            large.readBlocks(toLarge, 64);
            small.readFrames(toSmall, 4096);
            while (whole.readBlocks(toAll, 64) > 0) {
                Thread.yield();
            }
            large.readStatistics();
            small.readStatistics();
            whole.readStatistics();
            List<Seen> onSmall = seen.stream().filter(f -> f.ring() == 0).toList();
            List<Seen> onLarge = seen.stream().filter(f -> f.ring() == 1).toList();
            System.out.printf("split %d (offloads %s): small ring %d frames (max %d bytes), large ring %d frames (min %d,"
                            + " max %d), unsplit ring %d; drops %d/%d/%d%n", split, offloads, onSmall.size(),
                    onSmall.stream().mapToInt(Seen::length).max().orElse(0), onLarge.size(),
                    onLarge.stream().mapToInt(Seen::length).min().orElse(0),
                    onLarge.stream().mapToInt(Seen::length).max().orElse(0), all.size(), small.kernelDrops,
                    large.kernelDrops, whole.kernelDrops);
            assertThat(small.kernelDrops + large.kernelDrops + whole.kernelDrops).isZero();
            assertThat(small.rxTruncated() + large.rxTruncated() + small.rxMalformed()).isZero();
            assertThat(stream.cardinality()).as("every byte of the stream went through one of the rings")
                    .isEqualTo(bytes);
            assertThat(onSmall).as("the SYN and the ACKs take the small ring").anyMatch(f -> (f.flags() & TcpFlags.SYN) != 0)
                    .anyMatch(f -> f.payload() == 0 && (f.flags() & TcpFlags.SYN) == 0)
                    .allMatch(f -> f.length() <= so.maxFrameLength());
            assertThat(onLarge).allMatch(f -> f.length() > so.maxFrameLength());
            if (offloads) {
                assertThat(onLarge).as("TSO frames arrive merged, on V3").isNotEmpty();
                assertThat(onLarge).anyMatch(f -> f.length() > 16_000);
            } else if (split >= 1514) {
                assertThat(onLarge).as("without offloads every segment fits a slot").isEmpty();
            } else {
                assertThat(onLarge).as("without offloads the MTU-sized segments stay on V3").isNotEmpty()
                        .allMatch(f -> f.length() <= 1514);
            }
            if (split < 1514) {
                assertThat(onSmall).as("no full-sized data segment on the small ring").allMatch(f -> f.payload() < split);
            }
            assertThat(seen).as("exactly one ring per frame: the unsplit ring saw the same frames")
                    .hasSameSizeAs(all);
            assertThat(small.rxFrames() + large.rxFrames()).isEqualTo(whole.rxFrames());
        }
    }

    /**
     * Two shards, each with both rings in its own fanout group per ring type, joined in the same order: every
     * flow's small and large frames land on the same shard (the kernel's symmetric flow hash is the same in
     * both groups), and the flows spread over both shards.
     */
    @Test
    void aFlowsSmallAndLargeFramesReachTheSameShard() throws Exception {
        int flows = 16, bytes = 600_000, group = 4300;
        SmallRingOptions so = SmallRingOptions.defaults().withFanoutGroup(group ^ 0x8000);
        RingOptions ro = RingOptions.defaults().withFanoutGroup(group);
        PacketSocket[] large = new PacketSocket[2];
        SmallFrameSocket[] small = new SmallFrameSocket[2];
        try {
            for (int i = 0; i < 2; i++) { // as Shards does: shard i joins both groups i-th
                large[i] = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), ro,
                        SERVER.largerThan(so.maxFrameLength())));
                small[i] = net.inNamespace(proxy, () -> SmallFrameSocket.open(link.b(), so, SERVER));
            }
            server(flows, bytes);
            clients(flows, bytes);
            List<List<Seen>> byShard = List.of(new ArrayList<>(), new ArrayList<>());
            PacketSocket.RxHandler[] l = {recorder(1, byShard.get(0)), recorder(1, byShard.get(1))};
            PacketSocket.RxHandler[] s = {recorder(0, byShard.get(0)), recorder(0, byShard.get(1))};
            long deadline = System.nanoTime() + 8_000_000_000L, payload = 0;
            while (payload < (long) flows * bytes && System.nanoTime() - deadline < 0) {
                small[0].awaitFrame(1);
                for (int i = 0; i < 2; i++) {
                    large[i].readBlocks(l[i], 16);
                    small[i].readFrames(s[i], 1024);
                }
                payload = byShard.stream().flatMap(List::stream).mapToLong(Seen::payload).sum();
            }
            Map<Integer, Set<Integer>> shardsOfFlow = new HashMap<>();
            Map<Integer, Set<Integer>> ringsOfFlow = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                for (Seen f : byShard.get(i)) {
                    shardsOfFlow.computeIfAbsent(f.srcPort(), k -> new HashSet<>()).add(i);
                    ringsOfFlow.computeIfAbsent(f.srcPort(), k -> new HashSet<>()).add(f.ring());
                }
            }
            long drops = 0;
            for (int i = 0; i < 2; i++) {
                large[i].readStatistics();
                small[i].readStatistics();
                drops += large[i].kernelDrops + small[i].kernelDrops;
            }
            System.out.printf("fanout split: shard 0 %d frames, shard 1 %d frames, %d flows, %d using both rings,"
                            + " drops %d%n", byShard.get(0).size(), byShard.get(1).size(), shardsOfFlow.size(),
                    ringsOfFlow.values().stream().filter(r -> r.size() == 2).count(), drops);
            assertThat(shardsOfFlow).hasSize(flows).allSatisfy((port, shards) -> assertThat(shards).hasSize(1));
            assertThat(ringsOfFlow.values().stream().filter(r -> r.size() == 2).count())
                    .as("flows whose frames used both rings (the claim is tested on them)").isGreaterThanOrEqualTo(flows / 2);
            assertThat(byShard.get(0)).isNotEmpty();
            assertThat(byShard.get(1)).isNotEmpty();
            assertThat(drops).isZero();
        } finally {
            for (int i = 0; i < 2; i++) {
                if (large[i] != null) large[i].close();
                if (small[i] != null) small[i].close();
            }
        }
    }

    /** The point of the small ring: a lone SYN is handed over at once, not when a V3 block's 1 ms timer fires. */
    @Test
    void aLoneSynIsHandedOverWithoutWaitingForABlockTimer() throws Exception {
        SmallRingOptions so = SmallRingOptions.defaults();
        PacketSocket.Filter f = vipFilter(80);
        try (PacketSocket large = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                f.largerThan(so.maxFrameLength())));
             SmallFrameSocket small = net.inNamespace(proxy, () -> SmallFrameSocket.open(link.b(), so, f))) {
            net.neighbour(client, link.a(), VIP, large.mac());
            int n = 20;
            net.start(client, "hping3", "-q", "-S", "-p", "80", "-c", String.valueOf(n), "-i", "u30000", VIP);
            List<Double> lat = new ArrayList<>();
            List<Integer> onLarge = new ArrayList<>();
            PacketSocket.RxHandler h = (ring, off, len, st, tci) -> {
                java.time.Instant now = java.time.Instant.now();
                lat.add((now.getEpochSecond() * 1_000_000_000L + now.getNano() - small.lastFrameRealtimeNs()) / 1e6);
            };
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (lat.size() < n && System.nanoTime() - deadline < 0) {
                if (small.awaitFrame(100)) {
                    small.readFrames(h, 64);
                }
                large.readBlocks((ring, off, len, st, tci) -> onLarge.add(len), 16);
            }
            double[] v = lat.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("SYN wake-up latency, small-frame ring: median %.3f ms, p90 %.3f, max %.3f%n",
                    v[v.length / 2], v[v.length * 9 / 10], v[v.length - 1]);
            assertThat(v).hasSize(n);
            assertThat(onLarge).as("no SYN on the large ring").isEmpty();
            assertThat(v[v.length / 2]).as("well under V3's 1 ms block timer").isLessThan(0.5);
        }
    }
}
