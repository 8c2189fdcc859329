package dev.portcullis.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operations files agree with the code and with each other, checked without a container engine: every metric
 * name in the dashboard's and the alert rules' PromQL is one Portcullis exports, the privilege is the same in the
 * Dockerfile, compose and Kubernetes, and the Kubernetes objects reference each other's keys correctly.
 */
class DeployFilesTest {
    static final Path ROOT = PortcullisImage.repositoryRoot();
    static final Pattern METRIC = Pattern.compile("\\b(portcullis_[a-z0-9_]+|up|scrape_duration_seconds)\\b");
    static final Pattern JSON_EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Test
    void everyMetricInTheDashboardIsExported() throws IOException {
        List<String> exprs = dashboardExprs();
        assertThat(exprs).hasSizeGreaterThan(15);
        Set<String> used = metricNames(exprs);
        assertThat(used).allMatch(MetricCatalog::known, "exported by Portcullis (MetricCatalog)");
        // An attack at a glance: SYN rate vs valid ACKs, cookies, queues, connections, backends, ring drops.
        assertThat(used).contains("portcullis_syns_received_total", "portcullis_acks_valid_total",
                "portcullis_cookies_sent_total", "portcullis_syn_queue_depth", "portcullis_accept_queue_depth",
                "portcullis_connections_established", "portcullis_backend_up", "portcullis_ring_drops_total");
    }

    @Test
    void everyMetricInTheAlertRulesIsExported() throws IOException {
        List<String> exprs = yamlExprs(Files.readAllLines(ROOT.resolve("deploy/prometheus/alerts.yml")));
        assertThat(exprs).hasSizeGreaterThanOrEqualTo(8);
        Set<String> used = metricNames(exprs);
        assertThat(used).allMatch(MetricCatalog::known, "exported by Portcullis (MetricCatalog)");
        assertThat(used).contains("portcullis_syns_received_total", "portcullis_backend_up", "portcullis_ring_drops_total");
    }

    @Test
    void theExtractorFindsNamesAndSkipsLabelsAndFunctions() {
        Set<String> names = metricNames(List.of(
                "sum by (instance) (rate(portcullis_syns_received_total{instance=~\"$instance\"}[1m]))"
                        + " > 10 * clamp_min(sum(rate(portcullis_acks_valid_total[1m])), 1)",
                "up{job=\"portcullis\"} == 0",
                "max by (instance, pool) (portcullis_backend_up) == 0"));
        assertThat(names).containsExactly("portcullis_acks_valid_total", "portcullis_backend_up",
                "portcullis_syns_received_total", "up");
        assertThat(yamlExprs(List.of("      - alert: X", "        expr: |", "          a_total", "          > b",
                "        for: 1m", "      - alert: Y", "        expr: c == 0"))).containsExactly("a_total\n> b", "c == 0");
    }

    @Test
    void onlyNetRawAndNetAdminEverywhere() throws IOException {
        String compose = read("deploy/docker-compose.yml");
        assertThat(compose).contains("network_mode: host", "cap_drop: [ALL]", "cap_add: [NET_RAW, NET_ADMIN]",
                "no-new-privileges:true", "read_only: true");
        String ds = read("deploy/kubernetes/daemonset.yaml");
        assertThat(ds).contains("hostNetwork: true", "drop: [\"ALL\"]", "add: [\"NET_RAW\", \"NET_ADMIN\"]",
                "allowPrivilegeEscalation: false", "readOnlyRootFilesystem: true", "privileged: false");
        assertThat(ds).doesNotContain("SYS_ADMIN");
        String dockerfile = read("Dockerfile");
        assertThat(dockerfile).contains("--cap-drop ALL --cap-add NET_RAW --cap-add NET_ADMIN",
                "ENTRYPOINT [\"/opt/portcullis/bin/portcullis\", \"--config\", \"/etc/portcullis/portcullis.conf\"]");
        assertThat(dockerfile).doesNotContainPattern("(?m)^USER ");
    }

    @Test
    void kubernetesObjectsReferenceEachOther() throws IOException {
        String ds = read("deploy/kubernetes/daemonset.yaml");
        String cm = read("deploy/kubernetes/configmap.yaml");
        String secret = read("deploy/kubernetes/secret.yaml");
        assertThat(cm).contains("name: portcullis-config", "  portcullis.conf: |");
        assertThat(ds).contains("name: portcullis-config", "subPath: portcullis.conf",
                "mountPath: /etc/portcullis/portcullis.conf");
        assertThat(secret).contains("name: portcullis-cookie", "  cookie.secret: ");
        assertThat(ds).contains("secretName: portcullis-cookie", "mountPath: /etc/portcullis/secret",
                "value: /etc/portcullis/secret/cookie.secret");
        // The probes and the scrape use the port the environment gives the admin server.
        assertThat(ds).contains("name: PORTCULLIS_ADMIN_PORT\n              value: \"9090\"",
                "containerPort: 9090", "prometheus.io/port: \"9090\"", "path: /healthz", "path: /readyz");
        for (String f : List.of("namespace.yaml", "configmap.yaml", "secret.yaml", "daemonset.yaml")) {
            assertThat(read("deploy/kubernetes/kustomization.yaml")).contains("- " + f);
        }
    }

    @Test
    void theBaseImagesScriptMakesEveryImageTheDockerfileNames() throws IOException {
        String dockerfile = read("Dockerfile");
        String script = read("deploy/container/make-base-images.sh");
        Matcher m = Pattern.compile("(?m)^ARG [A-Z_]+_IMAGE=(\\S+)$").matcher(dockerfile);
        List<String> named = new ArrayList<>();
        while (m.find()) named.add(m.group(1));
        assertThat(named).containsExactlyInAnyOrder("docker.io/library/debian:bookworm-slim",
                "docker.io/library/maven:3.9-eclipse-temurin-25");
        for (String image : named) assertThat(script).contains("=" + image);
    }

    // ------------------------------------------------------------------------------------------------ helpers ---

    static String read(String relative) throws IOException {
        return Files.readString(ROOT.resolve(relative));
    }

    static List<String> dashboardExprs() throws IOException {
        Matcher m = JSON_EXPR.matcher(read("deploy/grafana/portcullis.json"));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        return out;
    }

    /** The values of {@code expr:} keys, inline or as block scalars ({@code |}, {@code >}). */
    static List<String> yamlExprs(List<String> lines) {
        Pattern key = Pattern.compile("^(\\s*)(?:- )?expr:\\s*(.*)$");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = key.matcher(lines.get(i));
            if (!m.matches()) continue;
            String rest = m.group(2).strip();
            if (!rest.matches("[|>][-+]?")) {
                out.add(rest);
                continue;
            }
            int indent = m.group(1).length();
            List<String> block = new ArrayList<>();
            while (i + 1 < lines.size()) {
                String next = lines.get(i + 1);
                int ni = next.length() - next.stripLeading().length();
                if (!next.isBlank() && ni <= indent) break;
                block.add(next.strip());
                i++;
            }
            out.add(String.join("\n", block).strip());
        }
        return out;
    }

    static Set<String> metricNames(List<String> exprs) {
        Set<String> names = new TreeSet<>();
        for (String e : exprs) {
            // Label matchers and grouping lists hold label names, not metrics: drop {...} and by/without (...).
            String stripped = e.replaceAll("\\{[^}]*}", "").replaceAll("\\b(by|without)\\s*\\([^)]*\\)", "");
            Matcher m = METRIC.matcher(stripped);
            while (m.find()) names.add(m.group(1));
        }
        return names;
    }
}
