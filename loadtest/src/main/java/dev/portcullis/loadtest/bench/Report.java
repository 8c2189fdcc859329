package dev.portcullis.loadtest.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's results as a text table (stdout, README) and a self-contained HTML page with inline SVG plots. */
final class Report {
    private Report() {
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        return o instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static double d(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String n0(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String n1(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String n2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String n3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** The point at the highest flood rate of a setup (the "max" point when there is one). */
    static Map<String, Object> topPoint(Map<String, Object> setup) {
        Map<String, Object> best = null;
        for (Map<String, Object> p : list(setup.get("points"))) {
            if (best == null || d(p.get("offered_pps")) > d(best.get("offered_pps"))) best = p;
        }
        return best;
    }

    static Map<String, Object> setup(Map<String, Object> r, String key) {
        for (Map<String, Object> s : list(r.get("setups"))) if (key.equals(s.get("key"))) return s;
        return null;
    }

    static List<String> rows(Map<String, Object> r) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-13s %-6s %11s %11s %8s %8s %8s %8s %9s %9s %6s %6s",
                "setup", "flood", "offered/s", "SYN-ACK/s", "answered", "legit %", "p50 ms", "p99 ms", "p99.9 ms",
                "CPU s/M", "busy%", "proc s"));
        for (Map<String, Object> s : list(r.get("setups"))) {
            String key = String.valueOf(s.get("key"));
            if (!Boolean.TRUE.equals(s.get("measured"))) {
                out.add(String.format(Locale.ROOT, "%-13s not measured: %s", key, s.get("reason")));
                continue;
            }
            List<Map<String, Object>> pts = new ArrayList<>();
            if (s.get("baseline") != null) pts.add(map(s.get("baseline")));
            pts.addAll(list(s.get("points")));
            if (s.get("errors") != null) out.add(String.format(Locale.ROOT, "%-13s not measured: %s", key, s.get("errors")));
            for (Map<String, Object> p : pts) {
                Object rt = p.get("rate_target");
                String flood = rt instanceof Number n ? Svg.human(n.doubleValue()) : String.valueOf(rt);
                double ans = d(p.get("answered_pct"));
                out.add(String.format(Locale.ROOT, "%-13s %-6s %11s %11s %8s %8s %8s %8s %9s %9s %6s %6s", key, flood,
                        n0(d(p.get("offered_pps"))), n0(d(p.get("synack_pps"))), Double.isNaN(ans) ? "-" : n1(ans) + "%",
                        n2(d(p.get("legit_success_pct"))), n3(d(p.get("connect_p50_ms"))), n3(d(p.get("connect_p99_ms"))),
                        n3(d(p.get("connect_p999_ms"))), n2(d(p.get("cpu_s_per_M_synacks"))),
                        n0(d(p.get("box_busy_pct"))), n2(d(p.get("defender_process_seconds")))));
            }
        }
        return out;
    }

    static List<String> throughputRows(Map<String, Object> r) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-11s %-56s %10s %11s", "relay", "condition", "Mbit/s", "retransmits"));
        for (Map<String, Object> t : list(r.get("throughput"))) {
            if (!Boolean.TRUE.equals(t.get("measured"))) {
                out.add(String.format(Locale.ROOT, "%-11s %-56s not measured: %s", t.get("path"),
                        t.get("condition") == null ? "" : t.get("condition"), t.get("reason")));
                continue;
            }
            out.add(String.format(Locale.ROOT, "%-11s %-56s %10s %11s", t.get("path"), t.get("condition"),
                    n1(d(t.get("mbit_s"))), n0(d(t.get("retransmits")))));
            Map<String, Object> x = map(t.get("exact_transfer"));
            if (!x.isEmpty()) {
                out.add(String.format(Locale.ROOT, "%-11s   byte-exact, %s bytes each way at once: %s%s", "",
                        n0(d(x.get("bytes_each_way"))), Boolean.TRUE.equals(x.get("ok"))
                                ? String.format(Locale.ROOT, "OK (both sides checked every byte), %.1f s, %.1f Mbit/s each way",
                                d(x.get("seconds")), d(x.get("mbit_s_each_way")))
                                : "FAILED", Boolean.TRUE.equals(x.get("ok")) ? "" : " " + x));
            }
        }
        return out;
    }

