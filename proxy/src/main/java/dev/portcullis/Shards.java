package dev.portcullis;

import dev.portcullis.config.EngineSettings;
import dev.portcullis.config.GuardSettings;
import dev.portcullis.guard.GuardCounters;
import dev.portcullis.guard.GuardConfig;
import dev.portcullis.guard.SynGuard;
import dev.portcullis.config.Settings;
import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.io.PacketSocket;
import dev.portcullis.io.TxRing;
import dev.portcullis.io.RingOptions;
import dev.portcullis.io.Shard;
import dev.portcullis.io.ShardCounters;
import dev.portcullis.io.SmallFrameSocket;
import dev.portcullis.io.SmallRingOptions;
import dev.portcullis.metrics.PortcullisMetrics;
import dev.portcullis.metrics.ShardPublisher;
import dev.portcullis.metrics.ShardSnapshot;
import dev.portcullis.relay.BackendPool;
import dev.portcullis.relay.HealthChecker;
import dev.portcullis.relay.Relay;
import dev.portcullis.relay.RelayCounters;
import dev.portcullis.relay.Route;
import dev.portcullis.relay.TcpEngineConnections;
import dev.portcullis.tcp.ConnectionEvents;
import dev.portcullis.tcp.EngineConfig;
import dev.portcullis.tcp.EngineCounters;
import dev.portcullis.tcp.TcpEngine;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shards of one process: per shard one Netty epoll event loop that owns an AF_PACKET ring ({@link Shard}),
 * a {@link TcpEngine} and the {@link Relay} with its backend channels; plus the counters' publication and the
 * backend health probe. Everything of a shard runs on its loop; this class only starts, asks and stops.
 */
final class Shards {
    private static final Logger log = LoggerFactory.getLogger(Shards.class);
    static final int MAX_BLOCKS_PER_WAKE = 8;
    static final int FRAME_SIZE = 2048, TX_BATCH_FRAMES = 64, TX_BUFFER_BYTES = 256 * 1024;

    /** Reasons of the acks_invalid meter, in {@link #fill} order. */
    static final String[] ACK_REASONS = {"bad_cookie", "cookie_expired", "cookie_mss", "no_flags", "bad_syn_queue_entry",
            "accept_queue_full", "accept_queue_full_reset", "connection_limit", "memory"};
    /** Reasons of the drops meter: the parser's verdicts, then the shard's and the engine's own. */
    static final String[] DROP_REASONS;
    static final int SHARD_DROPS_AT = ParseVerdict.COUNT - 1;

    static {
        List<String> r = new ArrayList<>();
        for (int v = 1; v < ParseVerdict.COUNT; v++) r.add(ParseVerdict.name(v));
        r.addAll(List.of("bad_checksum", "bad_ip_header_checksum", "not_for_us", "tx_full", "not_acceptable", "paws",
                "bad_ack", "no_ack", "out_of_order_full", "memory", "after_close", "no_connection", "rst_rate_limited",
                "ring_malformed", "tx_dropped", "tx_error", "engine_error", "overload_shed"));
        DROP_REASONS = r.toArray(String[]::new);
    }

    /** One shard's parts. */
    private static final class Part {
        final int index;
        final IoEventLoop loop;
        Shard shard;
        TcpEngine engine;
        Relay relay;
        final RelayCounters relayCounters = new RelayCounters();
        ShardPublisher publisher;
        // scratch for the publisher, touched on the loop only
        final EngineCounters ec = new EngineCounters();
        final ShardCounters sc = new ShardCounters();
        final RelayCounters rc = new RelayCounters();
        final GuardCounters gc = new GuardCounters();

        Part(int index, IoEventLoop loop) {
            this.index = index;
            this.loop = loop;
        }
    }

    private final Settings settings;
    private final Map<Integer, Route> routes;
    private final Collection<BackendPool> pools;
    private final PortcullisMetrics metrics;
    private final List<Part> parts = new ArrayList<>();
    private MultiThreadIoEventLoopGroup group;
    private volatile HealthChecker checker;

    Shards(Settings settings, Map<Integer, Route> routes, Collection<BackendPool> pools, PortcullisMetrics metrics) {
        this.settings = settings;
        this.routes = routes;
        this.pools = pools;
        this.metrics = metrics;
    }

