package dev.portcullis.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import dev.portcullis.guard.Cidr;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of one Portcullis process, typed, validated and immutable; built eagerly by {@link #load(Path)}
 * from the user's HOCON file over {@code reference.conf} (which documents every key and its default). A mistake
 * is reported as one {@link ConfigError} line.
 */
public final class Settings {
    public enum VipMode { OWNED, SHARED }
    public enum CookieMode { ALWAYS, ON_OVERFLOW }
    public enum Balance { ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_HASH }
    public enum ProxyProtocol { NONE, V1, V2 }

    public record Listener(int port, String pool, int backlog, ProxyProtocol proxyProtocol) {}

    /** pools.X.health-check: TCP connect checks every interval; down after fall failures, up after rise successes. */
    public record HealthCheck(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {}

    /**
     * One backend pool. {@code drain}: backends (a subset of {@code backends}) that take no new connections while
     * their open ones continue. {@code sourceAddresses}: local addresses the backend connects bind in turn.
     */
    public record Pool(String name, List<HostPort> backends, Balance balance, Duration connectTimeout,
                       HealthCheck healthCheck, List<InetAddress> sourceAddresses, List<HostPort> drain) {
        public Pool {
            backends = List.copyOf(backends);
            sourceAddresses = List.copyOf(sourceAddresses);
            drain = List.copyOf(drain);
        }

        public Pool(String name, List<HostPort> backends, Balance balance, Duration connectTimeout) {
            this(name, backends, balance, connectTimeout, new HealthCheck(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3), List.of(), List.of());
        }
    }

    /** {@code secret} is copied in and out; {@code secretGenerated} says no secret was configured. */
    public record Cookies(CookieMode mode, int synQueueSize, int synackRetries, byte[] secret, boolean secretGenerated) {
        public Cookies {
            secret = secret.clone();
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public String toString() {
            return "Cookies[mode=" + mode + ", synQueueSize=" + synQueueSize + ", synackRetries=" + synackRetries
                    + ", secret=(" + secret.length + " bytes" + (secretGenerated ? ", random" : "") + ")]";
        }
    }

    public record Tcp(Duration msl, Duration delayedAck, int receiveBuffer, int sendBuffer, long memoryBudget,
                      int maxConnections, Duration idleTimeout, Duration zeroWindowTimeout, int rstRate,
                      int challengeAckLimit, int challengeAckGlobalLimit, boolean bbr) {}

    /**
     * The TPACKET_V3 ring (block size and count, retire timeout), the TPACKET_V2 small-frame ring beside it (slot
     * size and count; a count of 0: no small ring, every frame waits for a V3 block to retire), the overload
     * rule over the rings' queue ({@code shedSynsAfter} zero: never shed), and the TX path.
     *
     * @param txRing      send plain frames through a TPACKET_V2 TX ring (qdisc bypassed) instead of sendmmsg
     * @param offloads    send new data as offloaded frames through a PACKET_VNET_HDR TX ring (falls back to MTU
     *                    frames when the kernel refuses it)
     * @param gsoMaxBytes payload bytes of one offloaded frame of new data at most (0: MTU frames only)
     */
    public record Ring(int blockSize, int blockCount, Duration retireTimeout, int smallFrameSize,
                       int smallFrameCount, int smallFrameMax, Duration shedSynsAfter, Duration provenSourcesFor,
                       boolean txRing, boolean offloads, int gsoMaxBytes) {}

    public record Admin(InetAddress bind, int port) {}

    /**
     * portcullis.guard: SYN admission before a cookie is made. Rates and bursts are for the whole process (the
     * shards share them out); 0 turns a limit off; a burst of 0 means one second of the rate.
     */
    public record Guard(int sourceRate, int sourceBurst, int prefixRate, int prefixBurst, List<Cidr> allow,
                        List<Cidr> deny, int sketchWidth, int sketchDepth, int heavyHitters) {
        public Guard {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
        }
    }

    static final String NS = "portcullis";
    private static final Set<String> LISTENER_KEYS = Set.of("port", "pool", "backlog", "proxy-protocol");
    private static final Set<String> POOL_KEYS = Set.of("backends", "balance", "connect-timeout", "health-check",
            "source-addresses", "drain");
    private static final Set<String> HEALTH_CHECK_KEYS = Set.of("enabled", "interval", "timeout", "rise", "fall");

    private final String interfaceName;
    private final List<InetAddress> vips;
    private final VipMode vipMode;
    private final long gatewayMac;
    private final List<Listener> listeners;
    private final Map<String, Pool> pools;
    private final Cookies cookies;
    private final Tcp tcp;
    private final int shards;
    private final Ring ring;
    private final Admin admin;
    private final Guard guard;
    private final boolean installNftRule;
    private final Duration shutdownGracePeriod;

    /** Reads FILE over the reference defaults; throws {@link ConfigError} (one line) on any mistake. */
    public static Settings load(Path file) {
        if (!Files.isReadable(file)) {
            throw new ConfigError(file.toString(), "config file " + file + ": cannot be read (missing or no permission)");
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError(file.toString(), "config file " + file + ": " + oneLine(e.getMessage()));
        }
        return from(user);
    }

    /** The same from a parsed (unresolved) config, e.g. {@code ConfigFactory.parseString} in tests. */
    public static Settings from(Config user) {
        Config merged;
        try {
            merged = user.withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(NS, "config: " + oneLine(e.getMessage()));
        }
        Config reference = ConfigFactory.defaultReference();
        try {
            merged.checkValid(reference, NS);
        } catch (ConfigException.ValidationFailed e) {
            ConfigException.ValidationProblem p = e.problems().iterator().next();
            String path = p.path();
            ConfigValue v = merged.hasPathOrNull(path) ? merged.getValue(path) : null;
            ConfigValue ref = reference.hasPathOrNull(path) ? reference.getValue(path) : null;
            String expected = ref == null ? "a value" : switch (ref.valueType()) {
                case OBJECT -> "an object { ... }";
                case LIST -> "a list [ ... ]";
                case NUMBER -> "a number";
                case BOOLEAN -> "true or false";
                default -> "a " + ref.valueType().name().toLowerCase();
            };
            throw Reader.error(path, v == null ? "(missing)" : Reader.render(v), expected, p.origin());
        }
        rejectUnknownKeys(merged, reference);
        return new Settings(merged);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ");
    }

    /** checkValid ignores extra keys; a misspelt key must not be silently ignored, so look for them here. */
    private static void rejectUnknownKeys(Config merged, Config reference) {
        for (Map.Entry<String, ConfigValue> e : merged.getConfig(NS).entrySet()) {
            String path = NS + "." + e.getKey();
            List<String> parts = com.typesafe.config.ConfigUtil.splitPath(path);
            if (parts.size() >= 3 && parts.get(1).equals("pools")) {
                if (parts.size() == 4 && POOL_KEYS.contains(parts.get(3)) && !parts.get(3).equals("health-check")) continue;
                if (parts.size() == 5 && parts.get(3).equals("health-check")) {
                    if (HEALTH_CHECK_KEYS.contains(parts.get(4))) continue;
                    throw Reader.error(path, Reader.render(e.getValue()), "one of the health-check keys "
                            + String.join(", ", new java.util.TreeSet<>(HEALTH_CHECK_KEYS)) + " (unknown key)", e.getValue().origin());
                }
                String expected = parts.size() == 3
                        ? "an object { backends = [...], balance = ..., connect-timeout = ... }"
                        : "one of the pool keys " + String.join(", ", new java.util.TreeSet<>(POOL_KEYS)) + " (unknown key)";
                throw Reader.error(path, Reader.render(e.getValue()), expected, e.getValue().origin());
            }
            if (!reference.hasPathOrNull(path)) {
                throw Reader.error(path, Reader.render(e.getValue()), "no such key: see reference.conf for the keys under portcullis", e.getValue().origin());
            }
        }
    }

    private Settings(Config merged) {
        Reader r = new Reader(merged.getConfig(NS), NS + ".");
        Config c = merged.getConfig(NS);

        interfaceName = r.string("interface", "an interface name such as \"eth0\"");
        if (interfaceName.isEmpty() || interfaceName.length() > 15 || interfaceName.contains("/") || interfaceName.contains(" ")) {
            throw r.error("interface", "an interface name of 1..15 characters without '/' or spaces, such as \"eth0\"");
        }

        List<InetAddress> vipList = new ArrayList<>();
        List<? extends ConfigValue> vipValues = listOf(r, c, "vips", "a list of IPv4/IPv6 literals such as [\"192.0.2.10\"]");
        for (int i = 0; i < vipValues.size(); i++) {
            ConfigValue v = vipValues.get(i);
            InetAddress a = v.valueType() == ConfigValueType.STRING ? Addresses.ipLiteral((String) v.unwrapped()) : null;
            if (a == null) throw Reader.error(NS + ".vips[" + i + "]", Reader.render(v), "an IPv4 or IPv6 address literal such as \"192.0.2.10\" or \"2001:db8::10\"", v.origin());
            if (vipList.contains(a)) throw Reader.error(NS + ".vips[" + i + "]", Reader.render(v), "each VIP once (duplicate)", v.origin());
            vipList.add(a);
        }
        if (vipList.isEmpty()) throw r.error("vips", "at least one VIP, such as [\"192.0.2.10\"]");
        vips = List.copyOf(vipList);
        vipMode = r.enumOf("vip-mode", VipMode.class);

        if (r.isNull("gateway-mac")) {
            gatewayMac = 0;
        } else {
            gatewayMac = Addresses.mac(r.string("gateway-mac", "a MAC address such as \"02:00:00:00:00:01\""));
            if (gatewayMac <= 0) throw r.error("gateway-mac", "a unicast MAC address such as \"02:00:00:00:00:01\"");
            if ((gatewayMac & 0x0100_0000_0000L) != 0) throw r.error("gateway-mac", "a unicast MAC (the group bit of the first byte clear)");
        }

        pools = Collections.unmodifiableMap(readPools(r, c));
        listeners = readListeners(r, c);

        CookieMode mode = r.enumOf("cookies.mode", CookieMode.class);
        int synQueue = r.intIn("cookies.syn-queue-size", 1, 1 << 24, "a SYN-queue size from 1 to 16777216");
        int retries = r.intIn("cookies.synack-retries", 0, 10, "a retry count from 0 to 10");
        byte[] secret;
        boolean generated = false;
        if (!r.isNull("cookies.secret")) {
            secret = Secrets.decode(r, "cookies.secret", r.string("cookies.secret", "a secret in hex or base64"));
        } else if (!r.isNull("cookies.secret-file")) {
            String f = r.string("cookies.secret-file", "a file path");
            String text;
            try {
                text = Files.readString(Path.of(f));
            } catch (Exception e) {
                throw r.error("cookies.secret-file", "a readable file holding the secret (" + e.getClass().getSimpleName() + ")");
            }
            secret = Secrets.decode(r, "cookies.secret-file", text.strip());
        } else {
            secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            generated = true;
        }
        cookies = new Cookies(mode, synQueue, retries, secret, generated);

        Duration msl = r.duration("tcp.msl", Duration.ofMillis(1), Duration.ofMinutes(5));
        Duration delayedAck = r.duration("tcp.delayed-ack", Duration.ZERO, Duration.ofMillis(500));
        int rcv = (int) r.bytes("tcp.receive-buffer", 4096, 1L << 30);
        int snd = (int) r.bytes("tcp.send-buffer", 4096, 1L << 30);
        long budget = r.bytes("tcp.memory-budget", 64 * 1024, Long.MAX_VALUE);
        int maxConn = r.intIn("tcp.max-connections", 1, 1 << 26, "a connection count from 1 to 67108864");
        Duration idle = r.duration("tcp.idle-timeout", Duration.ofSeconds(1), Duration.ofDays(7));
        Duration zeroWin = r.duration("tcp.zero-window-timeout", Duration.ofSeconds(1), Duration.ofDays(1));
        int rstRate = r.intIn("tcp.rst-rate", 0, 10_000_000, "RSTs per second from 0 to 10000000");
        int ca = r.intIn("tcp.challenge-ack-limit", 0, 1_000_000, "challenge ACKs per connection per second from 0 to 1000000");
        int caGlobal = r.intIn("tcp.challenge-ack-global-limit", 0, 10_000_000, "challenge ACKs per second from 0 to 10000000");
        String cc = r.string("tcp.congestion-control", "cubic or bbr");
        if (!cc.equals("cubic") && !cc.equals("bbr")) throw r.error("tcp.congestion-control", "cubic or bbr");
        tcp = new Tcp(msl, delayedAck, rcv, snd, budget, maxConn, idle, zeroWin, rstRate, ca, caGlobal, cc.equals("bbr"));

        int s = r.intIn("shards", 0, 1024, "a shard count from 1 to 1024, or 0 for one per core");
        shards = s == 0 ? Runtime.getRuntime().availableProcessors() : s;

        long blockSize = r.bytes("ring.block-size", 128 * 1024, 1L << 30);
        if (Long.bitCount(blockSize) != 1) throw r.error("ring.block-size", "a power of two of at least 128K, such as 1M");
        int blockCount = r.intIn("ring.block-count", 2, 65536, "a block count from 2 to 65536");
        Duration retire = r.duration("ring.retire-timeout", Duration.ofMillis(1), Duration.ofSeconds(1));
        Duration shedAfter = r.duration("ring.shed-syns-after", Duration.ZERO, Duration.ofSeconds(10));
        Duration provenFor = r.duration("ring.proven-sources-for", Duration.ZERO, Duration.ofDays(1));
        long smallSize = r.bytes("ring.small-frame-size", 256, 65536);
        if (Long.bitCount(smallSize) != 1) throw r.error("ring.small-frame-size", "a power of two from 256 to 64K, such as 2K");
        int smallCount = r.intIn("ring.small-frame-count", 0, 1 << 20, "a slot count from 16 to 1048576, or 0 for no small-frame ring");
        int perPage = (int) Math.max(1, 4096 / smallSize);
        if (smallCount != 0 && (smallCount < 16 || smallCount % perPage != 0)) {
            throw r.error("ring.small-frame-count", "0 or a slot count from 16 to 1048576 that is a multiple of " + perPage);
        }
        long smallMax = r.bytes("ring.small-frame-max", 60, 65536);
        if (smallMax > smallSize - 128) {
            throw r.error("ring.small-frame-max", "at most small-frame-size - 128 = " + (smallSize - 128) + " bytes (the slot's headroom)");
        }
        boolean txRing = r.bool("ring.tx-ring");
        boolean offloads = r.bool("ring.offloads");
        int gsoMax = (int) r.bytes("ring.gso-max-bytes", 0, 65535);
        ring = new Ring((int) blockSize, blockCount, retire, (int) smallSize, smallCount, (int) smallMax,
                shedAfter, provenFor, txRing, offloads, gsoMax);

        int adminPort = r.intIn("admin.port", 0, 65535, "a port from 0 to 65535 (0 picks a free one)");
        InetAddress bind = Addresses.ipLiteral(r.string("admin.bind", "an IP address literal"));
        if (bind == null) throw r.error("admin.bind", "an IPv4 or IPv6 address literal such as \"127.0.0.1\" or \"0.0.0.0\"");
        admin = new Admin(bind, adminPort);
        for (Listener l : listeners) {
            // The admin server binds a kernel socket; a VIP port equal to it would be hidden by the nft rule anyway.
            if (adminPort != 0 && l.port() == adminPort && vipMode == VipMode.SHARED) {
                throw r.error("admin.port", "a port other than the listener port " + l.port() + " (shared VIP)");
            }
        }

        guard = readGuard(r, c);
        installNftRule = r.bool("install-nft-rule");
        shutdownGracePeriod = r.duration("shutdown.grace-period", Duration.ZERO, Duration.ofHours(1));
    }

    private static List<? extends ConfigValue> listOf(Reader r, Config c, String path, String expected) {
        try {
            return c.getList(path);
        } catch (ConfigException e) {
            throw r.error(path, expected);
        }
    }

    private static Guard readGuard(Reader r, Config c) {
        int rate = r.intIn("guard.per-source-syn-rate", 0, 100_000_000, "SYNs per second per source from 0 (off) to 100000000");
        int burst = r.intIn("guard.burst", 0, 100_000_000, "a burst of SYNs from 0 (one second of the rate) to 100000000");
        int prate = r.intIn("guard.per-prefix-syn-rate", 0, 100_000_000, "SYNs per second per /24 or /48 from 0 (off) to 100000000");
        int pburst = r.intIn("guard.prefix-burst", 0, 100_000_000, "a burst of SYNs from 0 (one second of the rate) to 100000000");
        List<Cidr> allow = cidrs(r, c, "guard.allow"), deny = cidrs(r, c, "guard.deny");
        int width = r.intIn("guard.sketch-width", 16, 1 << 24, "a power of two from 16 to 16777216");
        if (Integer.bitCount(width) != 1) throw r.error("guard.sketch-width", "a power of two from 16 to 16777216, such as 65536");
        int depth = r.intIn("guard.sketch-depth", 1, 16, "a row count from 1 to 16");
        int k = r.intIn("guard.heavy-hitters", 0, 65536, "0 (off) or a counter count from 10 to 65536");
        if (k > 0 && k < 10) throw r.error("guard.heavy-hitters", "0 (off) or a counter count from 10 to 65536");
        return new Guard(rate, burst == 0 ? rate : burst, prate, pburst == 0 ? prate : pburst, allow, deny, width, depth, k);
    }

    private static List<Cidr> cidrs(Reader r, Config c, String path) {
        List<? extends ConfigValue> values = listOf(r, c, path, "a list of CIDR blocks such as [\"192.0.2.0/24\", \"2001:db8::/32\"]");
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            ConfigValue v = values.get(i);
            Cidr cidr = v.valueType() == ConfigValueType.STRING ? Cidr.parse((String) v.unwrapped()) : null;
            if (cidr == null) throw Reader.error(NS + "." + path + "[" + i + "]", Reader.render(v),
                    "a CIDR block such as \"192.0.2.0/24\" or \"2001:db8::/32\" (no host bits past the prefix) or one address", v.origin());
            out.add(cidr);
        }
        return out;
    }

    private static Map<String, Pool> readPools(Reader r, Config c) {
        ConfigObject obj;
        try {
            obj = c.getObject("pools");
        } catch (ConfigException e) {
            throw r.error("pools", "an object of named pools { web { backends = [\"10.0.0.5:8080\"] } }");
        }
        Map<String, Pool> out = new LinkedHashMap<>();
        Config defaults = c.getConfig("pool-defaults");
        for (String name : new java.util.TreeSet<>(obj.keySet())) {
            ConfigValue v = obj.get(name);
            String key = "pools." + com.typesafe.config.ConfigUtil.quoteString(name).replaceAll("^\"([A-Za-z0-9_-]+)\"$", "$1");
            if (!(v instanceof ConfigObject po)) {
                throw Reader.error(NS + "." + key, Reader.render(v), "an object { backends = [...] }", v.origin());
            }
            Reader pr = new Reader(po.toConfig().withFallback(defaults), NS + "." + key + ".");
            Config pc = po.toConfig();
            if (!pc.hasPath("backends")) throw pr.error("backends", "a list of \"host:port\" backends (required)");
            List<? extends ConfigValue> list = listOf(pr, pc, "backends", "a list of \"host:port\" strings");
            List<HostPort> backends = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                ConfigValue b = list.get(i);
                HostPort hp = b.valueType() == ConfigValueType.STRING ? Addresses.hostPort((String) b.unwrapped()) : null;
                if (hp == null) throw Reader.error(NS + "." + key + ".backends[" + i + "]", Reader.render(b),
                        "\"host:port\" with a port 1..65535, such as \"10.0.0.5:8080\" or \"[2001:db8::5]:8080\"", b.origin());
                backends.add(hp);
            }
            if (backends.isEmpty()) throw pr.error("backends", "at least one \"host:port\" backend");
            Balance balance = pr.enumOf("balance", Balance.class);
            Duration ct = pr.duration("connect-timeout", Duration.ofMillis(1), Duration.ofMinutes(10));
            HealthCheck hc = new HealthCheck(pr.bool("health-check.enabled"),
                    pr.duration("health-check.interval", Duration.ofMillis(10), Duration.ofHours(1)),
                    pr.duration("health-check.timeout", Duration.ofMillis(1), Duration.ofMinutes(10)),
                    pr.intIn("health-check.rise", 1, 1000, "a count of checks from 1 to 1000"),
                    pr.intIn("health-check.fall", 1, 1000, "a count of checks from 1 to 1000"));
            List<InetAddress> sources = new ArrayList<>();
            List<? extends ConfigValue> sl = listOf(pr, pr.config(), "source-addresses", "a list of IP address literals such as [\"10.0.0.5\"]");
            for (int i = 0; i < sl.size(); i++) {
                ConfigValue sv = sl.get(i);
                InetAddress a = sv.valueType() == ConfigValueType.STRING ? Addresses.ipLiteral((String) sv.unwrapped()) : null;
                if (a == null) throw Reader.error(NS + "." + key + ".source-addresses[" + i + "]", Reader.render(sv),
                        "an IPv4 or IPv6 address literal of this host, such as \"10.0.0.5\"", sv.origin());
                if (sources.contains(a)) throw Reader.error(NS + "." + key + ".source-addresses[" + i + "]", Reader.render(sv),
                        "each source address once (duplicate)", sv.origin());
                sources.add(a);
            }
            List<HostPort> drain = new ArrayList<>();
            List<? extends ConfigValue> dl = listOf(pr, pr.config(), "drain", "a list of \"host:port\" backends of this pool");
            for (int i = 0; i < dl.size(); i++) {
                ConfigValue dv = dl.get(i);
                HostPort hp = dv.valueType() == ConfigValueType.STRING ? Addresses.hostPort((String) dv.unwrapped()) : null;
                if (hp == null || !backends.contains(hp)) throw Reader.error(NS + "." + key + ".drain[" + i + "]", Reader.render(dv),
                        "one of this pool's backends as written in backends (" + backends + ")", dv.origin());
                drain.add(hp);
            }
            out.put(name, new Pool(name, backends, balance, ct, hc, sources, drain));
        }
        if (out.isEmpty()) throw r.error("pools", "at least one pool, such as pools { web { backends = [\"10.0.0.5:8080\"] } }");
        return out;
    }

    private List<Listener> readListeners(Reader r, Config c) {
        List<? extends ConfigValue> list = listOf(r, c, "listeners", "a list of { port = 80, pool = \"web\" }");
        Config defaults = c.getConfig("listener-defaults");
        List<Listener> out = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String key = NS + ".listeners[" + i + "]";
            if (!(v instanceof ConfigObject lo)) throw Reader.error(key, Reader.render(v), "an object { port = 80, pool = \"web\" }", v.origin());
            for (String k : lo.keySet()) {
                if (!LISTENER_KEYS.contains(k)) throw Reader.error(key + "." + k, Reader.render(lo.get(k)),
                        "one of the listener keys backlog, pool, port, proxy-protocol (unknown key)", lo.get(k).origin());
            }
            Reader lr = new Reader(lo.toConfig().withFallback(defaults), key + ".");
            if (!lo.containsKey("port")) throw Reader.error(key + ".port", "(missing)", "a port 1..65535", v.origin());
            if (!lo.containsKey("pool")) throw Reader.error(key + ".pool", "(missing)", "the name of a pool", v.origin());
            int port = lr.intIn("port", 1, 65535, "a port from 1 to 65535");
            if (!ports.add(port)) throw lr.error("port", "each listener port once (duplicate)");
            String pool = lr.string("pool", "the name of a pool");
            if (!pools.containsKey(pool)) throw lr.error("pool", "the name of a pool defined under portcullis.pools (known: " + String.join(", ", pools.keySet()) + ")");
            int backlog = lr.intIn("backlog", 1, 1 << 20, "a backlog from 1 to 1048576");
            ProxyProtocol pp = lr.enumOf("proxy-protocol", ProxyProtocol.class);
            out.add(new Listener(port, pool, backlog, pp));
        }
        if (out.isEmpty()) throw r.error("listeners", "at least one listener, such as [{ port = 80, pool = \"web\" }]");
        return List.copyOf(out);
    }

    public String interfaceName() { return interfaceName; }
    public List<InetAddress> vips() { return vips; }
    public VipMode vipMode() { return vipMode; }
    /** 48-bit MAC of the next hop, or 0 to reply to each frame's source MAC. */
    public long gatewayMac() { return gatewayMac; }
    public List<Listener> listeners() { return listeners; }
    public Map<String, Pool> pools() { return pools; }
    public Cookies cookies() { return cookies; }
    public Tcp tcp() { return tcp; }
    /** Resolved: never 0. */
    public int shards() { return shards; }
    public Ring ring() { return ring; }
    public Admin admin() { return admin; }
    public Guard guard() { return guard; }
    public boolean installNftRule() { return installNftRule; }
    public Duration shutdownGracePeriod() { return shutdownGracePeriod; }

    /**
     * For a reload: the first key that differs between the running settings and {@code next} and cannot change
     * while running (the interface, the VIPs, the listener ports and backlogs, cookies, TCP, shards, ring, admin,
     * the nft rule, the guard), or null when only what a reload applies differs: the pools (backends, balance,
     * connect-timeout, health-check, source-addresses, drain), each listener's pool and proxy-protocol, and the
     * shutdown grace period. A secret generated at random is not a change (no secret is configured either time).
     */
    public String notLiveChange(Settings next) {
        if (!interfaceName.equals(next.interfaceName)) return NS + ".interface";
        if (!vips.equals(next.vips)) return NS + ".vips";
        if (vipMode != next.vipMode) return NS + ".vip-mode";
        if (gatewayMac != next.gatewayMac) return NS + ".gateway-mac";
        if (listeners.size() != next.listeners.size()) return NS + ".listeners";
        for (int i = 0; i < listeners.size(); i++) {
            Listener a = listeners.get(i), b = next.listeners.get(i);
            if (a.port() != b.port()) return NS + ".listeners[" + i + "].port";
            if (a.backlog() != b.backlog()) return NS + ".listeners[" + i + "].backlog";
        }
        Cookies c = cookies, d = next.cookies;
        if (c.mode() != d.mode()) return NS + ".cookies.mode";
        if (c.synQueueSize() != d.synQueueSize()) return NS + ".cookies.syn-queue-size";
        if (c.synackRetries() != d.synackRetries()) return NS + ".cookies.synack-retries";
        if (c.secretGenerated() != d.secretGenerated()
                || (!c.secretGenerated() && !java.util.Arrays.equals(c.secret, d.secret))) return NS + ".cookies.secret";
        if (!tcp.equals(next.tcp)) return NS + ".tcp";
        if (shards != next.shards) return NS + ".shards";
        if (!ring.equals(next.ring)) return NS + ".ring";
        if (!admin.equals(next.admin)) return NS + ".admin";
        if (installNftRule != next.installNftRule) return NS + ".install-nft-rule";
        if (!guard.equals(next.guard)) return NS + ".guard"; // the shards' guards are built once, at start
        return null;
    }

    @Override
    public String toString() {
        return "Settings[interface=" + interfaceName + ", vips=" + vips + ", vipMode=" + vipMode + ", listeners=" + listeners
                + ", pools=" + pools.values() + ", " + cookies + ", " + tcp + ", shards=" + shards + ", " + ring + ", " + admin
                + ", " + guard + ", installNftRule=" + installNftRule + ", grace=" + shutdownGracePeriod + "]";
    }
}
