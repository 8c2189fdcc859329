package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.util.List;

/**
 * The benchmark's network, made of namespaces it creates and deletes (nothing outside them is touched):
 * <pre>
 *   pcb-cli  (flood + legit clients)   pcb-c0 10.77.0.1 ──veth── pcb-h0 10.77.0.2 (HAProxy), VIP 10.77.0.3 (Portcullis)
 *   pcb-host (the protecting host)     pcb-h1 10.77.1.1 ──veth── pcb-b0 10.77.1.2   pcb-be (nginx :80, iperf3 :5201,
 *                                                                                            exact-transfer :7001)
 *   pcb-icli (impaired client)         pcb-i0 10.77.2.1 ──veth── pcb-m0 [pcb-mid: impairment bridge] pcb-m1
 *                                                                  ──veth── pcb-h2 10.77.2.2, VIP 10.77.2.3 (host)
 * </pre>
 * The host's default route points back into the client namespace, so the SYN-ACKs to spoofed sources go back over
 * pcb-c0, where an nftables counter counts them (the client namespace does not forward, so they die there).
 */
final class Topology {
    static final String CLI = "pcb-cli";
    static final String HOST = "pcb-host";
    static final String BE = "pcb-be";
    static final String ICLI = "pcb-icli";
    static final String MID = "pcb-mid";
    static final List<String> ALL = List.of(CLI, HOST, BE, ICLI, MID);

    static final String C0 = "pcb-c0", H0 = "pcb-h0", H1 = "pcb-h1", B0 = "pcb-b0";
    static final String I0 = "pcb-i0", M0 = "pcb-m0", M1 = "pcb-m1", H2 = "pcb-h2";

    static final String CLI_IP = "10.77.0.1";
    static final String HOST_IP = "10.77.0.2";
    static final String VIP = "10.77.0.3";
    static final String HOST_BE_IP = "10.77.1.1";
    static final String BE_IP = "10.77.1.2";
    static final String ICLI_IP = "10.77.2.1";
    static final String HOST_I_IP = "10.77.2.2";
    static final String VIP_I = "10.77.2.3";

    /** Removes whatever a previous run left (our names only), then builds the network. */
    static void create() throws IOException {
        destroy();
        for (String ns : ALL) {
            Sh.run("ip", "netns", "add", ns);
            Sh.run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        veth(CLI, C0, HOST, H0);
        veth(HOST, H1, BE, B0);
        veth(ICLI, I0, MID, M0);
        veth(MID, M1, HOST, H2);
        addr(CLI, C0, CLI_IP + "/24");
        addr(HOST, H0, HOST_IP + "/24");
        addr(HOST, H1, HOST_BE_IP + "/24");
        addr(BE, B0, BE_IP + "/24");
        addr(ICLI, I0, ICLI_IP + "/24");
        addr(HOST, H2, HOST_I_IP + "/24");
        for (String[] l : new String[][] {{CLI, C0}, {HOST, H0}, {HOST, H1}, {BE, B0}, {ICLI, I0}, {MID, M0},
                {MID, M1}, {HOST, H2}}) {
            Sh.run("ip", "-n", l[0], "link", "set", l[1], "up");
        }
        Sh.run("ip", "-n", HOST, "route", "add", "default", "via", CLI_IP);
        Sh.run("ip", "-n", BE, "route", "add", "default", "via", HOST_BE_IP);
        // Legit clients open a connection per request: give them the whole port range.
        Sh.runIn(CLI, null, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65535");
        Sh.runIn(ICLI, null, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65535");
        Sh.runIn(HOST, null, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65535");
        // Legit clients must look like new clients: with saved TCP metrics the kernel treats a known peer as
        // "proven" and admits its SYNs to a 3/4-full SYN queue that it refuses to everyone else
        // (tcp_conn_request, tcp_syncookies=0), which would hide what a flood does to real, unknown clients.
        Sh.runIn(HOST, null, "sysctl", "-q", "-w", "net.ipv4.tcp_no_metrics_save=1");
        // The impairment bridge copies frames as they are: no TSO/GSO/GRO super-frames (larger than the MTU) and no
        // partial checksums (the sender's veth would leave the checksum for hardware that a bridge copy skips).
        for (String[] l : new String[][] {{ICLI, I0}, {MID, M0}, {MID, M1}, {HOST, H2}}) {
            Sh.runIn(l[0], null, "ethtool", "-K", l[1], "tso", "off", "gso", "off", "gro", "off", "tx", "off");
        }
        // SYN-ACKs to spoofed sources coming back into the client namespace (the legit client's own are excluded).
        Sh.runIn(CLI, """
                table netdev pcb_count {
                  chain in {
                    type filter hook ingress device "%s" priority 0;
                    ip daddr != %s tcp flags & (syn | ack) == (syn | ack) counter
                  }
                }
                """.formatted(C0, CLI_IP), "nft", "-f", "-");
    }

    private static void veth(String nsA, String a, String nsB, String b) throws IOException {
        Sh.run("ip", "link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB);
    }

    private static void addr(String ns, String dev, String cidr) throws IOException {
        Sh.run("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
    }

    static String mac(String ns, String dev) throws IOException {
        return Sh.runIn(ns, null, "cat", "/sys/class/net/" + dev + "/address").trim();
    }

    /** SYN-ACKs counted on the client veth since the table was made. */
    static long synAcksSeen() throws IOException {
        String out = Sh.runIn(CLI, null, "nft", "list", "table", "netdev", "pcb_count");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Kills the processes left in our namespaces and deletes them (their veths go with them). */
    static void destroy() {
        for (String ns : ALL) {
            if (!new java.io.File("/run/netns/" + ns).exists()) continue;
            try {
                String pids = Sh.exec(List.of("ip", "netns", "pids", ns), null, 10).stdout();
                for (String p : pids.trim().split("\\s+")) {
                    if (!p.isBlank()) ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | NumberFormatException e) {
                // best effort
            }
            Sh.quiet(null, "ip", "netns", "del", ns);
        }
    }
}
