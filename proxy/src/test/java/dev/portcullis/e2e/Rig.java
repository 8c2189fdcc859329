package dev.portcullis.e2e;

import dev.portcullis.testing.NetNs;
import dev.portcullis.testing.TestBackend;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The end-to-end network, made of namespaces the test creates (nothing outside them is touched):
 * <pre>
 *   client ns  c0 10.99.1.2/24, fd99:1::2/64 ──veth── p0 10.99.1.1/24, fd99:1::1/64   proxy ns (ip_forward=1)
 *                                                     p1 10.99.2.1/24 ──veth── b0 10.99.2.2/24   backend ns
 *   VIPs 10.99.1.100 and fd99:1::100 are on no interface: Portcullis (in the proxy ns, on p0) answers ARP/ND.
 *   Backends: nginx on 10.99.2.2:8080 (listener 80), TestBackend on 10.99.2.2:9000 (listener 81).
 * </pre>
 * The TestBackend runs in this JVM (its sockets were opened on a thread inside the backend namespace), so tests
 * read its counters directly. {@link #close()} stops Portcullis, nginx and the backend and deletes the namespaces,
 * also after a failure.
 */
final class Rig implements AutoCloseable {
    static final String VIP4 = "10.99.1.100", VIP6 = "fd99:1::100";
    static final String CLIENT4 = "10.99.1.2";
    static final String BACKEND_IP = "10.99.2.2";
    static final int NGINX_PORT = 8080, BACKEND_PORT = 9000;
    /** Listener ports on the VIPs. */
    static final int WEB = 80, TB = 81;
    static final String NGINX_PAGE = "<html><body>nginx behind portcullis e2e</body></html>\n";
    static final Path LAUNCHER = Path.of("target", "portcullis-dist", "bin", "portcullis").toAbsolutePath();
    static final List<String> TOOLS = List.of("curl", "nginx", "nft", "ethtool", "trafgen", "tcpdump", "tshark");

    final NetNs net;
    final String client, proxy, backend;
    final String c0, p0, p1, b0;
    final Path dir;
    final TestBackend testBackend;
    private Process nginx;
    ProxyProcess portcullis;

    /** Why the E2E tests cannot run here, or null. */
    static String skipReason() {
        String why = NetNs.skipReason();
        if (why != null) return why;
        for (String tool : TOOLS) {
            boolean found = Stream.of("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/").anyMatch(d -> Files.isExecutable(Path.of(d + tool)));
            if (!found) return tool + " is not installed";
        }
        if (!Files.isExecutable(LAUNCHER)) return "the distribution is not built (" + LAUNCHER + "; run mvn package)";
        return null;
    }

    /** Builds the network, starts nginx and the TestBackend, and starts Portcullis with {@code extraConfig}. */
    static Rig start(String extraConfig) throws Exception {
        NetNs net = new NetNs();
        Path dir = Files.createTempDirectory("portcullis-e2e");
        Rig r = null;
        try {
            r = new Rig(net, dir);
            r.startBackends();
            r.portcullis = ProxyProcess.start(r, extraConfig);
            return r;
        } catch (Exception | Error e) {
            if (r != null) {
                r.close();
            } else {
                net.close();
                deleteTree(dir);
            }
            throw e;
        }
    }

    private Rig(NetNs net, Path dir) throws Exception {
        this.net = net;
        this.dir = dir;
        client = net.namespace();
        proxy = net.namespace();
        backend = net.namespace();
        NetNs.Veth cp = net.veth(client, proxy), pb = net.veth(proxy, backend);
        c0 = cp.a();
        p0 = cp.b();
        p1 = pb.a();
        b0 = pb.b();
        net.address(client, c0, CLIENT4 + "/24");
        net.address(client, c0, "fd99:1::2/64");
        net.address(proxy, p0, "10.99.1.1/24");
        net.address(proxy, p0, "fd99:1::1/64");
        net.address(proxy, p1, "10.99.2.1/24");
        net.address(backend, b0, BACKEND_IP + "/24");
        net.exec(backend, "ip", "route", "add", "default", "via", "10.99.2.1");
        // Forwarding on, as Docker and Kubernetes set it: the nft rule must keep the kernel from routing VIP frames.
        net.sysctl(proxy, "net.ipv4.ip_forward", "1");
        net.sysctl(proxy, "net.ipv6.conf.all.forwarding", "1");
        // Clients open a connection per request: give them the whole port range.
        net.sysctl(client, "net.ipv4.ip_local_port_range", "1024 65535");
        testBackend = net.inNamespace(backend, () -> new TestBackend(InetAddress.getByName(BACKEND_IP), BACKEND_PORT, "tb", 0));
    }

    private void startBackends() throws IOException, InterruptedException {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), NGINX_PAGE);
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                user root;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp-body;
                  proxy_temp_path %1$s/tmp-proxy;
                  fastcgi_temp_path %1$s/tmp-fastcgi;
                  uwsgi_temp_path %1$s/tmp-uwsgi;
                  scgi_temp_path %1$s/tmp-scgi;
                  server { listen %2$s:%3$d backlog=4096; root %1$s/www; }
                }
                """.formatted(dir, BACKEND_IP, NGINX_PORT));
        nginx = net.start(backend, "nginx", "-c", conf.toString(), "-e", dir.resolve("nginx-error.log").toString());
        for (int i = 0; i < 100; i++) {
            NetNs.Result r = net.execMayFail(backend, 5, "curl", "-s", "-m", "1", "http://" + BACKEND_IP + ":" + NGINX_PORT + "/");
            if (r.ok() && r.out().equals(NGINX_PAGE)) return;
            if (!nginx.isAlive()) break;
            Thread.sleep(100);
        }
        throw new IOException("nginx did not start: " + readQuietly(dir.resolve("nginx-error.log")));
    }

    /** Offloads on both ends of the client link. */
    void offloads(boolean on) throws IOException {
        net.offloads(client, c0, on);
        net.offloads(proxy, p0, on);
    }

    /** Random loss of {@code percent} % of the client's frames both ways (nftables numgen in the client ns). */
    void loss(int percent) throws IOException {
        net.execMayFail(client, 10, "nft", "delete", "table", "inet", "e2e_loss");
        if (percent <= 0) return;
        nft(client, """
                table inet e2e_loss {
                  chain in { type filter hook input priority 0; numgen random mod 100 < %1$d counter drop; }
                  chain out { type filter hook output priority 0; numgen random mod 100 < %1$d counter drop; }
                }
                """.formatted(percent));
    }

    /** Applies an nft ruleset in {@code ns}. */
    void nft(String ns, String ruleset) throws IOException {
        Path f = Files.createTempFile(dir, "nft", ".conf");
        Files.writeString(f, ruleset);
        net.exec(ns, "nft", "-f", f.toString());
    }

    static String url(String vip, int port) {
        return "http://" + (vip.contains(":") ? "[" + vip + "]" : vip) + ":" + port + "/";
    }

    static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + p + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (portcullis != null) portcullis.kill();
            if (nginx != null) {
                nginx.destroy();
                try {
                    if (!nginx.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) nginx.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            testBackend.close();
        } finally {
            net.close();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
