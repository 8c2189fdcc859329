package dev.portcullis.container;

import java.util.Set;

/**
 * The metric names the operations files (deploy/grafana/portcullis.json, deploy/prometheus/alerts.yml) may use:
 * what Portcullis exports at /metrics on its admin port (dev.portcullis.metrics.PortcullisMetrics; Micrometer's
 * Prometheus names: dots become underscores, counters end in _total, a base unit "bytes" is appended).
 * {@link DeployFilesTest} checks the files against this list without an engine; {@link PortcullisContainerIT}
 * checks the list against a real scrape.
 */
final class MetricCatalog {
    private MetricCatalog() {}

    /** Names as they appear on sample lines of the scrape; every series also has a {@code shard} label. */
    static final Set<String> PORTCULLIS = Set.of(
            "portcullis_syns_received_total",
            "portcullis_cookies_sent_total",
            "portcullis_synacks_sent_total",
            "portcullis_acks_valid_total",
            "portcullis_acks_invalid_total",            // {reason}
            "portcullis_syn_queue_depth",
            "portcullis_syn_queue_overflows_total",
            "portcullis_accept_queue_depth",
            "portcullis_accept_queue_overflows_total",
            "portcullis_connections_established",
            "portcullis_retransmissions_total",
            "portcullis_retransmissions_timeout_total",
            "portcullis_rto_expirations_total",
            "portcullis_tail_loss_probes_total",
            "portcullis_challenge_acks_total",
            "portcullis_rsts_sent_total",
            "portcullis_drops_total",                   // {reason}: frames read and dropped
            "portcullis_ring_frames_total",
            "portcullis_ring_frames_cut_total",
            "portcullis_ring_drops_total",              // the kernel's drops for want of ring space
            "portcullis_ring_small_frames_total",       // the small-frame (TPACKET_V2) ring's share of the two above
            "portcullis_ring_small_drops_total",
            "portcullis_relay_accepted_total",
            "portcullis_relay_sessions",
            "portcullis_relay_bytes_total",             // {direction}
            "portcullis_relay_no_backend_total",
            "portcullis_relay_connect_failures_total",
            "portcullis_relay_backend_resets_total",
            "portcullis_relay_client_resets_total",
            "portcullis_shard_up",
            "portcullis_backend_up",                    // {pool, backend}
            "portcullis_backend_connect_failures_total", // {pool, backend}
            "portcullis_backend_resets_total",          // {pool, backend}
            "portcullis_backend_active_connections"     // {pool, backend}
    );

    /** Series Prometheus adds to every scrape, which the files may use too. */
    static final Set<String> PROMETHEUS = Set.of("up", "scrape_duration_seconds");

    static boolean known(String name) {
        return PORTCULLIS.contains(name) || PROMETHEUS.contains(name);
    }

    /** What a scrape of a freshly started Portcullis with one listener and one backend must contain. */
    static Set<String> scrapedNames() {
        return PORTCULLIS;
    }
}
