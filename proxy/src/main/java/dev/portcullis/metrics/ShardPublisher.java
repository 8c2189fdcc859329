package dev.portcullis.metrics;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Publishes one shard's counters for the scrape thread: every period, on the shard's own thread, a fresh
 * {@link ShardSnapshot} is filled from the live counters and stored in a volatile field. The packet path keeps
 * bumping plain longs and never touches Micrometer; a scrape reads the last snapshot (at most one period old).
 */
public final class ShardPublisher {
    /** The default period: fresh enough for a 1 s scrape, rare enough to cost nothing. */
    public static final long DEFAULT_PERIOD_MS = 200;

    private final int shard;
    private final String[] ackInvalidReasons, dropReasons;
    private final Consumer<ShardSnapshot> filler;
    private volatile ShardSnapshot current;
    private ScheduledFuture<?> task;

    /** filler copies the shard's counters into the snapshot it is given; it runs on the shard's thread. */
    public ShardPublisher(int shard, String[] ackInvalidReasons, String[] dropReasons, Consumer<ShardSnapshot> filler) {
        this.shard = shard;
        this.ackInvalidReasons = ackInvalidReasons.clone();
        this.dropReasons = dropReasons.clone();
        this.filler = filler;
        this.current = new ShardSnapshot(this.ackInvalidReasons, this.dropReasons);
    }

    public int shard() {
        return shard;
    }

    public String[] ackInvalidReasons() {
        return ackInvalidReasons.clone();
    }

    public String[] dropReasons() {
        return dropReasons.clone();
    }

    /** Copies the counters now; call on the shard's thread. */
    public void publish() {
        ShardSnapshot s = new ShardSnapshot(ackInvalidReasons, dropReasons);
        filler.accept(s);
        s.takenAtNs = System.nanoTime();
        current = s;
    }

    /** Publishes every periodMs on the shard's executor (a Netty event loop is one). */
    public void start(ScheduledExecutorService shardLoop, long periodMs) {
        task = shardLoop.scheduleAtFixedRate(this::publish, 0, periodMs, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        if (task != null) task.cancel(false);
    }

    /** The last published snapshot (read by the scrape thread). */
    public ShardSnapshot current() {
        return current;
    }

    /** True when a snapshot was published within maxAgeNs. */
    public boolean isFresh(long nowNs, long maxAgeNs) {
        ShardSnapshot s = current;
        return s.takenAtNs != 0 && nowNs - s.takenAtNs < maxAgeNs;
    }
}
