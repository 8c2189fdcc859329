package dev.portcullis.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * One client connection of the engine bridged to one backend channel. Everything runs on the shard's event loop
 * (the engine's thread), so the fields are plain.
 *
 * <p>Backpressure both ways, as in Netty's HexDumpProxy:
 * <ul>
 * <li>client → backend: bytes are read out of the engine only while the backend channel is writable; while it is
 *     not, they stay in the engine's receive buffer, so the window offered to the client shrinks (RFC 9293
 *     §3.8.6.2). {@code channelWritabilityChanged} resumes.</li>
 * <li>backend → client: the backend channel does not auto-read; one chunk is read, handed to
 *     {@code engine.write} as far as the send buffer takes it, and the next read is asked for only when the
 *     chunk is gone; {@code onWritable} resumes.</li>
 * </ul>
 * Half-close is passed on both ways (client FIN → shutdownOutput on the backend socket; backend FIN →
 * engine.shutdownOutput). A backend error becomes a RST to the client; a client reset closes the backend channel.
 */
final class RelaySession {
    static final int CHUNK = 16 * 1024;

    private final Relay relay;
    final long id;
    private final Route route;
    private final EngineConnections engine;
    private final RelayCounters counters;
    private final long clientHi, clientLo, localHi, localLo;
    private final int clientPort, localPort;

    private Channel channel;          // null until connected
    private Backend backend;          // the backend being tried or connected
    private int first, tried;
    private ByteBuf pending;          // backend bytes the engine has not taken yet
    private boolean clientEof;        // client FIN read; backend output shut down (or being)
    private boolean backendEof;       // backend FIN seen
    private boolean engineOutputShut; // FIN queued to the client
    private boolean finished;         // session over; ignore late events
    private long up, down;            // this session's bytes client → backend, backend → client (diagnostics)

    RelaySession(Relay relay, long id, Route route, EngineConnections.Endpoints ep) {
        this.relay = relay;
        this.id = id;
        this.route = route;
        this.engine = relay.engine;
        this.counters = relay.counters;
        this.clientHi = ep.clientHi;
        this.clientLo = ep.clientLo;
        this.clientPort = ep.clientPort;
        this.localHi = ep.localHi;
        this.localLo = ep.localLo;
        this.localPort = ep.localPort;
    }

    void start(long nowNs) {
        first = route.pool().firstChoice(clientHi, clientLo, nowNs);
        tried = 0;
        tryNext();
    }

    /**
     * Opens the next backend connection in a task of its own, never inside the event loop's dispatch of an epoll
     * batch: Netty 4.2's epoll handler routes each ready event by fd number, so an event for a channel closed
     * earlier in the same batch would reach a new channel that got the same fd number (seen end to end under a SYN
     * flood as NotYetConnectedException on the new channel, and the client reset).
     */
    private void tryNext() {
        relay.loop.execute(this::connectNext);
    }

    private void connectNext() {
        if (finished) return; // the client reset, or shutdown, before the task ran
        int i = route.pool().next(first, tried++);
        if (i < 0) {
            counters.noBackend++;
            finish();
            engine.abort(id);
            return;
        }
        backend = route.pool().backends().get(i);
        InetSocketAddress address = backend.address();
        if (address.isUnresolved()) {
            // a host name: looked up off the shard's thread (a lookup may block for seconds), then back on it
            relay.resolve(address, resolved -> {
                if (finished) return;
                if (resolved == null) {
                    failedAttempt(new java.net.UnknownHostException(address.getHostString()));
                } else {
                    connect(resolved);
                }
            });
            return;
        }
        connect(address);
    }

