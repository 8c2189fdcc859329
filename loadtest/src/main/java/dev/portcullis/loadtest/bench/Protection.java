package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The setups compared in one run, each started from scratch on the protecting host (so no SYN queue or conntrack
 * state carries over from the previous one) and stopped after its measurements.
 */
enum Protection {
    NONE("syncookies=0", "HAProxy, tcp_syncookies=0 (no protection)"),
    COOKIES1("syncookies=1", "HAProxy, tcp_syncookies=1 (cookies on SYN-queue overflow)"),
    COOKIES2("syncookies=2", "HAProxy, tcp_syncookies=2 (always cookies)"),
    SYNPROXY("synproxy", "nftables synproxy in front of HAProxy"),
    PORTCULLIS("portcullis", "Portcullis (owned VIP, cookies always)");

    final String key;
    final String label;

    Protection(String key, String label) {
        this.key = key;
        this.label = label;
    }

    static Protection byKey(String k) {
        for (Protection p : values()) if (p.key.equalsIgnoreCase(k) || p.name().equalsIgnoreCase(k)) return p;
        throw new IllegalArgumentException("unknown setup " + k + " (none of syncookies=0, syncookies=1, "
                + "syncookies=2, synproxy, portcullis)");
    }

    /** A setup that could not be started: the run reports it "not measured" with this reason. */
    static final class NotRunnable extends Exception {
        NotRunnable(String reason) {
            super(reason);
        }
    }

    /** A started setup: where the flood and the clients aim, and what to stop. */
    record Running(Protection protection, String targetIp, List<Bg> processes, List<String> undo) {
        void stop() {
            for (Bg b : processes) b.stop();
            for (String u : undo) Sh.quiet(Topology.HOST, "nft", "delete", "table", u.split(" ")[0], u.split(" ")[1]);
        }
    }

    /**
     * @param portcullisCmd the command that runs Portcullis (its distribution's bin/portcullis, or java -cp
     *                      benchmarks.jar dev.portcullis.Main), without the --config argument; null: not runnable,
     *                      for the reason in {@code whyNot}
     */
    Running start(Path dir, List<String> portcullisCmd, String whyNot) throws IOException, NotRunnable {
        List<Bg> procs = new ArrayList<>();
        List<String> undo = new ArrayList<>();
        int cookies = switch (this) {
            case NONE -> 0;
            case COOKIES2 -> 2;
            default -> 1;
        };
        Sh.runIn(Topology.HOST, null, "sysctl", "-q", "-w", "net.ipv4.tcp_syncookies=" + cookies);
        Sh.quiet(Topology.HOST, "ip", "tcp_metrics", "flush", "all");
        String target = Topology.HOST_IP;
        switch (this) {
            case SYNPROXY -> {
                // SYNs skip conntrack; synproxy answers them with a cookie and, on a valid final ACK, opens the
                // connection to HAProxy itself; everything else without a conntrack entry is dropped.
                Sh.runIn(Topology.HOST, null, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_tcp_loose=0");
                // synproxy announces the server's window scale on its behalf and does not translate windows: it
                // must be the one HAProxy's socket will use, or the client misreads every window.
                int wscale = serverWindowScale(Sh.runIn(Topology.HOST, null, "cat", "/proc/sys/net/ipv4/tcp_rmem"),
                        Sh.runIn(Topology.HOST, null, "cat", "/proc/sys/net/core/rmem_max"));
                Sh.runIn(Topology.HOST, """
                        table ip pcb_synproxy {
                          chain pre {
                            type filter hook prerouting priority raw; policy accept;
                            iif "%1$s" tcp dport %2$d tcp flags syn notrack
                          }
                          chain in {
                            type filter hook input priority filter; policy accept;
                            iif "%1$s" tcp dport %2$d ct state invalid,untracked synproxy mss 1460 wscale %3$d timestamp sack-perm
                            iif "%1$s" tcp dport %2$d ct state invalid drop
                          }
                        }
                        """.formatted(Topology.H0, Services.HTTP, wscale), "nft", "-f", "-");
                undo.add("ip pcb_synproxy");
                procs.add(Services.haproxy(dir));
            }
            case PORTCULLIS -> {
                if (portcullisCmd == null) throw new NotRunnable(whyNot);
                Path conf = dir.resolve("portcullis.conf");
                Files.writeString(conf, portcullisConfig(Topology.H0, Topology.VIP, 9091));
                procs.add(Bg.start("portcullis", dir.resolve("portcullis.log"), portcullisCommand(portcullisCmd, conf)));
                target = Topology.VIP;
            }
            default -> procs.add(Services.haproxy(dir));
        }
        Running r = new Running(this, target, procs, undo);
        if (!Services.probe(Topology.CLI, target, Services.HTTP, 20)) {
            String why = procs.isEmpty() ? "" : procs.getLast().logTail(8);
            r.stop();
            throw new NotRunnable(label + " did not accept a connection on " + target + ":" + Services.HTTP
                    + " within 20 s" + (why.isBlank() ? "" : "; log: " + why.replace('\n', ' ')));
        }
        return r;
    }

    /**
     * The window scale Linux gives a socket with default buffers (tcp_select_initial_window):
     * ilog2(max(tcp_rmem[2], rmem_max)) - 15, clamped to 0..14 (RFC 7323 §2.3).
     */
    static int serverWindowScale(String tcpRmem, String rmemMax) {
        String[] f = tcpRmem.trim().split("\\s+");
        long space = Math.max(Long.parseLong(f[2]), Long.parseLong(rmemMax.trim()));
        int ilog2 = 63 - Long.numberOfLeadingZeros(Math.max(1, space));
        return Math.max(0, Math.min(14, ilog2 - 15));
    }

    static List<String> portcullisCommand(List<String> cmd, Path conf) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", Topology.HOST));
        c.addAll(cmd);
        c.addAll(List.of("--config", conf.toString()));
        return c;
    }

    /** The HOCON the bench gives Portcullis (keys from the proxy's reference.conf). */
    static String portcullisConfig(String iface, String vip, int adminPort) {
        return """
                # Generated by the loadtest benchmark.
                portcullis {
                  interface = "%1$s"
                  vips = ["%2$s"]
                  vip-mode = owned
                  listeners = [
                    { port = %3$d, pool = "web", backlog = 4096 }
                    { port = %4$d, pool = "iperf" }
                    { port = %5$d, pool = "exact" }
                  ]
                  pools {
                    web { backends = ["%6$s:%3$d"] }
                    iperf { backends = ["%6$s:%4$d"] }
                    exact { backends = ["%6$s:%5$d"] }
                  }
                  cookies.mode = always
                  admin.port = %7$d
                }
                """.formatted(iface, vip, Services.HTTP, Services.IPERF, Services.EXACT, Topology.BE_IP, adminPort);
    }
}
