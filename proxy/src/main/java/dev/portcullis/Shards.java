package dev.portcullis;

import dev.portcullis.config.Settings;
import dev.portcullis.metrics.PortcullisMetrics;
import dev.portcullis.relay.Route;

import java.util.Map;

/** The shards of one process. Not wired yet: the TCP engine (branch engine) is not merged into this build. */
final class Shards {
    Shards(Settings settings, Map<Integer, Route> routes, PortcullisMetrics metrics) {}

    void start() throws Portcullis.StartFailure {
        throw new Portcullis.StartFailure("this build has no TCP engine yet (shards not wired)");
    }

    String notRunning() { return "no shards"; }
    void stopAccepting() {}
    int openSessions() { return 0; }
    void abortAll() {}
    void close() {}
}