    private void connect(InetSocketAddress address) {
        Bootstrap b = relay.bootstrap;
        b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, route.pool().connectTimeout().toMillis()));
        b.handler(new BackendHandler());
        java.net.InetAddress source = route.pool().nextSource(address.getAddress());
        // port 0 with IP_BIND_ADDRESS_NO_PORT (set on the bootstrap): the kernel picks the port at connect, per
        // (source, backend) pair, instead of reserving one at bind for any destination
        ChannelFuture f = source == null ? b.connect(address) : b.connect(address, new InetSocketAddress(source, 0));
        f.addListener((ChannelFutureListener) this::connected);
    }

    private void failedAttempt(Throwable cause) {
        backend.connectFailed(relay.nanoTime(), route.pool().retryAfterNs());
        counters.connectFailures++;
        relay.connectFailed(backend, cause);
        if (finished) return; // the client went away meanwhile
        tryNext();
    }

    private void connected(ChannelFuture f) {
        if (!f.isSuccess()) {
            failedAttempt(f.cause());
            return;
        }
        backend.connected();
        if (finished) { // the client reset while we were connecting
            closeLater(f.channel());
            return;
        }
        channel = f.channel();
        backend.active.incrementAndGet();
        if (route.proxyMode() != ProxyMode.NONE) {
            ByteBuf h = channel.alloc().directBuffer(route.proxyMode() == ProxyMode.V1 ? 108 : 52);
            if (route.proxyMode() == ProxyMode.V1) {
                ProxyHeader.writeV1(h, clientHi, clientLo, clientPort, localHi, localLo, localPort);
            } else {
                ProxyHeader.writeV2(h, clientHi, clientLo, clientPort, localHi, localLo, localPort);
            }
            channel.write(h); // counted as protocol, not as client bytes
        }
        pumpToBackend();
        channel.flush();
        channel.read();
    }

    /** Client → backend while the backend channel is writable. */
    void pumpToBackend() {
        if (channel == null || clientEof || finished) return;
        ByteBufAllocator alloc = channel.alloc();
        boolean wrote = false;
        while (channel.isWritable()) {
            ByteBuf buf = alloc.directBuffer(CHUNK, CHUNK);
            int n = engine.read(id, MemorySegment.ofBuffer(buf.nioBuffer(0, CHUNK)), 0, CHUNK);
            if (n > 0) {
                buf.writerIndex(n);
                channel.write(buf, channel.voidPromise());
                counters.bytesToBackend += n;
                up += n;
                wrote = true;
                continue;
            }
            buf.release();
            if (n < 0) {
                clientEof = true;
                // shutdownOutput would fail writes still queued: wait until everything before it is written.
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) w -> {
                    if (w.isSuccess() && !finished) {
                        ((DuplexChannel) channel).shutdownOutput().addListener((ChannelFutureListener) s -> maybeFinish());
                    }
                });
                return;
            }
            break;
        }
        if (wrote) channel.flush();
    }

    /** A chunk from the backend. One read() may deliver several chunks: they queue behind each other. */
    private void fromBackend(ByteBuf msg) {
        if (finished) {
            msg.release();
            return;
        }
        if (pending == null) {
            pending = msg;
        } else {
            CompositeByteBuf c = pending instanceof CompositeByteBuf cb ? cb : channel.alloc().compositeDirectBuffer(16).addComponent(true, pending);
            pending = c.addComponent(true, msg);
        }
    }

    /** Backend → client as far as the engine's send buffer takes it; asks the backend for more when empty. */
    void drainToClient() {
        if (finished || channel == null) return;
        if (pending != null) {
            int len = pending.readableBytes();
            int n = len == 0 ? 0 : engine.write(id, MemorySegment.ofBuffer(pending.nioBuffer(pending.readerIndex(), len)), 0, len);
            if (n < 0) n = 0; // a stale id; onClosed will follow
            counters.bytesToClient += n;
            down += n;
            pending.skipBytes(n);
            if (pending.isReadable()) return; // the engine's onWritable brings us back
            pending.release();
            pending = null;
        }
        if (backendEof) {
            if (!engineOutputShut) {
                engineOutputShut = true;
                engine.shutdownOutput(id);
                maybeFinish();
            }
        } else {
            channel.read();
        }
    }

    private void maybeFinish() {
        if (finished || !clientEof || !engineOutputShut) return;
        if (channel != null && channel.isActive() && !((DuplexChannel) channel).isOutputShutdown()) return; // our FIN to the backend is still on its way
        counters.completed++;
        finish();
        closeLater(channel);
        engine.close(id);
    }

    /** The backend failed or reset after connecting: the client gets a RST (it must not take a cut stream for whole). */
    private void backendFailed(Object why) {
        if (finished) return;
        relay.backendFailed(backend, why + " [up " + up + " down " + down + " clientEof " + clientEof
                + " backendEof " + backendEof + " pending " + (pending == null ? 0 : pending.readableBytes()) + "]");
        counters.backendResets++;
        backend.reset();
        finish();
        engine.abort(id);
        if (channel != null) closeLater(channel);
    }

    /** The engine closed the connection (client RST, timeout, or the end of a close we did not start). */
    void engineClosed(int reason) {
        if (finished) return;
        relay.clientGone(id, reason, "[up " + up + " down " + down + " clientEof " + clientEof + " backendEof " + backendEof
                + " connected " + (channel != null) + "]");
        counters.clientResets++;
        finish();
        if (channel != null) closeLater(channel);
    }

    /** Shutdown after the grace period: RST to the client, close the backend. */
    void abort() {
        if (finished) return;
        finish();
        engine.abort(id);
        if (channel != null) closeLater(channel);
    }

    /**
     * Closes a backend channel after the event loop's current I/O pass. Netty's epoll loop maps events to
     * channels by file descriptor: closing channel A while the loop works through one epoll_wait batch (say from
     * the ring's event, when the engine reports a client reset) frees A's fd, a connect for a new client in the
     * same pass gets that number again, and an event of A still waiting later in the batch is then delivered to
     * the new, still-connecting channel (seen as ENOTCONN on read: 0.5% of connections reset under wrk).
     * Deferred to the task phase, the fd stays A's until the batch is done.
     */
    private static void closeLater(Channel ch) {
        ch.eventLoop().execute(() -> ch.close());
    }

    private void finish() {
        finished = true;
        if (channel != null) backend.active.decrementAndGet();
        if (pending != null) {
            pending.release();
            pending = null;
        }
        relay.removed(this);
    }

    boolean isFinished() {
        return finished;
    }

    /** Events of the backend channel; the session is the state, this only routes. */
    private final class BackendHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            fromBackend((ByteBuf) msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            drainToClient();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && !finished) {
                backendEof = true;
                if (pending == null) drainToClient(); // else: after the last bytes
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) pumpToBackend();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            backendFailed(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Closed under us. After the backend's FIN that is its normal end (what it sent is still delivered from
            // pending, then the FIN); before it, the stream was cut: the client must see a RST.
            if (finished) return;
            if (!backendEof) {
                backendFailed("closed before its FIN (clientEof=" + clientEof + ", pending=" + (pending != null) + ")");
            } else if (clientEof && engineOutputShut) {
                maybeFinish();
            } else if (!clientEof) {
                clientEof = true; // nobody left to send the client's bytes to
                maybeFinish();
            }
        }
    }
}
