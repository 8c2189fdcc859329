package dev.portcullis.container;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    /** Per metric name, the sum of its samples over all label sets (e.g. over shards); NaN samples are skipped. */
    static Map<String, Double> sums(String exposition) {
        Map<String, Double> sums = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
            if (end == 0) continue;
            int close = line.indexOf('}', end);
            String rest = (close >= 0 ? line.substring(close + 1) : line.substring(end)).strip();
            String value = rest.split("\\s+")[0];
            try {
                double v = Double.parseDouble(value);
                if (!Double.isNaN(v)) sums.merge(line.substring(0, end), v, Double::sum);
            } catch (NumberFormatException e) {
                // a malformed sample is not counted
            }
        }
        return sums;
    }
}
