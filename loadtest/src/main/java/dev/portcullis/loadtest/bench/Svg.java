package dev.portcullis.loadtest.bench;

import java.util.List;
import java.util.Locale;

/** Inline SVG charts for the HTML report: lines with markers over a numeric x axis, and grouped bars. */
final class Svg {
    private Svg() {
    }

    record Series(String name, String color, List<double[]> points) {
    }

    static final String[] COLORS = {"#d62728", "#ff7f0e", "#1f77b4", "#9467bd", "#2ca02c", "#8c564b", "#17becf"};
    private static final int W = 620, H = 340, L = 70, R = 170, T = 36, B = 48;

    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        double xMax = 0, yMin = Double.MAX_VALUE, yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (Double.isNaN(p[1])) continue;
                xMax = Math.max(xMax, p[0]);
                yMax = Math.max(yMax, p[1]);
                if (p[1] > 0) yMin = Math.min(yMin, p[1]);
            }
        }
        if (xMax <= 0) xMax = 1;
        if (yMax <= 0) yMax = 1;
        xMax = nice(xMax);
        double lo = logY ? Math.pow(10, Math.floor(Math.log10(Math.min(yMin == Double.MAX_VALUE ? 0.1 : yMin, yMax)))) : 0;
        double hi = logY ? Math.pow(10, Math.ceil(Math.log10(yMax))) : nice(yMax);
        if (logY && hi <= lo) hi = lo * 10;
        StringBuilder b = new StringBuilder();
        header(b, title);
        int pw = W - L - R, ph = H - T - B;
        // axes and grid
        for (int i = 0; i <= 5; i++) {
            double xv = xMax * i / 5;
            int x = L + pw * i / 5;
            b.append(fmt("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#eee'/>", x, T, x, T + ph));
            b.append(fmt("<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>", x, T + ph + 16, human(xv)));
        }
        if (logY) {
            for (double v = lo; v <= hi * 1.0001; v *= 10) {
                int y = yPos(v, lo, hi, true, ph);
                b.append(fmt("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#eee'/>", L, y, L + pw, y));
                b.append(fmt("<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>", L - 6, y + 4, human(v)));
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                double v = hi * i / 5;
                int y = yPos(v, lo, hi, false, ph);
                b.append(fmt("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#eee'/>", L, y, L + pw, y));
                b.append(fmt("<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>", L - 6, y + 4, human(v)));
            }
        }
        b.append(fmt("<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>", L, T, pw, ph));
        b.append(fmt("<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>", L + pw / 2, H - 10, esc(xLabel)));
        b.append(fmt("<text x='16' y='%d' font-size='12' text-anchor='middle' transform='rotate(-90 16 %d)'>%s</text>",
                T + ph / 2, T + ph / 2, esc(yLabel)));
        int ly = T + 8;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                if (Double.isNaN(p[1]) || (logY && p[1] <= 0)) continue;
                int x = L + (int) Math.round(pw * p[0] / xMax);
                int y = yPos(p[1], lo, hi, logY, ph);
                path.append(path.isEmpty() ? "M" : " L").append(x).append(',').append(y);
                b.append(fmt("<circle cx='%d' cy='%d' r='3.5' fill='%s'><title>%s: x=%s, y=%s</title></circle>",
                        x, y, s.color(), esc(s.name()), human(p[0]), human(p[1])));
            }
            if (!path.isEmpty()) {
                b.append(fmt("<path d='%s' fill='none' stroke='%s' stroke-width='2'/>", path, s.color()));
            }
            b.append(fmt("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='3'/>", L + pw + 10, ly,
                    L + pw + 28, ly, s.color()));
            b.append(fmt("<text x='%d' y='%d' font-size='11'>%s</text>", L + pw + 32, ly + 4, esc(s.name())));
            ly += 18;
        }
        return b.append("</svg>").toString();
    }

    /** Bars: one group per category, one bar per series value (NaN: no bar, "n/m" label). */
    static String barChart(String title, String yLabel, List<String> categories, List<String> seriesNames,
                           double[][] values) {
        double max = 0;
        for (double[] row : values) for (double v : row) if (!Double.isNaN(v)) max = Math.max(max, v);
        max = nice(max <= 0 ? 1 : max);
        StringBuilder b = new StringBuilder();
        header(b, title);
        int pw = W - L - R, ph = H - T - B;
        for (int i = 0; i <= 5; i++) {
            double v = max * i / 5;
            int y = T + ph - (int) Math.round(ph * v / max);
            b.append(fmt("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#eee'/>", L, y, L + pw, y));
            b.append(fmt("<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>", L - 6, y + 4, human(v)));
        }
        b.append(fmt("<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>", L, T, pw, ph));
        b.append(fmt("<text x='16' y='%d' font-size='12' text-anchor='middle' transform='rotate(-90 16 %d)'>%s</text>",
                T + ph / 2, T + ph / 2, esc(yLabel)));
        int groups = categories.size();
        int gw = pw / Math.max(1, groups);
        int bw = Math.max(4, (gw - 16) / Math.max(1, seriesNames.size()));
        for (int g = 0; g < groups; g++) {
            int gx = L + g * gw + 8;
            for (int s = 0; s < seriesNames.size(); s++) {
                double v = values[s][g];
                int x = gx + s * bw;
                if (Double.isNaN(v)) {
                    b.append(fmt("<text x='%d' y='%d' font-size='10' text-anchor='middle'>n/m</text>", x + bw / 2, T + ph - 4));
                    continue;
                }
                int h = (int) Math.round(ph * v / max);
                b.append(fmt("<rect x='%d' y='%d' width='%d' height='%d' fill='%s'><title>%s, %s: %s</title></rect>",
                        x, T + ph - h, bw - 2, h, COLORS[s % COLORS.length], esc(seriesNames.get(s)),
                        esc(categories.get(g)), human(v)));
            }
            b.append(fmt("<text x='%d' y='%d' font-size='10' text-anchor='middle'>%s</text>", L + g * gw + gw / 2,
                    T + ph + 16, esc(categories.get(g))));
        }
        int ly = T + 8;
        for (int s = 0; s < seriesNames.size(); s++) {
            b.append(fmt("<rect x='%d' y='%d' width='14' height='10' fill='%s'/>", L + pw + 10, ly - 6,
                    COLORS[s % COLORS.length]));
            b.append(fmt("<text x='%d' y='%d' font-size='11'>%s</text>", L + pw + 30, ly + 4, esc(seriesNames.get(s))));
            ly += 18;
        }
        return b.append("</svg>").toString();
    }

    private static void header(StringBuilder b, String title) {
        b.append(fmt("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
                + "font-family='sans-serif'>", W, H, W, H));
        b.append(fmt("<text x='%d' y='20' font-size='14' font-weight='bold' text-anchor='middle'>%s</text>", W / 2, esc(title)));
    }

    private static int yPos(double v, double lo, double hi, boolean log, int ph) {
        double f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        return T + ph - (int) Math.round(ph * Math.max(0, Math.min(1, f)));
    }

    /** The next "nice" number (1, 2, 2.5, 5 × 10^k) at or above v. */
    static double nice(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= v) return m * p;
        return 10 * p;
    }

    static String human(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) return trim(String.format(Locale.ROOT, "%.2fM", v / 1e6));
        if (a >= 1e3) return trim(String.format(Locale.ROOT, "%.1fk", v / 1e3));
        if (a >= 10 || v == 0) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 1) return trim(String.format(Locale.ROOT, "%.1f", v));
        return trim(String.format(Locale.ROOT, "%.3f", v));
    }

    private static String trim(String s) {
        return s.replaceAll("\\.0+([kM]?)$", "$1").replaceAll("(\\.\\d*?)0+([kM]?)$", "$1$2");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    private static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }
}