    /** The ratios the issue asks for, or why they are missing. */
    static List<String> ratios(Map<String, Object> r) {
        List<String> out = new ArrayList<>();
        Map<String, Object> g = map(r.get("generator"));
        if (!g.isEmpty()) {
            out.add(String.format(Locale.ROOT, "flood generator vs trafgen (same SYN, one CPU each): %s pps vs %s pps = %.2fx",
                    n0(d(g.get("java_pps"))), n0(d(g.get("trafgen_pps"))), d(g.get("ratio"))));
        }
        Map<String, Object> k2 = setup(r, "syncookies=2");
        Map<String, Object> pc = setup(r, "portcullis");
        if (pc == null || !Boolean.TRUE.equals(pc.get("measured"))) {
            out.add("Portcullis vs kernel SYN cookies: not measured" + (pc == null ? "" : " (" + pc.get("reason") + ")"));
        } else if (k2 != null && Boolean.TRUE.equals(k2.get("measured"))) {
            double a = d(topPoint(pc).get("synack_pps")), b = d(topPoint(k2).get("synack_pps"));
            out.add(String.format(Locale.ROOT, "Portcullis vs tcp_syncookies=2 SYN-ACKs/s at the top flood rate: %s vs %s = %.2fx",
                    n0(a), n0(b), a / b));
        }
        double hap = Double.NaN, pcx = Double.NaN;
        for (Map<String, Object> t : list(r.get("throughput"))) {
            if (!"clean".equals(t.get("condition"))) continue;
            if ("haproxy".equals(t.get("path"))) hap = d(t.get("mbit_s"));
            if ("portcullis".equals(t.get("path"))) pcx = d(t.get("mbit_s"));
        }
        if (!Double.isNaN(hap) && !Double.isNaN(pcx)) {
            out.add(String.format(Locale.ROOT, "relay throughput Portcullis vs HAProxy (clean): %.2fx", pcx / hap));
        }
        return out;
    }

    static String table(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> host = map(r.get("host"));
        b.append(String.format(Locale.ROOT, "Portcullis load test, %s, commit %s, %s mode, %s cores, kernel %s, %s s per point%n",
                r.get("date"), r.get("commit"), r.get("mode"), n0(d(host.get("cores"))), host.get("kernel"),
                n1(d(map(r.get("config")).get("seconds_per_point")))));
        b.append("flood: ").append(map(r.get("config")).get("flood")).append("\n\n");
        for (String s : rows(r)) b.append(s).append('\n');
        b.append('\n');
        for (String s : throughputRows(r)) b.append(s).append('\n');
        b.append('\n');
        for (String s : ratios(r)) b.append(s).append('\n');
        return b.toString();
    }

