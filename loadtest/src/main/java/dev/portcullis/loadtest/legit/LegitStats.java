package dev.portcullis.loadtest.legit;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * What the legitimate clients saw: attempts, successes and failures by cause, and the connect latency (the time
 * from {@code connect()} to an established socket, the part a SYN flood hurts) of every connect that succeeded,
 * in microseconds. One instance per client thread, merged at the end, so recording takes no lock.
 */
public final class LegitStats {
    /** Connect latencies in µs: 1 µs .. 120 s, 3 significant digits. */
    final Histogram connectUs = new Histogram(1, 120_000_000L, 3);
    long attempts;
    long ok;
    long connectTimeout;
    long connectRefused;
    long connectOther;
    long ioError;
    long badReply;

    /** A request that completed with the expected reply; its connect took {@code connectNs}. */
    public void success(long connectNs) {
        attempts++;
        ok++;
        recordConnect(connectNs);
    }

    /** The connect succeeded but the exchange failed (reset, timeout, EOF early). */
    public void exchangeFailed(long connectNs, boolean badReply) {
        attempts++;
        if (badReply) this.badReply++;
        else ioError++;
        recordConnect(connectNs);
    }

    public void connectTimedOut() {
        attempts++;
        connectTimeout++;
    }

    public void connectRefused() {
        attempts++;
        connectRefused++;
    }

    public void connectFailed() {
        attempts++;
        connectOther++;
    }

    private void recordConnect(long connectNs) {
        long us = Math.max(1, Math.min(connectNs / 1000, connectUs.getHighestTrackableValue()));
        connectUs.recordValue(us);
    }

    public void add(LegitStats o) {
        connectUs.add(o.connectUs);
        attempts += o.attempts;
        ok += o.ok;
        connectTimeout += o.connectTimeout;
        connectRefused += o.connectRefused;
        connectOther += o.connectOther;
        ioError += o.ioError;
        badReply += o.badReply;
    }

    public long attempts() {
        return attempts;
    }

    public long ok() {
        return ok;
    }

    /** Successes over attempts, in percent; 0 when nothing was attempted. */
    public double successPercent() {
        return attempts == 0 ? 0 : 100.0 * ok / attempts;
    }

    /** A connect-latency percentile in milliseconds, or NaN when no connect succeeded. */
    public double connectMs(double percentile) {
        if (connectUs.getTotalCount() == 0) return Double.NaN;
        return connectUs.getValueAtPercentile(percentile) / 1000.0;
    }

    public String json(double seconds) {
        return String.format(Locale.ROOT,
                "{\"attempts\":%d,\"ok\":%d,\"success_pct\":%.3f,\"rps\":%.1f,\"seconds\":%.3f,"
                        + "\"connect_p50_ms\":%s,\"connect_p99_ms\":%s,\"connect_p999_ms\":%s,\"connect_max_ms\":%s,"
                        + "\"connect_timeout\":%d,\"connect_refused\":%d,\"connect_other\":%d,\"io_error\":%d,\"bad_reply\":%d}",
                attempts, ok, successPercent(), seconds > 0 ? ok / seconds : 0, seconds,
                num(connectMs(50)), num(connectMs(99)), num(connectMs(99.9)),
                num(connectUs.getTotalCount() == 0 ? Double.NaN : connectUs.getMaxValue() / 1000.0),
                connectTimeout, connectRefused, connectOther, ioError, badReply);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }
}
