package dev.portcullis.io;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Hides the VIP's protected TCP ports from the host kernel: an nftables {@code netdev} ingress rule on the
 * interface drops TCP to the VIP (IPv4 and IPv6) and those ports. The hook runs after the packet taps, so the
 * AF_PACKET ring (ETH_P_ALL) still sees every frame, but before routing and conntrack: the kernel neither answers
 * with RST (shared host IP), nor forwards the frames on (owned VIP with ip_forward=1), nor keeps state. The rule
 * is scoped to the VIP's addresses, so the relay's own backend traffic passes.
 *
 * <p>One table per interface ({@link #tableName}); installing replaces it atomically (one {@code nft -f -}
 * transaction that creates, deletes and re-creates it), so it is idempotent and survives a crashed earlier run;
 * {@link #close()} deletes it.
 */
public final class VipGuard implements AutoCloseable {
    private static final Pattern COUNTER = Pattern.compile("counter packets (\\d+) bytes (\\d+)");
    private static final int TIMEOUT_SECONDS = 10;

    private final String device;
    private final String table;
    private final List<String> launcher;
    private final String ruleset;
    private boolean removed;

    private VipGuard(String device, List<String> launcher, String ruleset) {
        this.device = device;
        this.table = tableName(device);
        this.launcher = List.copyOf(launcher);
        this.ruleset = ruleset;
    }

    /**
     * Installs (or replaces) the drop rule on {@code device}.
     *
     * @param ports    protected TCP ports; empty drops all TCP to the VIPs
     * @param launcher a command prefix for nft (e.g. {@code ip netns exec NS}), empty to run it directly
     */
    public static VipGuard install(String device, List<InetAddress> vips, int[] ports, List<String> launcher)
            throws IOException {
        if (vips.isEmpty()) {
            throw new IllegalArgumentException("VipGuard needs at least one VIP");
        }
        String script = ruleset(device, vips, ports);
        VipGuard g = new VipGuard(device, launcher, script);
        g.nft(script);
        return g;
    }

    /** Removes the table of {@code device} if it exists (e.g. after a crash). */
    public static void remove(String device, List<String> launcher) throws IOException {
        new VipGuard(device, launcher, "").close();
    }

    /** {@code portcullis_<dev>}, with characters nft identifiers do not take replaced by '_'. */
    public static String tableName(String device) {
        return "portcullis_" + device.replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** The nft script: an atomic replace of this interface's table. */
    static String ruleset(String device, List<InetAddress> vips, int[] ports) {
        if (!device.matches("[A-Za-z0-9_.:@-]{1,15}")) {
            throw new IllegalArgumentException("not an interface name: " + device);
        }
        String t = tableName(device);
        String v4 = vips.stream().filter(a -> a instanceof Inet4Address).map(InetAddress::getHostAddress)
                .collect(Collectors.joining(", "));
        String v6 = vips.stream().filter(a -> a instanceof Inet6Address)
                .map(a -> a.getHostAddress().replaceAll("%.*$", "")).collect(Collectors.joining(", "));
        String portMatch = ports.length == 0 ? "meta l4proto tcp"
                : "tcp dport { " + Arrays.stream(ports).peek(VipGuard::checkPort).mapToObj(Integer::toString)
                        .collect(Collectors.joining(", ")) + " }";
        StringBuilder sb = new StringBuilder();
        // "add" then "delete" makes the delete valid whether or not the table exists: idempotent replace
        sb.append("table netdev ").append(t).append(" {}\n");
        sb.append("delete table netdev ").append(t).append('\n');
        sb.append("table netdev ").append(t).append(" {\n");
        sb.append("  chain ingress {\n");
        sb.append("    type filter hook ingress device \"").append(device).append("\" priority -500; policy accept;\n");
        if (!v4.isEmpty()) {
            sb.append("    ip daddr { ").append(v4).append(" } ").append(portMatch).append(" counter drop\n");
        }
        if (!v6.isEmpty()) {
            sb.append("    ip6 daddr { ").append(v6).append(" } ").append(portMatch).append(" counter drop\n");
        }
        sb.append("  }\n}\n");
        return sb.toString();
    }

    private static void checkPort(int p) {
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("not a TCP port: " + p);
        }
    }

    public String device() {
        return device;
    }

    public String table() {
        return table;
    }

    /** The script that was installed. */
    public String ruleset() {
        return ruleset;
    }

    /** Frames the rule dropped so far (both families), read with {@code nft list table}. */
    public long droppedPackets() throws IOException {
        String out = run(List.of("nft", "list", "table", "netdev", table), null);
        Matcher m = COUNTER.matcher(out);
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    /** Deletes the table (idempotent). */
    @Override
    public void close() throws IOException {
        if (removed) {
            return;
        }
        nft("table netdev " + table + " {}\ndelete table netdev " + table + "\n");
        removed = true;
    }

    private void nft(String script) throws IOException {
        run(List.of("nft", "-f", "-"), script);
    }

    private String run(List<String> cmd, String stdin) throws IOException {
        List<String> full = new ArrayList<>(launcher);
        full.addAll(cmd);
        Process p;
        try {
            p = new ProcessBuilder(full).start();
        } catch (IOException e) {
            throw new IOException("cannot run nft (install nftables, e.g. apt-get install nftables): "
                    + e.getMessage(), e);
        }
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            String stderr = new String(err.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", full) + " failed (exit " + p.exitValue() + "): " + stderr
                        + (stdin == null ? "" : "\nscript:\n" + stdin));
            }
            return new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted running nft", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("reading nft output", e);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
