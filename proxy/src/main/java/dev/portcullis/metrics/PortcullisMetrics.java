package dev.portcullis.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The process's meters: JVM and process binders, and the shards' and backends' numbers as function counters and
 * gauges that read published snapshots at scrape time (nothing is pushed per packet). Names follow Prometheus
 * conventions with the {@code portcullis_} prefix; Micrometer adds {@code _total} to counters and the base unit.
 */
public final class PortcullisMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<ShardPublisher> shards = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<AdminStats.BackendInfo> backends = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Top 10 sources and prefixes over all shards: rows replaced at each scrape (bounded: 10 series each). */
    private final MultiGauge heavySources, heavyPrefixes;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** Micrometer holds a function meter's state object weakly: these keep the suppliers alive. */
    private final List<Object> stateObjects = new ArrayList<>();

    public PortcullisMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        heavySources = MultiGauge.builder("portcullis.heavy.hitter.syn.rate")
                .description("SYNs per second in the last second of the 10 heaviest source addresses (Space-Saving upper bound)")
                .register(registry);
        heavyPrefixes = MultiGauge.builder("portcullis.heavy.prefix.syn.rate")
                .description("SYNs per second in the last second of the 10 heaviest /24 (IPv4) or /48 (IPv6) prefixes")
                .register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter (the heavy hitters refreshed from the last snapshots first). */
    public String scrape() {
        refreshHeavyHitters();
        return registry.scrape();
    }

    /**
     * Replaces the heavy-hitter rows with the current top 10 of all shards' published snapshots (which the
     * shards refresh every publication period). Label values change as sources come and go; there are never
     * more than 10 series per name.
     */
    void refreshHeavyHitters() {
        List<ShardSnapshot> snaps = shards.stream().map(ShardPublisher::current).toList();
        heavySources.register(rows(HeavyHitterView.top(snaps, false, ShardSnapshot.TOP), "source"), true);
        heavyPrefixes.register(rows(HeavyHitterView.top(snaps, true, ShardSnapshot.TOP), "prefix"), true);
    }

    private static List<MultiGauge.Row<?>> rows(List<HeavyHitterView.Row> top, String keyLabel) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (HeavyHitterView.Row r : top) {
            rows.add(MultiGauge.Row.of(Tags.of(Tag.of("rank", Integer.toString(r.rank())), Tag.of(keyLabel, r.key())), r.rate()));
        }
        return rows;
    }

    List<AdminStats.BackendInfo> backends() {
        return List.copyOf(backends);
    }

    public List<ShardPublisher> shards() {
        return List.copyOf(shards);
    }

    /** Registers the meters of one shard, all tagged {@code shard=N}, reading {@code p.current()}. */
    public void registerShard(ShardPublisher p) {
        shards.add(p);
        Tags t = Tags.of("shard", Integer.toString(p.shard()));
        counter(p, t, "portcullis.syns.received", "SYNs received for a listener", s -> s.synsReceived);
        counter(p, t, "portcullis.cookies.sent", "SYN-ACKs carrying a SYN cookie", s -> s.cookiesSent);
        counter(p, t, "portcullis.synacks.sent", "SYN-ACKs sent from the SYN queue (first sends and retries)", s -> s.synAcksSent);
        counter(p, t, "portcullis.acks.valid", "final ACKs whose cookie or SYN-queue entry checked out", s -> s.acksValid);
        String[] ackReasons = p.ackInvalidReasons();
        for (int i = 0; i < ackReasons.length; i++) {
            int idx = i;
            counter(p, t.and("reason", ackReasons[i]), "portcullis.acks.invalid", "final ACKs rejected, by reason", s -> s.acksInvalid[idx]);
        }
        gauge(p, t, "portcullis.syn.queue.depth", "entries in the SYN queue", s -> s.synQueueDepth);
        gauge(p, t, "portcullis.accept.queue.depth", "established connections waiting for the relay", s -> s.acceptQueueDepth);
        counter(p, t, "portcullis.syn.queue.overflows", "SYNs that found the SYN queue full", s -> s.synQueueOverflows);
        counter(p, t, "portcullis.accept.queue.overflows", "connections dropped because the accept queue was full", s -> s.acceptQueueOverflows);
        gauge(p, t, "portcullis.connections.established", "connections in the engine's table", s -> s.established);
        counter(p, t, "portcullis.retransmissions", "segments retransmitted", s -> s.retransmissions);
        counter(p, t, "portcullis.retransmissions.timeout", "segments retransmitted after a retransmission timeout", s -> s.retransmissionsTimeout);
        counter(p, t, "portcullis.rto.expirations", "retransmission timeouts (RFC 6298)", s -> s.rtoExpirations);
        counter(p, t, "portcullis.tail.loss.probes", "tail loss probes sent (RFC 8985)", s -> s.tailLossProbes);
        counter(p, t, "portcullis.challenge.acks", "challenge ACKs sent (RFC 5961)", s -> s.challengeAcks);
        counter(p, t, "portcullis.rsts.sent", "RSTs sent", s -> s.rstsSent);
        String[] dropReasons = p.dropReasons();
        for (int i = 0; i < dropReasons.length; i++) {
            int idx = i;
            counter(p, t.and("reason", dropReasons[i]), "portcullis.drops", "frames dropped, by reason", s -> s.drops[idx]);
        }
        counter(p, t, "portcullis.ring.frames", "frames read from the RX rings", s -> s.ringFrames);
        counter(p, t, "portcullis.ring.frames.cut", "frames a ring cut short (tp_snaplen < tp_len), dropped", s -> s.ringFramesCut);
        counter(p, t, "portcullis.ring.drops", "frames the kernel dropped for want of ring space (PACKET_STATISTICS)", s -> s.ringDrops);
        counter(p, t, "portcullis.ring.small.frames", "frames read from the small-frame (TPACKET_V2) ring, part of ring_frames", s -> s.ringSmallFrames);
        counter(p, t, "portcullis.ring.small.drops", "drops of the small-frame ring, part of ring_drops (PACKET_STATISTICS)", s -> s.ringSmallDrops);
        counter(p, t, "portcullis.relay.accepted", "connections taken by the relay", s -> s.relayAccepted);
        gauge(p, t, "portcullis.relay.sessions", "connections being relayed", s -> s.relaySessions);
        FunctionCounter.builder("portcullis.relay", p, pp -> pp.current().relayBytesToBackend).baseUnit("bytes")
                .description("bytes relayed, by direction").tags(t.and("direction", "to_backend")).register(registry);
        FunctionCounter.builder("portcullis.relay", p, pp -> pp.current().relayBytesToClient).baseUnit("bytes")
                .description("bytes relayed, by direction").tags(t.and("direction", "to_client")).register(registry);
        counter(p, t, "portcullis.relay.connect.failures", "failed backend connect attempts (each backend tried counts)", s -> s.relayConnectFailures);
        counter(p, t, "portcullis.relay.no.backend", "connections reset because no backend answered", s -> s.relayNoBackend);
        counter(p, t, "portcullis.relay.backend.resets", "connections reset because the backend failed", s -> s.relayBackendResets);
        counter(p, t, "portcullis.relay.client.resets", "connections the client reset or the engine timed out", s -> s.relayClientResets);
        counter(p, t, "portcullis.guard.syns.checked", "pure SYNs checked by the guard before a cookie", s -> s.guardChecked);
        counter(p, t, "portcullis.guard.allow.listed", "SYNs passed without a limit: the source is on the allow list", s -> s.guardAllowListed);
        counter(p, t.and("reason", "denied"), "portcullis.guard.drops", "SYNs the guard dropped, by reason", s -> s.guardDenied);
        counter(p, t.and("reason", "rate_limited"), "portcullis.guard.drops", "SYNs the guard dropped, by reason", s -> s.guardRateLimited);
        counter(p, t.and("reason", "prefix_rate_limited"), "portcullis.guard.drops", "SYNs the guard dropped, by reason", s -> s.guardPrefixRateLimited);
        Gauge.builder("portcullis.guard.memory", p, pp -> pp.current().guardMemoryBytes).baseUnit("bytes")
                .description("fixed memory of the guard's sketches and heavy-hitter summaries").tags(t).register(registry);
        Gauge.builder("portcullis.shard.up", p, pp -> pp.isFresh(System.nanoTime(), 2_000_000_000L) ? 1 : 0)
                .description("1 while the shard publishes its counters").tags(t).register(registry);
    }

    /** Registers one backend's meters, tagged {@code pool} and {@code backend="host:port"}. */
    public void registerBackend(String pool, String backend, LongSupplier connectFailures, LongSupplier resets,
                                IntSupplier activeConnections, BooleanSupplier up) {
        Tags t = Tags.of("pool", pool, "backend", backend);
        stateObjects.addAll(List.of(connectFailures, resets, activeConnections, up));
        // a reload registers known backends again: Micrometer keeps the first meters, and so does the page
        synchronized (backends) {
            if (backends.stream().noneMatch(b -> b.pool().equals(pool) && b.backend().equals(backend))) {
                backends.add(new AdminStats.BackendInfo(pool, backend, up, activeConnections, connectFailures));
            }
        }
        FunctionCounter.builder("portcullis.backend.connect.failures", connectFailures, LongSupplier::getAsLong)
                .description("failed connects to the backend").tags(t).register(registry);
        FunctionCounter.builder("portcullis.backend.resets", resets, LongSupplier::getAsLong)
                .description("relayed connections the backend broke off").tags(t).register(registry);
        Gauge.builder("portcullis.backend.active.connections", activeConnections, IntSupplier::getAsInt)
                .description("connections relayed to the backend now").tags(t).register(registry);
        Gauge.builder("portcullis.backend.up", up, u -> u.getAsBoolean() ? 1 : 0)
                .description("1 unless the last connect to the backend failed").tags(t).register(registry);
    }

    private void counter(ShardPublisher p, Tags tags, String name, String help, ToLongFunction<ShardSnapshot> f) {
        FunctionCounter.builder(name, p, pp -> f.applyAsLong(pp.current())).description(help).tags(tags).register(registry);
    }

    private void gauge(ShardPublisher p, Tags tags, String name, String help, ToLongFunction<ShardSnapshot> f) {
        Gauge.builder(name, p, pp -> f.applyAsLong(pp.current())).description(help).tags(tags).register(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
