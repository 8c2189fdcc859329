package dev.portcullis.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Brings backends back: every interval, a plain TCP connect to each backend marked down (a failed relay connect
 * marks it); when one succeeds the backend is up again (and /readyz follows) without waiting for client traffic
 * to try it. Runs on one event loop; costs one connect per down backend per interval.
 */
public final class HealthProbe implements AutoCloseable {
    private final EventLoop loop;
    private final List<BackendPool> pools;
    private final Bootstrap bootstrap;
    private ScheduledFuture<?> task;

    public HealthProbe(EventLoop loop, Collection<BackendPool> pools) {
        this.loop = loop;
        this.pools = List.copyOf(pools);
        this.bootstrap = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new Idle());
    }

    public void start(Duration interval) {
        task = loop.scheduleAtFixedRate(this::probeDown, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round: a connect to every backend marked down. */
    public void probeDown() {
        for (BackendPool p : pools) {
            int timeoutMs = (int) Math.min(Integer.MAX_VALUE, p.connectTimeout().toMillis());
            for (Backend b : p.backends()) {
                if (!b.isMarkedDown()) continue;
                bootstrap.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs).connect(b.address())
                        .addListener((ChannelFutureListener) f -> {
                            if (f.isSuccess()) {
                                b.probeSucceeded();
                                f.channel().close();
                            }
                        });
            }
        }
    }

    /** The probe reads nothing; one shared no-op handler for all probe channels. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Idle extends ChannelInboundHandlerAdapter {}

    @Override
    public void close() {
        if (task != null) task.cancel(false);
    }
}
