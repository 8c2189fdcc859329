package dev.portcullis.container;

import java.util.Set;
import java.util.TreeSet;

/** The metric names in a Prometheus text exposition (version 0.0.4 or OpenMetrics): sample lines only. */
final class PrometheusText {
    private PrometheusText() {}

    static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
            if (end > 0) names.add(line.substring(0, end));
        }
        return names;
    }
}
