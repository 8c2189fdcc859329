package dev.portcullis;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The nftables rule that hides the protected ports of the VIPs from the host kernel (DESIGN.md "The VIP and the
 * host kernel"): a {@code netdev} ingress drop on the interface, after the packet taps (the AF_PACKET ring still
 * sees every frame) and before routing and conntrack, so the kernel neither answers with RSTs nor forwards the
 * frames. Scoped to VIP and port, so the relay's own backend traffic passes. Runs the {@code nft} tool.
 */
final class NftRule {
    private final String table;
    private final String ruleset;

    NftRule(String device, List<InetAddress> vips, List<Integer> ports) {
        this.table = "portcullis_" + ProcessHandle.current().pid();
        String portSet = ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
        StringBuilder sb = new StringBuilder();
        sb.append("table netdev ").append(table).append(" {\n");
        sb.append("  chain ingress {\n");
        sb.append("    type filter hook ingress device \"").append(device).append("\" priority -500; policy accept;\n");
        String v4 = vips.stream().filter(a -> a instanceof Inet4Address).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
        String v6 = vips.stream().filter(a -> !(a instanceof Inet4Address)).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
        if (!v4.isEmpty()) sb.append("    ip daddr { ").append(v4).append(" } tcp dport { ").append(portSet).append(" } counter drop\n");
        if (!v6.isEmpty()) sb.append("    ip6 daddr { ").append(v6).append(" } tcp dport { ").append(portSet).append(" } counter drop\n");
        sb.append("  }\n}\n");
        this.ruleset = sb.toString();
    }

    String ruleset() {
        return ruleset;
    }

    String table() {
        return table;
    }

    void install() throws IOException {
        nft(ruleset, "-f", "-");
    }

    void remove() throws IOException {
        nft("", "delete", "table", "netdev", table);
    }

    private static void nft(String stdin, String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "nft";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run nft (install the nftables package, or set install-nft-rule = false): " + e.getMessage());
        }
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nft " + String.join(" ", args) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("nft interrupted");
        }
        if (p.exitValue() != 0) throw new IOException("nft " + String.join(" ", args) + " failed: " + out.replace('\n', ' '));
    }
}
