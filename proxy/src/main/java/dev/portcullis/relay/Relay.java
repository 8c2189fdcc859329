package dev.portcullis.relay;

import dev.portcullis.tcp.ConnectionEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.LongObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The relay of one shard: takes established connections from the shard's engine and bridges each to a backend
 * channel on the same event loop. The engine's {@code ConnectionEvents} land here ({@link #onAcceptable},
 * {@link #onReadable}, ...); every method runs on the shard's thread.
 */
public class Relay implements ConnectionEvents {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    /** Backend channels stop taking client bytes above 64 KiB queued (then the engine's window closes). */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    final EventLoop loop;
    final EngineConnections engine;
    final RelayCounters counters;
    final Bootstrap bootstrap;
    /** Host-name lookups of all relays, off the shard threads (daemon virtual threads). */
    private static final java.util.concurrent.ExecutorService RESOLVER =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("portcullis-resolve-", 0).factory());
    private final IntObjectHashMap<Route> routes = new IntObjectHashMap<>();
    private final LongObjectHashMap<RelaySession> sessions = new LongObjectHashMap<>();
    private final EngineConnections.Endpoints endpoints = new EngineConnections.Endpoints();
    private final LongSupplier nanoClock;
    private boolean accepting = true;

    @SuppressWarnings("deprecation") // RCVBUF_ALLOCATOR: 4.2.18 has no replacement option for the epoll transport yet
    public Relay(EventLoop loop, EngineConnections engine, Map<Integer, Route> routesByPort, RelayCounters counters, LongSupplier nanoClock) {
        this.loop = loop;
        this.engine = engine;
        this.counters = counters;
        this.nanoClock = nanoClock;
        routes.putAll(routesByPort);
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                // one chunk per read(): the next read is asked for only when the engine took the chunk
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(2048, RelaySession.CHUNK, 64 * 1024).maxMessagesPerRead(1))
                // the kernel picks the source port at connect, not at bind (many connections to one backend)
                .option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    // ---- ConnectionEvents ----

    /** Takes every waiting connection from the accept queue and starts its backend connect. */
    @Override
    public void onAcceptable() {
        long id;
        while ((id = engine.accept()) >= 0) {
            counters.accepted++;
            if (!accepting) {
                counters.refusedShuttingDown++;
                engine.abort(id);
                continue;
            }
            if (!engine.endpoints(id, endpoints)) continue;
            Route route = routes.get(endpoints.localPort);
            if (route == null) {
                counters.noRoute++;
                engine.abort(id);
                continue;
            }
            RelaySession s = new RelaySession(this, id, route, endpoints);
            sessions.put(id, s);
            s.start(nanoClock.getAsLong());
        }
    }

    @Override
    public void onReadable(long id) {
        RelaySession s = sessions.get(id);
        if (s != null) s.pumpToBackend();
    }

    @Override
    public void onWritable(long id) {
        RelaySession s = sessions.get(id);
        if (s != null) s.drainToClient();
    }

    /** The client's FIN: read what is left, then shut the backend's output (in pumpToBackend on EOF). */
    @Override
    public void onPeerFin(long id) {
        RelaySession s = sessions.get(id);
        if (s != null) s.pumpToBackend();
    }

    @Override
    public void onClosed(long id, int reason) {
        RelaySession s = sessions.get(id);
        if (s != null) s.engineClosed(reason);
    }

    // ---- lifecycle ----

    /**
     * Reload: new connections use these routes (and their pools) from now on; open sessions keep the route, pool
     * and backend channel they started with. On the shard's loop.
     */
    public void routes(Map<Integer, Route> routesByPort) {
        routes.clear();
        routes.putAll(routesByPort);
    }

    /** The route new connections to {@code port} take (tests, diagnostics). On the shard's loop. */
    public Route route(int port) {
        return routes.get(port);
    }

    /**
     * From now on accepted connections are reset and counted in {@code refusedShuttingDown} (the listener is
     * closing). The engine still completes handshakes: it is the relay that refuses them, with a RST right after
     * the handshake, so a client sees "connection reset" at once rather than a timeout.
     */
    public void stopAccepting() {
        accepting = false;
    }

    public int openSessions() {
        return sessions.size();
    }

    /** After the grace period: RST every connection still open and close its backend channel. */
    public void abortAll() {
        List<RelaySession> all = new ArrayList<>(sessions.values());
        for (RelaySession s : all) s.abort();
    }

    /** Looks the name up on a resolver thread and hands the address (null when unknown) back on the loop. */
    void resolve(java.net.InetSocketAddress unresolved, java.util.function.Consumer<java.net.InetSocketAddress> then) {
        RESOLVER.execute(() -> {
            java.net.InetSocketAddress r;
            try {
                r = new java.net.InetSocketAddress(java.net.InetAddress.getByName(unresolved.getHostString()), unresolved.getPort());
            } catch (java.net.UnknownHostException e) {
                r = null;
            }
            java.net.InetSocketAddress result = r;
            loop.execute(() -> then.accept(result));
        });
    }

    void removed(RelaySession s) {
        sessions.remove(s.id);
    }

    void clientGone(long id, int reason, String state) {
        if (log.isDebugEnabled()) log.debug("connection {} closed by the engine ({}) {}", Long.toHexString(id),
                dev.portcullis.tcp.CloseReason.name(reason), state);
    }

    void backendFailed(Backend b, Object why) {
        if (log.isDebugEnabled()) log.debug("backend {} failed a relayed connection: {}", b, String.valueOf(why));
    }

    void connectFailed(Backend b, Throwable cause) {
        if (log.isDebugEnabled()) log.debug("connect to {} failed: {}", b, cause.toString());
    }
}
