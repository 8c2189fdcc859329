package dev.portcullis.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Active TCP connect checks of every backend of every pool whose {@code health-check} is enabled, each pool at its
 * own interval (HAProxy's {@code check inter rise fall}): a connect that completes within the timeout is a
 * success (the channel is closed at once), a refusal or a timeout a failure; {@link Backend#checked} turns runs of
 * them into up/down. At most one check per backend is in flight. Runs on one event loop; {@link #close} stops it
 * (a reload closes the old checker and starts one over the new pools, the backends keep their state).
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoop loop;
    private final List<BackendPool> pools;
    private final Bootstrap bootstrap;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final Map<Backend, Boolean> inFlight = new IdentityHashMap<>(); // on the loop only
    private volatile boolean closed;

    public HealthChecker(EventLoop loop, Collection<BackendPool> pools) {
        this.loop = loop;
        this.pools = List.copyOf(pools);
        this.bootstrap = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new Idle());
    }

    /** Schedules each enabled pool's checks, the first one interval from now. */
    public void start() {
        for (BackendPool p : pools) {
            HealthCheck hc = p.healthCheck();
            if (!hc.enabled()) continue;
            long ms = Math.max(1, hc.interval().toMillis());
            tasks.add(loop.scheduleAtFixedRate(() -> checkPool(p), ms, ms, TimeUnit.MILLISECONDS));
        }
    }

    /** One round over a pool: a connect to each backend with no check in flight. On the loop. */
    public void checkPool(BackendPool p) {
        if (closed) return;
        HealthCheck hc = p.healthCheck();
        for (Backend b : p.backends()) {
            if (inFlight.putIfAbsent(b, Boolean.TRUE) != null) continue;
            InetSocketAddress a = b.address();
            if (a.isUnresolved()) {
                // a host name: looked up off the loop (a lookup may block for seconds), checked back on it
                Thread.ofVirtual().name("portcullis-check-resolve").start(() -> {
                    InetSocketAddress r;
                    try {
                        r = new InetSocketAddress(InetAddress.getByName(a.getHostString()), a.getPort());
                    } catch (UnknownHostException e) {
                        r = null;
                    }
                    InetSocketAddress resolved = r;
                    loop.execute(() -> {
                        if (resolved == null) done(b, hc, false);
                        else connect(b, resolved, hc);
                    });
                });
            } else {
                connect(b, a, hc);
            }
        }
    }

    private void connect(Backend b, InetSocketAddress a, HealthCheck hc) {
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, hc.timeout().toMillis()));
        ChannelFuture f = bootstrap.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs).connect(a);
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) cf.channel().eventLoop().execute(() -> cf.channel().close()); // after the I/O pass
            done(b, hc, cf.isSuccess());
        });
    }

    private void done(Backend b, HealthCheck hc, boolean ok) {
        inFlight.remove(b);
        if (closed) return;
        int change = b.checked(ok, hc.rise(), hc.fall());
        if (change > 0) log.info("backend {} is up ({} check(s) in a row succeeded)", b, hc.rise());
        if (change < 0) log.warn("backend {} is down ({} check(s) in a row failed): out of rotation", b, hc.fall());
    }

    /** The scheduled checks are cancelled; checks in flight finish without effect. */
    @Override
    public void close() {
        closed = true;
        for (ScheduledFuture<?> t : tasks) t.cancel(false);
    }

    /** A check reads nothing; one shared no-op handler for all check channels. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Idle extends ChannelInboundHandlerAdapter {}
}
