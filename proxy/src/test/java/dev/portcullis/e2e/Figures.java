package dev.portcullis.e2e;

import java.util.Arrays;
import java.util.Locale;

/** Measured figures, printed as {@code FIGURE name=value} lines that the report quotes. */
final class Figures {
    private Figures() {}

    static void print(String name, double value) {
        System.out.println("FIGURE " + name + "=" + String.format(Locale.ROOT, "%.2f", value));
    }

    static void print(String name, long value) {
        System.out.println("FIGURE " + name + "=" + value);
    }

    /** The p-th percentile (0..100) of the values, nearest rank. */
    static long percentile(long[] values, double p) {
        if (values.length == 0) return 0;
        long[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    static String offloads(boolean on) {
        return on ? "offloads_on" : "offloads_off";
    }
}
