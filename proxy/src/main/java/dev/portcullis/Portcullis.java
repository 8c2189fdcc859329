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

    private final Settings settings;
    private final PortcullisMetrics metrics = new PortcullisMetrics();
    private final Map<String, BackendPool> pools;
    private final Map<Integer, Route> routes;
    private final Shards shards;
    private AdminServer admin;
    private NftRule nft;
    private volatile boolean stopping;

    private Portcullis(Settings settings) {
        this.settings = settings;
        this.pools = pools(settings);
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
        for (BackendPool pool : pools.values()) {
            for (Backend b : pool.backends()) {
                metrics.registerBackend(pool.name(), b.label(), b::connectFailures, b::resets, b::activeConnections, () -> !b.isMarkedDown());
            }
        }
        InetSocketAddress bind = new InetSocketAddress(settings.admin().bind(), settings.admin().port());
        try {
            admin = new AdminServer(bind, metrics, this::notReady);
        } catch (IOException e) {
            throw new StartFailure("admin server on " + bind + ": " + e.getMessage() + " (set portcullis.admin.port)");
        }
        log.info("admin server on http://{}:{}/metrics", settings.admin().bind().getHostAddress(), admin.port());
        if (settings.installNftRule()) {
            nft = new NftRule(settings.interfaceName(), settings.vips(), new ArrayList<>(routes.keySet()));
            nft.install();
            log.info("nft rule installed: table netdev {}", nft.table());
        }
        shards.start();
        log.info("portcullis running: {} shard(s) on {}, VIPs {}, ports {}", settings.shards(), settings.interfaceName(),
                settings.vips().stream().map(java.net.InetAddress::getHostAddress).toList(), routes.keySet());
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
                nft.remove();
            } catch (IOException e) {
                log.warn("removing the nft rule: {}", e.getMessage());
            }
            nft = null;
        }
        if (admin != null) admin.close();
        metrics.close();
    }

    static Map<String, BackendPool> pools(Settings s) {
        Map<String, BackendPool> out = new LinkedHashMap<>();
        for (Settings.Pool p : s.pools().values()) {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (HostPort hp : p.backends()) addresses.add(socketAddress(hp));
            Balance balance = switch (p.balance()) {
                case ROUND_ROBIN -> Balance.ROUND_ROBIN;
                case LEAST_CONNECTIONS -> Balance.LEAST_CONNECTIONS;
                case SOURCE_HASH -> Balance.SOURCE_HASH;
            };
            out.put(p.name(), new BackendPool(p.name(), addresses, balance, p.connectTimeout(), BACKEND_RETRY));
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
