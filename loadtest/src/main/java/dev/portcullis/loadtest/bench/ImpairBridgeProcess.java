package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Starts the impairment bridge in the middle namespace and reads its counters when it stops. */
final class ImpairBridgeProcess {
    private ImpairBridgeProcess() {
    }

    static Bg start(String java, String jar, Path logs, double loss, double reorder, double dup, double delayMs,
                    double jitterMs, long seed) throws IOException {
        Path log = logs.resolve("impair-bridge.log");
        Files.deleteIfExists(log);
        Bg b = Bg.start("impair-bridge", log, List.of("ip", "netns", "exec", Topology.MID, java,
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", jar,
                "dev.portcullis.loadtest.impair.ImpairBridge", "--a", Topology.M0, "--b", Topology.M1,
                "--loss", fmt(loss), "--reorder", fmt(reorder), "--duplicate", fmt(dup), "--delay-ms", fmt(delayMs),
                "--jitter-ms", fmt(jitterMs), "--seed", Long.toString(seed)));
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() - end < 0) {
            if (Files.exists(log) && Files.readString(log).contains("READY")) return b;
            if (!b.alive()) break;
            BenchRun.sleep(50);
        }
        String tail = b.logTail(5);
        b.stop();
        throw new IOException("impairment bridge did not start: " + tail);
    }

    /** Stops the bridge (SIGTERM: it prints its counters) and returns them, or a note when there are none. */
    static Object stopAndCount(Bg b) {
        b.stop();
        try {
            for (String line : Files.readAllLines(b.log)) {
                if (line.startsWith("RESULT ")) return Json.parse(line.substring(7));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of("error", String.valueOf(e.getMessage()));
        }
        return Map.of("error", "no counters in " + b.log);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
