package dev.portcullis.e2e;

import java.util.ArrayList;
import java.util.List;

/** One Prometheus text exposition, parsed just enough to sum series by name and label. */
record Scrape(List<Sample> samples) {
    record Sample(String name, String labels, double value) {
    }

    static Scrape parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) continue;
            String name, labels;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                labels = line.substring(brace + 1, line.lastIndexOf('}'));
            } else {
                name = line.substring(0, space);
                labels = "";
            }
            try {
                out.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return new Scrape(out);
    }

    /** The sum over every series of {@code name} whose labels contain each of {@code labelParts} (e.g. area="heap"). */
    double sum(String name, String... labelParts) {
        double s = 0;
        boolean found = false;
        outer:
        for (Sample x : samples) {
            if (!x.name.equals(name)) continue;
            for (String part : labelParts) if (!x.labels.contains(part)) continue outer;
            s += x.value;
            found = true;
        }
        if (!found) throw new AssertionError("no series " + name + " with " + String.join(",", labelParts) + " in /metrics");
        return s;
    }

    /** The portcullis_* series that changed from {@code before} to this scrape, one "name{labels} +delta" a line. */
    String changesSince(Scrape before) {
        java.util.Map<String, Double> old = new java.util.HashMap<>();
        for (Sample x : before.samples) old.put(x.name + "{" + x.labels + "}", x.value);
        StringBuilder sb = new StringBuilder();
        for (Sample x : samples) {
            if (!x.name.startsWith("portcullis_")) continue;
            String key = x.name + "{" + x.labels + "}";
            double d = x.value - old.getOrDefault(key, 0.0);
            if (d != 0) sb.append(key).append(' ').append(d > 0 ? "+" : "").append((long) d).append('\n');
        }
        return sb.toString();
    }

    long count(String name, String... labelParts) {
        return Math.round(sum(name, labelParts));
    }
}
