package dev.portcullis.loadtest;

import java.util.LinkedHashMap;
import java.util.Map;

/** "--key value" and "--flag" arguments of the load tools' mains; a mistake gives one line naming the key. */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + a);
            String k = a.substring(2);
            int eq = k.indexOf('=');
            if (eq >= 0) {
                values.put(k.substring(0, eq), k.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                values.put(k, argv[++i]);
            } else {
                values.put(k, "true");
            }
        }
    }

    private Args() {
    }

    /** These arguments with {@code over}'s values replacing or adding to them. */
    public Args with(Args over) {
        Args a = new Args();
        a.values.putAll(values);
        a.values.putAll(over.values);
        return a;
    }

    /** Splits a command line on whitespace (the serve modes take one run's arguments per line). */
    public static Args ofLine(String line) {
        String t = line.trim();
        return new Args(t.isEmpty() ? new String[0] : t.split("\\s+"));
    }

    public boolean has(String k) {
        return values.containsKey(k);
    }

    public String str(String k, String def) {
        return values.getOrDefault(k, def);
    }

    public String required(String k) {
        String v = values.get(k);
        if (v == null) throw new IllegalArgumentException("missing --" + k);
        return v;
    }

    public long num(String k, long def) {
        String v = values.get(k);
        if (v == null) return def;
        try {
            return parseCount(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + k + " " + v + ": expected a number (k/m suffixes allowed)");
        }
    }

    public double dbl(String k, double def) {
        String v = values.get(k);
        if (v == null) return def;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + k + " " + v + ": expected a number");
        }
    }

    public boolean flag(String k) {
        return Boolean.parseBoolean(values.getOrDefault(k, "false"));
    }

    /** 250000, 250k, 1.5m. */
    public static long parseCount(String v) {
        String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        double mult = 1;
        if (s.endsWith("k")) { mult = 1e3; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("m")) { mult = 1e6; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("g")) { mult = 1e9; s = s.substring(0, s.length() - 1); }
        return Math.round(Double.parseDouble(s) * mult);
    }
}
