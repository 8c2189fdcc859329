package dev.portcullis.container;

import java.util.Set;

/**
 * The metric names the operations files (deploy/grafana/portcullis.json, deploy/prometheus/alerts.yml) may use:
 * what Portcullis exports on its admin port at /metrics. {@link DeployMetricNamesTest} checks the files against
 * this list without an engine; {@link PortcullisContainerIT} checks the list against a real scrape.
 */
final class MetricCatalog {
    private MetricCatalog() {}

    /** Names as they appear on sample lines of the scrape (counters with their _total suffix). */
    static final Set<String> PORTCULLIS = Set.of(
            "portcullis_syns_received_total",
            "portcullis_cookies_sent_total",
            "portcullis_acks_valid_total",
            "portcullis_acks_invalid_total",           // {reason}
            "portcullis_syn_queue_depth",
            "portcullis_accept_queue_depth",
            "portcullis_accept_queue_overflows_total",
            "portcullis_connections_established",
            "portcullis_retransmissions_total",
            "portcullis_challenge_acks_total",
            "portcullis_rsts_sent_total",
            "portcullis_frames_dropped_total",         // {reason}
            "portcullis_ring_drops_total",
            "portcullis_relay_bytes_total",            // {direction}
            "portcullis_backend_up",                   // {backend}
            "portcullis_backend_connect_failures_total" // {backend}
    );

    /** Series every Prometheus scrape has, which the files may use too. */
    static final Set<String> PROMETHEUS = Set.of("up", "scrape_duration_seconds");

    static boolean known(String name) {
        return PORTCULLIS.contains(name) || PROMETHEUS.contains(name);
    }

    /** What a scrape of a freshly started Portcullis with one listener and one backend must contain. */
    static Set<String> scrapedNames() {
        return PORTCULLIS;
    }
}
