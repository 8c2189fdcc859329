package dev.portcullis;

import dev.portcullis.config.HostPort;
import dev.portcullis.config.Settings;
import dev.portcullis.metrics.AdminServer;
import dev.portcullis.metrics.PortcullisMetrics;
import dev.portcullis.relay.Backend;
import dev.portcullis.relay.BackendPool;
import dev.portcullis.relay.Balance;
import dev.portcullis.relay.ProxyMode;
import dev.portcullis.relay.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One running proxy: metrics and the admin server, the backend pools, the nft rule, and the shards (ring +
 * engine + relay on one event loop each). {@link #stop} is the SIGTERM path.
 */
final class Portcullis {
    private static final Logger log = LoggerFactory.getLogger(Portcullis.class);
    /** A backend whose connect failed is tried again after this long even if no connect succeeded. */
    static final Duration BACKEND_RETRY = Duration.ofSeconds(5);

    static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message, null, false, false);
        }
    }

    private volatile Settings settings;
    private final PortcullisMetrics metrics = new PortcullisMetrics();
    /** Every backend ever configured, by "pool/host:port": a reload keeps their state and meters. */
    private final Map<String, Backend> known = new java.util.HashMap<>();
    private volatile Map<String, BackendPool> pools;
    private volatile Map<Integer, Route> routes;
    private final Shards shards;
    private AdminServer admin;
    private dev.portcullis.io.VipGuard nft;
    private volatile boolean stopping;

    private Portcullis(Settings settings) {
        this.settings = settings;
        this.pools = pools(settings, known);
        this.routes = routes(settings, pools);
        this.shards = new Shards(settings, routes, pools.values(), metrics);
    }

    static Portcullis start(Settings settings) throws StartFailure {
        Portcullis p = new Portcullis(settings);
        try {
            p.startAll();
            return p;
        } catch (StartFailure e) {
            p.stopQuietly();
            throw e;
        } catch (Exception e) {
            p.stopQuietly();
            throw new StartFailure(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private void startAll() throws Exception {
        if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/sys/class/net", settings.interfaceName()))) {
            throw new StartFailure("interface " + settings.interfaceName() + " does not exist in this network namespace"
                    + " (portcullis.interface; 'ip link' lists them)");
        }
        for (Backend b : known.values()) registerBackend(b);
        InetSocketAddress bind = new InetSocketAddress(settings.admin().bind(), settings.admin().port());
        try {
            admin = new AdminServer(bind, metrics, this::notReady);
        } catch (IOException e) {
            throw new StartFailure("admin server on " + bind + ": " + e.getMessage() + " (set portcullis.admin.port)");
        }
        log.info("admin server on http://{}:{}/metrics", settings.admin().bind().getHostAddress(), admin.port());
        if (settings.installNftRule()) {
            int[] ports = routes.keySet().stream().mapToInt(Integer::intValue).toArray();
            try {
                nft = dev.portcullis.io.VipGuard.install(settings.interfaceName(), settings.vips(), ports, java.util.List.of());
            } catch (IOException e) {
                throw new StartFailure("installing the nftables rule: " + e.getMessage().replace('\n', ' ')
                        + " (install nftables, or set portcullis.install-nft-rule = false and hide the ports yourself)");
            }
            log.info("nft rule installed: table netdev {}", nft.table());
        }
        shards.start();
        log.info("portcullis running: {} shard(s) on {}, VIPs {}, ports {}", settings.shards(), settings.interfaceName(),
                settings.vips().stream().map(java.net.InetAddress::getHostAddress).toList(), routes.keySet());
    }

    private void registerBackend(Backend b) {
        metrics.registerBackend(b.pool(), b.label(), b::connectFailures, b::resets, b::activeConnections, () -> !b.isMarkedDown());
    }

    /**
     * SIGHUP: re-reads {@code file}. A bad file, or a change to a key that cannot change while running, is logged
     * in one line and nothing changes; otherwise the new pools and routes go to every shard's loop (open
     * connections keep their backends) and the health checks restart over the new pools. Returns what it logged.
     */
    synchronized String reload(java.nio.file.Path file) {
        if (stopping) return "reload ignored: stopping";
        Settings next;
        try {
            next = Settings.load(file);
        } catch (dev.portcullis.config.ConfigError e) {
            return logged(false, "reload refused, keeping the running settings: " + e.getMessage());
        }
        String key = settings.notLiveChange(next);
        if (key != null) {
            return logged(false, "reload refused, keeping the running settings: " + key
                    + " cannot change while running (restart to apply it)");
        }
        Map<String, BackendPool> newPools;
        try {
            newPools = pools(next, known);
        } catch (RuntimeException e) {
            return logged(false, "reload refused, keeping the running settings: " + e.getMessage());
        }
        for (Backend b : known.values()) registerBackend(b); // new ones get meters; known ones are no-ops
        Map<Integer, Route> newRoutes = routes(next, newPools);
        shards.reload(newRoutes, newPools.values());
        settings = next;
        pools = newPools;
        routes = newRoutes;
        StringBuilder sb = new StringBuilder("reload applied:");
        for (BackendPool p : newPools.values()) {
            sb.append(' ').append(p.name()).append(" [");
            for (int i = 0; i < p.backends().size(); i++) {
                Backend b = p.backends().get(i);
                sb.append(i == 0 ? "" : ", ").append(b.label()).append(b.isDraining() ? " (drain)" : "");
            }
            sb.append(']');
        }
        return logged(true, sb.toString());
    }

    private static String logged(boolean ok, String line) {
        if (ok) log.info(line);
        else log.error(line);
        return line;
    }

    int adminPort() {
        return admin.port();
    }

    /** Null when ready: every shard publishing, and at least one backend up. */
    private String notReady() {
        if (stopping) return "shutting down";
        String s = shards.notRunning();
        if (s != null) return s;
        long now = System.nanoTime();
        for (BackendPool p : pools.values()) if (p.anyUp(now)) return null;
        return "no backend is up";
    }

    /**
     * SIGTERM: stop accepting, give open connections the grace period, reset those left, then remove the nft
     * rule, close the rings and the admin server.
     */
    void stop() {
        if (stopping) return;
        stopping = true;
        log.info("stopping: no new connections; {} to finish open ones", settings.shutdownGracePeriod());
        try {
            shards.stopAccepting();
            long deadline = System.nanoTime() + settings.shutdownGracePeriod().toNanos();
            int open;
            while ((open = shards.openSessions()) > 0 && System.nanoTime() - deadline < 0) Thread.sleep(100);
            if (open > 0) log.info("grace period over: resetting {} connection(s)", open);
            shards.abortAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("stopping the shards: {}", e.toString());
        }
        stopQuietly();
        log.info("stopped");
    }

    private void stopQuietly() {
        shards.close();
        if (nft != null) {
            try {
                nft.close();
            } catch (IOException e) {
                log.warn("removing the nft rule: {}", e.getMessage());
            }
            nft = null;
        }
        if (admin != null) admin.close();
        metrics.close();
    }

    /**
     * The pools of {@code s}, with the {@link Backend} objects of {@code known} where the pool and address match
     * (made and added there otherwise). Backends no pool names any more are retired; draining is set from the
     * pools' drain lists.
     */
    static Map<String, BackendPool> pools(Settings s, Map<String, Backend> known) {
        Map<String, BackendPool> out = new LinkedHashMap<>();
        Map<String, Backend> made = new java.util.HashMap<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Settings.Pool p : s.pools().values()) {
            List<Backend> list = new ArrayList<>();
            for (HostPort hp : p.backends()) {
                String key = p.name() + "/" + hp;
                if (!used.add(key)) continue; // the same address twice in one pool: one backend
                Backend b = known.get(key);
                if (b == null) b = made.computeIfAbsent(key, k -> new Backend(p.name(), socketAddress(hp)));
                list.add(b);
            }
            Balance balance = switch (p.balance()) {
                case ROUND_ROBIN -> Balance.ROUND_ROBIN;
                case LEAST_CONNECTIONS -> Balance.LEAST_CONNECTIONS;
                case SOURCE_HASH -> Balance.SOURCE_HASH;
            };
            Settings.HealthCheck h = p.healthCheck();
            dev.portcullis.relay.HealthCheck hc = new dev.portcullis.relay.HealthCheck(h.enabled(), h.interval(), h.timeout(), h.rise(), h.fall());
            out.put(p.name(), new BackendPool(p.name(), list, balance, p.connectTimeout(), BACKEND_RETRY, hc, p.sourceAddresses()));
        }
        // everything built without an error: now touch the shared state
        known.putAll(made);
        for (Map.Entry<String, Backend> e : known.entrySet()) e.getValue().retired(!used.contains(e.getKey()));
        for (Settings.Pool p : s.pools().values()) {
            for (HostPort hp : p.backends()) known.get(p.name() + "/" + hp).draining(p.drain().contains(hp));
        }
        return out;
    }

    /** Literals become resolved addresses without a lookup; names stay unresolved and are looked up per connect. */
    static InetSocketAddress socketAddress(HostPort hp) {
        String h = hp.host();
        boolean literal = h.indexOf(':') >= 0 || h.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        if (literal) {
            try {
                return new InetSocketAddress(InetAddress.getByName(h), hp.port()); // a literal: no DNS
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(hp + ": " + e.getMessage());
            }
        }
        return InetSocketAddress.createUnresolved(h, hp.port());
    }

    static Map<Integer, Route> routes(Settings s, Map<String, BackendPool> pools) {
        Map<Integer, Route> out = new LinkedHashMap<>();
        for (Settings.Listener l : s.listeners()) {
            ProxyMode mode = switch (l.proxyProtocol()) {
                case NONE -> ProxyMode.NONE;
                case V1 -> ProxyMode.V1;
                case V2 -> ProxyMode.V2;
            };
            out.put(l.port(), new Route(l.port(), pools.get(l.pool()), mode));
        }
        return out;
    }
}