    void start() throws Portcullis.StartFailure, IOException {
        int n = settings.shards();
        group = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("portcullis-shard"), EpollIoHandler.newFactory());
        int fanout = n > 1 ? (int) (ProcessHandle.current().pid() & 0xffff) : -1;
        RingOptions ring = new RingOptions(settings.ring().blockSize(), settings.ring().blockCount(), FRAME_SIZE,
                (int) Math.max(1, settings.ring().retireTimeout().toMillis()), TX_BATCH_FRAMES, TX_BUFFER_BYTES, fanout);
        PacketSocket.Filter filter = filter(settings);
        // the small-frame ring's fanout group: another id (a group holds one ring version), the same flow hash
        SmallRingOptions small = settings.ring().smallFrameCount() == 0 ? null
                : new SmallRingOptions(settings.ring().smallFrameSize(), settings.ring().smallFrameCount(),
                        settings.ring().smallFrameMax(), fanout < 0 ? -1 : fanout ^ 0x8000);
        PacketSocket.Filter largeFilter = small == null ? filter : filter.largerThan(small.maxFrameLength());
        Shard.Options options = new Shard.Options(filter.vip4(), filter.vip6(),
                settings.vipMode() == Settings.VipMode.OWNED, MAX_BLOCKS_PER_WAKE,
                settings.ring().shedSynsAfter().toNanos(), settings.ring().provenSourcesFor().toNanos());
        byte[] secret = settings.cookies().secret();
        GuardConfig guardConfig = GuardSettings.guardConfig(settings);
        warmUp(filter, guardConfig);
        int i = 0;
        for (EventExecutor e : group) {
            Part p = new Part(i++, (IoEventLoop) e);
            parts.add(p);
            PacketSocket socket;
            SmallFrameSocket smallSocket = null;
            try {
                // shard i joins both fanout groups i-th: the same hash picks the same shard in each
                socket = PacketSocket.open(settings.interfaceName(), ring, largeFilter,
                        settings.ring().txRing() ? TxRing.Options.defaults(false) : null,
                        settings.ring().offloads() ? TxRing.Options.defaults(true) : null);
                try {
                    smallSocket = small == null ? null : SmallFrameSocket.open(settings.interfaceName(), small, filter);
                } catch (IOException ex) {
                    socket.close();
                    throw ex;
                }
            } catch (IOException ex) {
                throw new Portcullis.StartFailure("cannot open the AF_PACKET ring on " + settings.interfaceName() + ": " + ex.getMessage());
            }
            EngineConfig cfg = EngineSettings.engineConfig(settings, socket.mac(), socket.mtu());
            try {
                p.shard = Shard.start(p.loop, socket, smallSocket, options, sink -> {
                    // on the loop: the engine, then the relay that receives its events
                    Forward events = new Forward();
                    p.engine = new TcpEngine(cfg, new CookieCodec(secret), sink, events);
                    p.relay = new Relay(p.loop, new TcpEngineConnections(p.engine,
                            () -> { if (p.shard != null) p.shard.beforeEngineCall(); },
                            () -> { if (p.shard != null) p.shard.afterEngineCall(); }),
                            routes, p.relayCounters, System::nanoTime);
                    events.to = p.relay;
                    return p.engine;
                }, new SynGuard(guardConfig)).get(10, TimeUnit.SECONDS);
            } catch (Exception ex) {
                socket.close();
                if (smallSocket != null) smallSocket.close();
                throw new Portcullis.StartFailure("shard " + p.index + " did not start: " + rootMessage(ex));
            }
            p.loop.execute(() -> { }); // p.shard is read on the loop only after this point (happens-before via the queue)
            p.publisher = new ShardPublisher(p.index, ACK_REASONS, DROP_REASONS, s -> fill(p, s));
            p.publisher.start(p.loop, ShardPublisher.DEFAULT_PERIOD_MS);
            metrics.registerShard(p.publisher);
        }
        checker = new HealthChecker(parts.get(0).loop, pools);
        checker.start();
        log.info("{} shard(s) on {} (mtu {}), ring {} x {} bytes, retire {} ms, {}{}", n, settings.interfaceName(),
                parts.get(0).shard.socket().mtu(), ring.blockCount(), ring.blockSize(), ring.retireBlockTovMs(),
                small == null ? "no small-frame ring" : "small-frame ring " + small.frameCount() + " x "
                        + small.frameSize() + " bytes (frames <= " + small.maxFrameLength() + ")",
                fanout >= 0 ? ", fanout groups " + fanout + (small == null ? "" : " and " + small.fanoutGroup()) : "");
        log.info("guard per shard: source limit {}/s (burst {}), prefix limit {}/s (burst {}), {} allow and {} deny"
                        + " blocks, sketch {} x {}, {} heavy-hitter counters", guardConfig.sourceRate(), guardConfig.sourceBurst(),
                guardConfig.prefixRate(), guardConfig.prefixBurst(), guardConfig.allow().size(), guardConfig.deny().size(),
                guardConfig.sketchDepth(), guardConfig.sketchWidth(), guardConfig.heavyHitters());
    }

    /** Compiles the SYN path before traffic comes ({@link SynPathWarmUp}); a failure only costs the warm-up. */
    private void warmUp(PacketSocket.Filter filter, GuardConfig guardConfig) {
        if (filter.vip4().length == 0 || settings.listeners().isEmpty()) return; // IPv6 only: not warmed
        long t0 = System.nanoTime();
        try {
            long cookies = SynPathWarmUp.run(filter.vip4()[0], settings.listeners().get(0).port(),
                    settings.cookies().mode() == Settings.CookieMode.ALWAYS, guardConfig, SynPathWarmUp.DEFAULT_FRAMES);
            log.info("SYN path warmed up: {} synthetic SYN-ACKs in {} ms", cookies, (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("SYN path warm-up failed (the JIT compiles it at the first flood instead): {}", e.toString());
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The socket filter and the neighbour answers: IPv4 VIPs as ints, IPv6 VIPs as hi/lo pairs, the ports. */
    static PacketSocket.Filter filter(Settings s) {
        List<Integer> v4 = new ArrayList<>();
        List<Long> v6 = new ArrayList<>();
        for (InetAddress a : s.vips()) {
            ByteBuffer b = ByteBuffer.wrap(a.getAddress());
            if (a instanceof Inet4Address) v4.add(b.getInt());
            else { v6.add(b.getLong()); v6.add(b.getLong()); }
        }
        int[] ports = s.listeners().stream().mapToInt(Settings.Listener::port).toArray();
        return new PacketSocket.Filter(v4.stream().mapToInt(Integer::intValue).toArray(),
                v6.stream().mapToLong(Long::longValue).toArray(), ports);
    }

    /** The engine's events go to the relay, which is made after the engine (it needs the engine). */
    private static final class Forward implements ConnectionEvents {
        Relay to;

        @Override public void onAcceptable() { if (to != null) to.onAcceptable(); }
        @Override public void onReadable(long id) { if (to != null) to.onReadable(id); }
        @Override public void onWritable(long id) { if (to != null) to.onWritable(id); }
        @Override public void onPeerFin(long id) { if (to != null) to.onPeerFin(id); }
        @Override public void onClosed(long id, int reason) { if (to != null) to.onClosed(id, reason); }
    }

    /** On the shard's loop: its live counters into a snapshot for the scrape thread. */
    private static void fill(Part p, ShardSnapshot s) {
        EngineCounters e = p.engine.counters().snapshot(p.ec);
        p.shard.snapshot(p.sc);
        ShardCounters sc = p.sc;
        p.relayCounters.copyInto(p.rc);
        RelayCounters r = p.rc;
        s.synsReceived = e.synsReceived;
        s.cookiesSent = e.synCookiesSent;
        s.synAcksSent = e.synAcksSent + e.synAckRetransmits;
        s.acksValid = e.acksValidCookie + e.acksValidSynQueue;
        long[] a = s.acksInvalid;
        a[0] = e.acksInvalidCookie; a[1] = e.acksInvalidCookieExpired; a[2] = e.acksInvalidCookieMss; a[3] = e.acksNoFlags;
        a[4] = e.acksInvalidSynQueue; a[5] = e.acksDroppedAcceptQueueFull; a[6] = e.acksResetAcceptQueueFull;
        a[7] = e.acksRefusedConnectionLimit; a[8] = e.acksRefusedMemory;
        s.synQueueDepth = e.synQueueDepth;
        s.acceptQueueDepth = e.acceptQueueDepth;
        s.synQueueOverflows = e.synQueueOverflows;
        s.acceptQueueOverflows = e.synsDroppedAcceptQueueFull + e.acksDroppedAcceptQueueFull + e.acksResetAcceptQueueFull;
        s.established = e.connEstablished;
        s.retransmissions = e.retransmits;
        s.retransmissionsTimeout = e.retransmitsTimeout;
        s.rtoExpirations = e.rtoExpirations;
        s.tailLossProbes = e.tailLossProbes;
        s.challengeAcks = e.challengeAcksSent;
        s.rstsSent = e.rstsSent;
        long[] d = s.drops;
        System.arraycopy(sc.parseDrops, 1, d, 0, ParseVerdict.COUNT - 1);
        int k = SHARD_DROPS_AT;
        d[k++] = sc.badChecksum; d[k++] = sc.badIpHeaderChecksum; d[k++] = sc.notForUs; d[k++] = sc.txClaimFailed;
        d[k++] = e.dropsNotAcceptable; d[k++] = e.dropsPaws; d[k++] = e.dropsBadAck; d[k++] = e.dropsNoAck;
        d[k++] = e.dropsOooFull; d[k++] = e.dropsMemory; d[k++] = e.dropsAfterClose; d[k++] = e.dropsNoConnection;
        d[k++] = e.rstsRateLimited;
        // a walker that misreads the ring shows here (an alignment check once dropped half of every block)
        d[k++] = p.shard.socket().rxMalformed() + sc.smallRxMalformed; d[k++] = sc.txDropped; d[k++] = sc.txErrors;
        d[k++] = sc.engineErrors;
        d[k] = sc.synsShed;
        s.ringFrames = sc.rxFrames + sc.smallRxFrames;
        s.ringFramesCut = sc.rxTruncated + sc.smallRxTruncated;
        s.ringDrops = sc.kernelDrops + sc.smallKernelDrops;
        s.ringSmallFrames = sc.smallRxFrames;
        s.ringSmallDrops = sc.smallKernelDrops;
        s.relayAccepted = r.accepted;
        s.relaySessions = p.relay.openSessions();
        s.relayBytesToBackend = r.bytesToBackend;
        s.relayBytesToClient = r.bytesToClient;
        s.relayNoBackend = r.noBackend;
        s.relayBackendResets = r.backendResets;
        s.relayClientResets = r.clientResets;
        s.relayConnectFailures = r.connectFailures;
        SynGuard g = p.shard.guard();
        if (g != null) {
            GuardCounters gc = g.counters().copyInto(p.gc);
            s.guardChecked = gc.synsChecked;
            s.guardAllowListed = gc.synsAllowListed;
            s.guardDenied = gc.synsDenied;
            s.guardRateLimited = gc.synsRateLimited;
            s.guardPrefixRateLimited = gc.synsPrefixRateLimited;
            s.guardMemoryBytes = g.memoryBytes();
            long now = System.nanoTime();
            if (g.topSources() != null) { // heavy-hitters = 0: none
                s.topSources = g.topSources().top(ShardSnapshot.TOP, now, s.topSourceHi, s.topSourceLo, s.topSourceCount, s.topSourceError);
                s.topPrefixes = g.topPrefixes().top(ShardSnapshot.TOP, now, s.topPrefixHi, s.topPrefixLo, s.topPrefixCount, s.topPrefixError);
            }
        }
    }

    /** Null when every shard publishes its counters, else which does not. */
    String notRunning() {
        if (parts.isEmpty()) return "no shard running";
        long now = System.nanoTime();
        for (Part p : parts) {
            if (p.publisher == null || !p.publisher.isFresh(now, 2_000_000_000L)) return "shard " + p.index + " is not running";
        }
        return null;
    }

    /**
     * Reload: each shard's relay takes the new routes on its own loop (open sessions keep theirs), and the health
     * checks restart over the new pools on shard 0's loop. Waits until every shard has them.
     */
    void reload(Map<Integer, Route> newRoutes, Collection<BackendPool> newPools) {
        Map<Integer, Route> copy = Map.copyOf(newRoutes);
        for (Part p : parts) {
            if (p.relay == null) continue;
            try {
                p.loop.submit(() -> p.relay.routes(copy)).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("shard {}: reload: {}", p.index, e.toString());
            }
        }
        HealthChecker old = checker;
        if (old != null) old.close();
        HealthChecker next = new HealthChecker(parts.get(0).loop, newPools);
        next.start();
        checker = next;
    }

    void stopAccepting() {
        for (Part p : parts) if (p.relay != null) p.loop.execute(p.relay::stopAccepting);
    }

    int openSessions() {
        int open = 0;
        for (Part p : parts) {
            if (p.relay == null) continue;
            try {
                open += p.loop.submit(p.relay::openSessions).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("shard {}: {}", p.index, e.toString());
            }
        }
        return open;
    }

    void abortAll() {
        for (Part p : parts) {
            if (p.relay == null) continue;
            try {
                p.loop.submit(p.relay::abortAll).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("shard {}: {}", p.index, e.toString());
            }
        }
    }

    /** Stops publishing and probing, flushes and closes the rings, shuts the loops down. */
    void close() {
        if (checker != null) checker.close();
        for (Part p : parts) {
            if (p.publisher != null) p.publisher.stop();
            if (p.shard != null) {
                try {
                    p.shard.close(); // flushes the last frames (the RSTs of abortAll), closes the ring
                } catch (IOException e) {
                    log.warn("closing shard {}: {}", p.index, e.getMessage());
                }
            }
        }
        if (group != null) group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
