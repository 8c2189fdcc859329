package dev.portcullis.metrics;

import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * What the admin page shows, as JSON ({@code GET /api/stats}): a history of per-second rates (SYNs, cookies,
 * valid final ACKs, guard drops) and levels (established connections, relayed sessions), sampled once a second
 * from the shards' published snapshots, so the first request already has a chart's worth; the heavy hitters of
 * all shards; the backends. Runs on the admin server's threads, never on a shard.
 */
final class AdminStats {
    /** Seconds of history kept and sent. */
    static final int HISTORY = 120;
    /** Series in the history, in this order in {@link #json}. */
    static final String[] RATE_SERIES = {"syn_rate", "cookie_rate", "ack_valid_rate", "guard_drop_rate"};
    static final String[] LEVEL_SERIES = {"established", "relay_sessions"};

    record BackendInfo(String pool, String backend, BooleanSupplier up, IntSupplier active, LongSupplier connectFailures) {}

    private final PortcullisMetrics metrics;
    /** Ring of samples: time (ms since the epoch) and the totals of each series. */
    private final long[] timeMs = new long[HISTORY + 1];
    private final long[][] totals = new long[RATE_SERIES.length + LEVEL_SERIES.length][HISTORY + 1];
    private int next, count;

    AdminStats(PortcullisMetrics metrics) {
        this.metrics = metrics;
    }

    /** Takes one sample of the shards' published totals (call once a second). */
    synchronized void sample(long nowMs) {
        long[] t = sums(metrics.shards());
        timeMs[next] = nowMs;
        for (int i = 0; i < t.length; i++) totals[i][next] = t[i];
        next = (next + 1) % timeMs.length;
        count = Math.min(count + 1, timeMs.length);
    }

    private static long[] sums(List<ShardPublisher> shards) {
        long[] t = new long[RATE_SERIES.length + LEVEL_SERIES.length];
        for (ShardPublisher p : shards) {
            ShardSnapshot s = p.current();
            t[0] += s.synsReceived + s.guardDenied + s.guardRateLimited + s.guardPrefixRateLimited; // every SYN seen
            t[1] += s.cookiesSent;
            t[2] += s.acksValid;
            t[3] += s.guardDenied + s.guardRateLimited + s.guardPrefixRateLimited;
            t[4] += s.established;
            t[5] += s.relaySessions;
        }
        return t;
    }

    synchronized String json(long nowMs, String notReady) {
        List<ShardPublisher> shards = metrics.shards();
        List<ShardSnapshot> snaps = shards.stream().map(ShardPublisher::current).toList();
        StringBuilder b = new StringBuilder(8192);
        b.append("{\"now_ms\":").append(nowMs);
        b.append(",\"ready\":").append(notReady == null);
        if (notReady != null) b.append(",\"not_ready\":").append(str(notReady));
        b.append(",\"shards\":").append(shards.size());
        long[] now = sums(shards);
        ShardSnapshot sum = new ShardSnapshot(new String[0], new String[0]);
        long acksInvalid = 0;
        for (ShardSnapshot s : snaps) {
            sum.synsReceived += s.synsReceived; sum.cookiesSent += s.cookiesSent; sum.acksValid += s.acksValid;
            sum.established += s.established; sum.relaySessions += s.relaySessions; sum.relayAccepted += s.relayAccepted;
            sum.guardChecked += s.guardChecked; sum.guardAllowListed += s.guardAllowListed; sum.guardDenied += s.guardDenied;
            sum.guardRateLimited += s.guardRateLimited; sum.guardPrefixRateLimited += s.guardPrefixRateLimited;
            sum.guardMemoryBytes += s.guardMemoryBytes; sum.ringFrames += s.ringFrames; sum.ringDrops += s.ringDrops;
            for (long a : s.acksInvalid) acksInvalid += a;
        }
        b.append(",\"totals\":{");
        field(b, "syns_received", sum.synsReceived, true);
        field(b, "cookies_sent", sum.cookiesSent, false);
        field(b, "acks_valid", sum.acksValid, false);
        field(b, "acks_invalid", acksInvalid, false);
        field(b, "established", sum.established, false);
        field(b, "relay_sessions", sum.relaySessions, false);
        field(b, "relay_accepted", sum.relayAccepted, false);
        field(b, "guard_checked", sum.guardChecked, false);
        field(b, "guard_allow_listed", sum.guardAllowListed, false);
        field(b, "guard_denied", sum.guardDenied, false);
        field(b, "guard_rate_limited", sum.guardRateLimited, false);
        field(b, "guard_prefix_rate_limited", sum.guardPrefixRateLimited, false);
        field(b, "guard_memory_bytes", sum.guardMemoryBytes, false);
        field(b, "ring_frames", sum.ringFrames, false);
        field(b, "ring_drops", sum.ringDrops, false);
        b.append('}');
        // history: per-second rates from consecutive samples, levels as sampled; oldest first
        b.append(",\"series\":{\"t_ms\":[");
        int first = (next - count + timeMs.length) % timeMs.length;
        for (int k = 1; k < count; k++) {
            if (k > 1) b.append(',');
            b.append(timeMs[(first + k) % timeMs.length]);
        }
        b.append(']');
        for (int i = 0; i < RATE_SERIES.length + LEVEL_SERIES.length; i++) {
            boolean rate = i < RATE_SERIES.length;
            b.append(",\"").append(rate ? RATE_SERIES[i] : LEVEL_SERIES[i - RATE_SERIES.length]).append("\":[");
            for (int k = 1; k < count; k++) {
                int at = (first + k) % timeMs.length, before = (first + k - 1) % timeMs.length;
                if (k > 1) b.append(',');
                if (rate) {
                    long dt = Math.max(1, timeMs[at] - timeMs[before]);
                    b.append(Math.max(0, (totals[i][at] - totals[i][before]) * 1000 / dt));
                } else {
                    b.append(totals[i][at]);
                }
            }
            b.append(']');
        }
        b.append('}');
        b.append(",\"current\":{");
        field(b, "established", now[4], true);
        field(b, "relay_sessions", now[5], false);
        b.append('}');
        rows(b, "heavy_sources", HeavyHitterView.top(snaps, false, ShardSnapshot.TOP));
        rows(b, "heavy_prefixes", HeavyHitterView.top(snaps, true, ShardSnapshot.TOP));
        b.append(",\"backends\":[");
        boolean firstBackend = true;
        for (BackendInfo bi : metrics.backends()) {
            if (!firstBackend) b.append(',');
            firstBackend = false;
            b.append("{\"pool\":").append(str(bi.pool())).append(",\"backend\":").append(str(bi.backend()))
                    .append(",\"up\":").append(bi.up().getAsBoolean())
                    .append(",\"active\":").append(bi.active().getAsInt())
                    .append(",\"connect_failures\":").append(bi.connectFailures().getAsLong()).append('}');
        }
        b.append("]}");
        return b.toString();
    }

    private static void rows(StringBuilder b, String name, List<HeavyHitterView.Row> rows) {
        b.append(",\"").append(name).append("\":[");
        for (int i = 0; i < rows.size(); i++) {
            HeavyHitterView.Row r = rows.get(i);
            if (i > 0) b.append(',');
            b.append("{\"rank\":").append(r.rank()).append(",\"key\":").append(str(r.key()))
                    .append(",\"rate\":").append(r.rate()).append(",\"error\":").append(r.error()).append('}');
        }
        b.append(']');
    }

    private static void field(StringBuilder b, String name, long v, boolean first) {
        if (!first) b.append(',');
        b.append('"').append(name).append("\":").append(v);
    }

    /** A JSON string literal (RFC 8259 §7). */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