    static String html(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Portcullis load test</title><style>")
                .append("body{font-family:sans-serif;max-width:1300px;margin:24px auto;color:#222}")
                .append("pre{background:#f6f6f6;padding:12px;overflow-x:auto;font-size:12px}")
                .append("svg{margin:8px;border:1px solid #ddd}</style></head><body>");
        b.append("<h1>Portcullis load test</h1>");
        b.append("<p>").append(Svg.esc(String.valueOf(r.get("date")))).append(" &middot; commit ")
                .append(Svg.esc(String.valueOf(r.get("commit")))).append(" &middot; ").append(r.get("mode"))
                .append(" mode &middot; load average at start ")
                .append(Svg.esc(String.valueOf(map(r.get("host")).get("loadavg_at_start")))).append("</p>");
        List<Svg.Series> success = new ArrayList<>(), p99 = new ArrayList<>(), synack = new ArrayList<>();
        int c = 0;
        for (Map<String, Object> s : list(r.get("setups"))) {
            if (!Boolean.TRUE.equals(s.get("measured"))) continue;
            String color = Svg.COLORS[c++ % Svg.COLORS.length];
            List<double[]> a = new ArrayList<>(), l = new ArrayList<>(), k = new ArrayList<>();
            List<Map<String, Object>> pts = new ArrayList<>();
            if (s.get("baseline") != null) pts.add(map(s.get("baseline")));
            pts.addAll(list(s.get("points")));
            for (Map<String, Object> p : pts) {
                double x = d(p.get("offered_pps"));
                a.add(new double[] {x, d(p.get("legit_success_pct"))});
                l.add(new double[] {x, d(p.get("connect_p99_ms"))});
                k.add(new double[] {x, d(p.get("synack_pps"))});
            }
            String name = String.valueOf(s.get("key"));
            success.add(new Svg.Series(name, color, a));
            p99.add(new Svg.Series(name, color, l));
            synack.add(new Svg.Series(name, color, k));
        }
        b.append("<div>");
        b.append(Svg.lineChart("Legit success vs flood rate", "flood packets/s offered", "legit success %", success, false));
        b.append(Svg.lineChart("p99 connect latency vs flood rate", "flood packets/s offered", "p99 connect ms (log)", p99, true));
        b.append(Svg.lineChart("SYN-ACKs answered vs flood rate", "flood packets/s offered", "SYN-ACKs/s", synack, false));
        List<String> cats = new ArrayList<>();
        List<String> paths = List.of("haproxy", "portcullis");
        for (Map<String, Object> t : list(r.get("throughput"))) {
            Object cond = t.get("condition");
            if (cond != null && !cats.contains(String.valueOf(cond))) cats.add(String.valueOf(cond));
        }
        double[][] vals = new double[paths.size()][cats.size()];
        for (double[] row : vals) java.util.Arrays.fill(row, Double.NaN);
        for (Map<String, Object> t : list(r.get("throughput"))) {
            int pi = paths.indexOf(String.valueOf(t.get("path")));
            int ci = cats.indexOf(String.valueOf(t.get("condition")));
            if (pi >= 0 && ci >= 0) vals[pi][ci] = d(t.get("mbit_s"));
        }
        List<String> shortCats = new ArrayList<>();
        for (String s : cats) shortCats.add(s.startsWith("impaired") ? "impaired" : s);
        b.append(Svg.barChart("Relay throughput (iperf3)", "Mbit/s", shortCats, paths, vals));
        b.append("</div>");
        b.append("<h2>Table</h2><pre>").append(Svg.esc(table(r))).append("</pre>");
        b.append("<h2>What the figures mean</h2><ul>")
                .append("<li><b>offered/s</b>: flood frames the generator sent per second (one thread, AF_PACKET TX ring, spoofed sources).</li>")
                .append("<li><b>SYN-ACK/s</b>: SYN-ACKs to the spoofed sources counted on the client veth per second of flood.</li>")
                .append("<li><b>legit %</b>: requests of the legitimate clients (new connection each) that got an HTTP 2xx reply.</li>")
                .append("<li><b>p50/p99/p99.9</b>: connect latency of the legitimate clients' successful connects.</li>")
                .append("<li><b>CPU s/M</b>: CPU seconds of the whole box (/proc/stat, all processes, the generator included) per million SYN-ACKs.</li>")
                .append("<li><b>busy%</b>: how busy the whole box was during the point (100 = every core; the machine is shared). <b>proc s</b>: CPU seconds of the defending process itself (HAProxy or Portcullis).</li>")
                .append("</ul>");
        b.append("<h2>Raw results</h2><pre>").append(Svg.esc(Json.write(r))).append("</pre>");
        return b.append("</body></html>\n").toString();
    }
}
