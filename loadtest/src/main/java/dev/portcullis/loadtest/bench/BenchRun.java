package dev.portcullis.loadtest.bench;

import dev.portcullis.loadtest.Args;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One benchmark run, start to end: preflight, network, services, the generator comparison with trafgen, every
 * setup's curve, relay throughput, the report. Every flood is bounded by a count and a time; the namespaces and
 * every process started are removed on exit, on error and on Ctrl-C.
 */
public final class BenchRun {
    private final Plan plan;
    private final Path repo;
    private final String javaBin;
    private final String jar;
    private final long startNs = System.nanoTime();
    /** How long the flood runs before the legit clients start (and after they stop). */
    static final long LEAD_MS = 300;
    private int step;
    private Worker flood;
    private Worker legit;
    private String hostMac;
    private String cliMac;
    final Map<String, Object> result = new LinkedHashMap<>();

    private BenchRun(Plan plan, Path repo, String java, String jar) {
        this.plan = plan;
        this.repo = repo;
        this.javaBin = java;
        this.jar = jar;
    }

    /** Returns the exit code: 0 measured, 1 failed, 2 bad arguments or missing prerequisites. */
    public static int main(Args a) {
        String jar = classpath();
        // loadtest/target/benchmarks.jar → the repository, unless --repo says otherwise
        Path repo = a.has("repo") ? Path.of(a.str("repo", ".")) : jar.endsWith(".jar") && !jar.contains(java.io.File.pathSeparator)
                ? Path.of(jar).toAbsolutePath().getParent().getParent().getParent() : Path.of("").toAbsolutePath();
        if (a.flag("cleanup")) {
            Topology.destroy();
            System.err.println("bench: removed the pcb-* namespaces");
            return 0;
        }
        String missing = preflight();
        if (missing != null) {
            System.err.println("bench: " + missing);
            return 2;
        }
        Plan plan;
        try {
            plan = Plan.from(a, repo);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            return 2;
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        BenchRun run = new BenchRun(plan, repo, javaBin, jar);
        Thread cleanup = new Thread(BenchRun::teardown, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            run.execute();
            return 0;
        } catch (Exception e) {
            System.err.println();
            System.err.println("bench: failed: " + e.getMessage());
            return 1;
        } finally {
            teardown();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    /**
     * The class path the child JVMs (flood, legit clients, bridge, exact-transfer server) get: the shaded
     * benchmarks.jar this runs from, or, when run from target/classes (tests), the benchmarks.jar next to it, or
     * this JVM's own class path.
     */
    static String classpath() {
        try {
            Path here = Path.of(BenchRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/benchmarks.jar itself, or next to target/classes or the module's thin jar (failsafe runs those)
            Path shaded = here.getParent().resolve("benchmarks.jar");
            if (Files.isRegularFile(shaded)) return shaded.toString();
            if (Files.isRegularFile(here)) return here.toString();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("java.class.path");
    }

    /** Null when everything needed is there, else one line saying what is missing. */
    static String preflight() {
        if (!"root".equals(System.getProperty("user.name"))) return "needs root (network namespaces, AF_PACKET); run with sudo";
        for (String t : new String[] {"ip", "nft", "sysctl", "ethtool", "haproxy", "nginx", "iperf3", "trafgen", "timeout"}) {
            if (!Sh.have(t)) return "missing tool: " + t + " (Debian: apt-get install iproute2 nftables procps ethtool "
                    + "haproxy nginx iperf3 netsniff-ng coreutils)";
        }
        return null;
    }

    private static synchronized void teardown() {
        Bg.stopAll();
        Topology.destroy();
    }

    private void progress(String what) {
        double el = (System.nanoTime() - startNs) / 1e9;
        String line = String.format(Locale.ROOT, "[bench %4.0fs %2d/%d] %s", el, Math.min(step, plan.steps()),
                plan.steps(), what);
        System.err.print("\r" + String.format("%-110s", line));
        System.err.flush();
    }

    private void execute() throws Exception {
        Files.createDirectories(plan.out());
        Path logs = plan.out().resolve("logs");
        Files.createDirectories(logs);
        result.put("date", java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        result.put("commit", plan.commit());
        result.put("mode", plan.quick() ? "quick" : "full");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("cores", Runtime.getRuntime().availableProcessors());
        host.put("kernel", System.getProperty("os.version"));
        host.put("loadavg_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        result.put("host", host);
        Map<String, Object> conf = new LinkedHashMap<>();
        conf.put("seconds_per_point", plan.seconds());
        conf.put("flood", "mix " + plan.mix() + ", SYN options " + plan.profile() + ", sources random in 100.64.0.0/10, one sender thread");
        conf.put("legit_clients", plan.clients());
        conf.put("legit_interval_ms", plan.intervalMs());
        result.put("config", conf);

        progress("building namespaces");
        Topology.create();
        hostMac = Topology.mac(Topology.HOST, Topology.H0);
        cliMac = Topology.mac(Topology.CLI, Topology.C0);
        Services.nginx(logs);
        Services.iperfServer(logs);
        Bg exact = ExactTransfer.startServer(javaBin, jar, logs);
        flood = new Worker("flood", Topology.CLI, javaBin, jar, "dev.portcullis.loadtest.flood.Flood",
                List.of("--dev", Topology.C0, "--src-mac", cliMac, "--dst-mac", hostMac, "--dport", "80"),
                logs.resolve("flood.err"));
        legit = new Worker("legit", Topology.CLI, javaBin, jar, "dev.portcullis.loadtest.legit.LegitClients",
                List.of("--clients", Integer.toString(plan.clients()), "--interval-ms", Double.toString(plan.intervalMs())),
                logs.resolve("legit.err"));
        if (!Services.probe(Topology.CLI, Topology.BE_IP, Services.HTTP, 1) && !Services.probe(Topology.HOST, Topology.BE_IP, Services.HTTP, 10)) {
            throw new IOException("nginx did not come up: " + logs.resolve("nginx.log"));
        }

        result.put("generator", compareGenerators(logs));
        resolvePortcullis();
        result.put("portcullis_command", portcullisCmd == null ? null : String.join(" ", portcullisCmd));
        if (plan.generatorOnly()) {
            result.put("setups", List.of());
            result.put("throughput", List.of());
        }

        List<Object> setups = new ArrayList<>();
        List<Object> throughput = new ArrayList<>();
        if (!plan.generatorOnly()) {
            result.put("setups", setups);
            result.put("throughput", throughput);
        }
        for (Protection p : plan.generatorOnly() ? List.<Protection>of() : plan.setups()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("key", p.key);
            s.put("label", p.label);
            setups.add(s);
            Protection.Running running;
            progress(p.key + ": starting");
            try {
                running = p.start(logs, portcullisCmd, portcullisWhyNot);
            } catch (Protection.NotRunnable e) {
                s.put("measured", false);
                s.put("reason", e.getMessage());
                step += 1 + plan.rates().size();
                if (p == Protection.PORTCULLIS) {
                    Map<String, Object> t = new LinkedHashMap<>();
                    t.put("path", "portcullis");
                    t.put("measured", false);
                    t.put("reason", e.getMessage());
                    throughput.add(t);
                }
                continue;
            }
            try {
                s.put("measured", true);
                step++;
                progress(p.key + ": no flood");
                try {
                    s.put("baseline", point(running, -1));
                } catch (IOException e) {
                    s.put("errors", "no-flood point: " + e.getMessage());
                }
                List<Object> points = new ArrayList<>();
                s.put("points", points);
                for (long rate : plan.rates()) {
                    step++;
                    progress(p.key + ": flood " + (rate == Plan.MAX ? "max" : rate + " pps"));
                    try {
                        points.add(point(running, rate));
                        if (p == Protection.PORTCULLIS) saveMetrics(logs, "flood-" + (rate == Plan.MAX ? "max" : rate));
                    } catch (IOException e) {
                        // A point that cannot be measured is reported as such; the run goes on.
                        s.put("errors", (s.get("errors") == null ? "" : s.get("errors") + "; ") + e.getMessage());
                    }
                }
                if (p == Protection.COOKIES2 || p == Protection.PORTCULLIS) {
                    String path = p == Protection.PORTCULLIS ? "portcullis" : "haproxy";
                    step++;
                    progress(path + ": iperf3, clean");
                    throughput.add(failSoft(path, "clean", () -> iperfDirect(path, running.targetIp())));
                    throughput.addAll(throughBridge(path, p, logs));
                }
            } finally {
                running.stop();
            }
        }
        exact.stop();
        System.err.print("\r" + " ".repeat(110) + "\r");
        flood.close();
        legit.close();

        Files.writeString(plan.out().resolve("bench.json"), Json.write(result) + "\n");
        String table = Report.table(result);
        Files.writeString(plan.out().resolve("bench.txt"), table);
        Files.writeString(plan.out().resolve("bench.html"), Report.html(result));
        System.out.print(table);
        System.out.println("\nwritten: " + plan.out().resolve("bench.json") + ", " + plan.out().resolve("bench.html"));
    }

    private List<String> portcullisCmd;
    private String portcullisWhyNot;

    /**
     * How Portcullis runs: its distribution's bin/portcullis when built; otherwise (unless --no-jar-fallback)
     * dev.portcullis.Main from the benchmarks.jar the bench runs from, which holds the proxy and its dependencies.
     */
    private void resolvePortcullis() {
        if (Files.isExecutable(plan.portcullis())) {
            portcullisCmd = List.of(plan.portcullis().toString());
            return;
        }
        boolean hasMain;
        try {
            Class.forName("dev.portcullis.Main", false, BenchRun.class.getClassLoader());
            hasMain = true;
        } catch (ClassNotFoundException | LinkageError e) {
            hasMain = false;
        }
        if (hasMain && plan.jarFallback()) {
            portcullisCmd = List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", jar, "dev.portcullis.Main");
            return;
        }
        portcullisWhyNot = "no Portcullis distribution at " + plan.portcullis()
                + (hasMain ? "" : " and no dev.portcullis.Main in " + jar) + " (build: ./mvn25 -B -q -pl proxy package -DskipTests)";
    }

    /** Portcullis's own counters after a point (its admin endpoint in the host namespace), for whoever tunes it. */
    private static void saveMetrics(Path logs, String tag) {
        try {
            Sh.Out o = Sh.exec(Sh.withNs(Topology.HOST, "curl", "-s", "--max-time", "3",
                    "http://127.0.0.1:9091/metrics"), null, 6);
            Files.writeString(logs.resolve("portcullis-metrics-" + tag + ".txt"), o.stdout());
        } catch (IOException e) {
            // diagnostics only
        }
    }

    /** One measurement: legit clients for the point's time with (rate &gt;= 0) or without (-1) the flood. */
    private Map<String, Object> point(Protection.Running r, long rate) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rate_target", rate < 0 ? "none" : rate == Plan.MAX ? "max" : (Object) rate);
        double secs = plan.seconds();
        // Let the previous point's SYN-ACKs and TIME-WAITs settle.
        sleep(rate < 0 ? 200 : plan.quick() ? 500 : 1000);
        long sa0 = Topology.synAcksSeen();
        double[] box0 = CpuStat.busyAndSoftirq();
        double cpu0 = box0[0];
        double def0 = defenderSeconds(r);
        long t0 = System.nanoTime();
        Map<String, Object> fr = null;
        if (rate >= 0) {
            long bound = rate > 0 ? (long) Math.ceil(rate * secs * 1.01) : 40_000_000L;
            flood.send("--dst " + r.targetIp() + " --rate " + rate + " --seconds " + secs + " --count " + bound
                    + " --mix " + plan.mix() + " --profile " + plan.profile());
            // The legit clients start once the flood is on and stop before it ends: every request they make
            // meets the flood.
            sleep(LEAD_MS);
        }
        double legitSecs = rate >= 0 ? Math.max(0.5, secs - 2 * LEAD_MS / 1000.0) : secs;
        legit.send("--target " + r.targetIp() + ":" + Services.HTTP + " --seconds " + legitSecs);
        IOException floodErr = null;
        if (rate >= 0) {
            try {
                fr = flood.await(secs + 30);
            } catch (IOException e) {
                floodErr = e; // the legit result is still read below, so no stale line is left in its stream
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long sa1 = Topology.synAcksSeen();
        double[] box1 = CpuStat.busyAndSoftirq();
        double cpu1 = box1[0];
        double def1 = defenderSeconds(r);
        Map<String, Object> lr = legit.await(secs + 30);
        if (floodErr != null) throw floodErr;
        if (fr == null) {
            wall = (System.nanoTime() - t0) / 1e9;
            sa1 = Topology.synAcksSeen();
            box1 = CpuStat.busyAndSoftirq();
            cpu1 = box1[0];
            def1 = defenderSeconds(r);
        }
        double floodSecs = fr != null ? (Double) fr.get("seconds") : wall;
        long synAcks = sa1 - sa0;
        double cpu = cpu1 - cpu0;
        m.put("offered_pps", fr != null ? fr.get("pps") : 0.0);
        m.put("sent", fr != null ? fr.get("sent") : 0.0);
        m.put("synacks", synAcks);
        m.put("synack_pps", synAcks / floodSecs);
        m.put("answered_pct", fr != null && (Double) fr.get("syn") > 0 ? 100.0 * synAcks / (Double) fr.get("syn") : null);
        m.put("legit_success_pct", lr.get("success_pct"));
        m.put("legit_attempts", lr.get("attempts"));
        m.put("connect_p50_ms", lr.get("connect_p50_ms"));
        m.put("connect_p99_ms", lr.get("connect_p99_ms"));
        m.put("connect_p999_ms", lr.get("connect_p999_ms"));
        m.put("legit_rps", lr.get("rps"));
        m.put("cpu_seconds", cpu);
        m.put("cpu_s_per_M_synacks", synAcks > 1000 ? cpu / (synAcks / 1e6) : null);
        // The box is shared: how busy it was overall, its softirq share (the kernel's packet work), and the
        // defending process's own CPU (HAProxy or Portcullis; SYN cookies of the kernel run in softirq instead).
        m.put("box_busy_pct", 100.0 * cpu / (Runtime.getRuntime().availableProcessors() * wall));
        m.put("softirq_seconds", box1[1] - box0[1]);
        m.put("defender_process_seconds", def1 - def0);
        m.put("seconds", floodSecs);
        m.put("legit_failures", Map.of("connect_timeout", lr.get("connect_timeout"), "connect_refused",
                lr.get("connect_refused"), "io_error", lr.get("io_error"), "bad_reply", lr.get("bad_reply")));
        return m;
    }

    private static double defenderSeconds(Protection.Running r) {
        double t = 0;
        for (Bg b : r.processes()) t += CpuStat.processSeconds(b.process.pid());
        return t;
    }

    /**
     * The generator against trafgen: the same SYN (Linux options, random source), the same count, one CPU each,
     * into an nftables ingress drop on the host's veth (so the figure is the sender's, not a listener's).
     */
    private Map<String, Object> compareGenerators(Path logs) throws IOException {
        Map<String, Object> g = new LinkedHashMap<>();
        long n = plan.generatorCount();
        Sh.runIn(Topology.HOST, """
                table netdev pcb_sink {
                  chain in {
                    type filter hook ingress device "%s" priority 0;
                    tcp dport 9 counter drop
                  }
                }
                """.formatted(Topology.H0), "nft", "-f", "-");
        try {
            Path cfg = logs.resolve("trafgen-syn.cfg");
            Files.writeString(cfg, trafgenConfig(hostMac, cliMac, Topology.HOST_IP, 9));
            // Alternating rounds, best of each: the box is shared, and a neighbour's burst should not decide it.
            int rounds = plan.quick() ? 2 : 3;
            List<Object> tr = new ArrayList<>(), jr = new ArrayList<>();
            double bestT = 0, bestJ = 0;
            // Warm the JIT first, so round 1 compares compiled code with trafgen.
            progress("generator: warming up");
            flood.send("--dst " + Topology.HOST_IP + " --dport 9 --rate 0 --seconds 30 --count 300000"
                    + " --mix syn=1 --profile linux --src random:0.0.0.0/0 --cpu 0");
            flood.await(60);
            for (int round = 1; round <= rounds; round++) {
                progress("generator: trafgen, " + n + " SYNs, round " + round + "/" + rounds);
                long t0 = System.nanoTime();
                Sh.Out o = Sh.exec(Sh.withNs(Topology.CLI, "trafgen", "-o", Topology.C0, "-i", cfg.toString(), "-n",
                        Long.toString(n), "-P", "1", "--no-sock-mem"), null, 120);
                double wall = (System.nanoTime() - t0) / 1e9;
                Files.writeString(logs.resolve("trafgen.log"), o.stdout() + o.stderr());
                double tSecs = trafgenSeconds(o.stdout() + o.stderr());
                if (Double.isNaN(tSecs)) tSecs = wall;
                tr.add(n / tSecs);
                bestT = Math.max(bestT, n / tSecs);
                sleep(300);
                progress("generator: Java TX ring, " + n + " SYNs, round " + round + "/" + rounds);
                flood.send("--dst " + Topology.HOST_IP + " --dport 9 --rate 0 --seconds 120 --count " + n
                        + " --mix syn=1 --profile linux --src random:0.0.0.0/0 --cpu 0");
                Map<String, Object> fr = flood.await(150);
                jr.add(fr.get("pps"));
                bestJ = Math.max(bestJ, (Double) fr.get("pps"));
                sleep(300);
            }
            step += 2;
            g.put("packets_per_round", n);
            g.put("trafgen_pps_rounds", tr);
            g.put("java_pps_rounds", jr);
            g.put("trafgen_pps", bestT);
            g.put("java_pps", bestJ);
            g.put("ratio", bestJ / bestT);
            g.put("frame", "74-byte SYN, Linux option set (MSS, SACK_PERM, TS, NOP, WS), random source; one CPU each "
                    + "(trafgen -P 1 and the Java sender thread both pinned to CPU 0); sink: nftables netdev ingress drop on the host's veth; best of " + rounds
                    + " alternating rounds");
        } finally {
            Sh.quiet(Topology.HOST, "nft", "delete", "table", "netdev", "pcb_sink");
        }
        return g;
    }

    static String trafgenConfig(String dstMac, String srcMac, String dstIp, int dport) {
        return """
                /* The bench's reference SYN: the same bytes as the Java generator's Linux profile. */
                { eth(da=%s, sa=%s, type=0x0800),
                  ipv4(saddr=drnd(), daddr=%s, ttl=64, df, id=drnd()),
                  tcp(sp=drnd(), dp=%d, seq=drnd(), syn, window=64240, hlen=10),
                  0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, drnd(4), 0x00, 0x00, 0x00, 0x00,
                  0x01, 0x03, 0x03, 0x07 }
                """.formatted(dstMac, srcMac, dstIp, dport);
    }

    /** trafgen's own "N sec, M usec on CPUk" line (its sending time), or NaN. */
    static double trafgenSeconds(String out) {
        Matcher m = Pattern.compile("(\\d+) sec, (\\d+) usec on CPU").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) / 1e6 : Double.NaN;
    }

    interface Measurement {
        Map<String, Object> run() throws IOException;
    }

    /** Runs one throughput measurement; a failure becomes a "not measured" row with the reason. */
    private static Map<String, Object> failSoft(String path, String condition, Measurement m) {
        try {
            return m.run();
        } catch (IOException | RuntimeException e) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("path", path);
            t.put("condition", condition);
            t.put("measured", false);
            t.put("reason", "failed: " + e.getMessage());
            return t;
        }
    }

    /** iperf3 straight over the client's veth to the proxy. */
    private Map<String, Object> iperfDirect(String path, String target) throws IOException {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("path", path);
        t.put("condition", "clean");
        t.put("measured", true);
        double[] r = runIperf(Topology.CLI, target, plan.throughputSeconds());
        t.put("mbit_s", r[0]);
        t.put("retransmits", r[1]);
        return t;
    }

    /** {Mbit/s received, retransmits} of one iperf3 run; one retry a second later if it fails to start. */
    private static double[] runIperf(String ns, String target, double seconds) throws IOException {
        try {
            return runIperfOnce(ns, target, seconds);
        } catch (IOException e) {
            sleep(1000);
            return runIperfOnce(ns, target, seconds);
        }
    }

    private static double[] runIperfOnce(String ns, String target, double seconds) throws IOException {
        Sh.Out o = Sh.exec(Sh.withNs(ns, "iperf3", "-c", target, "-p", Integer.toString(Services.IPERF), "-t",
                String.format(Locale.ROOT, "%.0f", Math.max(1, seconds)), "-J", "--connect-timeout", "3000"), null,
                seconds + 30);
        if (o.stdout().isBlank()) throw new IOException("iperf3 to " + target + " gave no output: " + o.stderr().trim());
        Object j = Json.parse(o.stdout());
        double bps = Json.num(j, "end.sum_received.bits_per_second");
        if (Double.isNaN(bps)) {
            Object err = j instanceof Map<?, ?> m ? m.get("error") : null;
            throw new IOException("iperf3 to " + target + " failed: " + err);
        }
        return new double[] {bps / 1e6, Json.num(j, "end.sum_sent.retransmits")};
    }

    /**
     * Throughput from the impaired client through the impairment bridge to the proxy (HAProxy on the host's own
     * address on that side, or a second Portcullis instance on that veth): with loss only, at each loss rate of
     * the plan, then fully impaired (loss, reordering, duplication, delay) with the byte-exact transfer. Loss is
     * made by the bridge, a hop in the middle, because both alternatives miss one of the two proxies: a drop in
     * the host's netdev ingress comes after Portcullis's packet socket has seen the frame, and a drop in the
     * client's egress is a local send failure that TCP simply retries, not a lost segment.
     */
    private List<Map<String, Object>> throughBridge(String path, Protection p, Path logs) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Bg second = null;
        String target = Topology.HOST_I_IP;
        try {
            if (p == Protection.PORTCULLIS) {
                Path conf = logs.resolve("portcullis-impaired.conf");
                Files.writeString(conf, Protection.portcullisConfig(Topology.H2, Topology.VIP_I, 9092));
                second = Bg.start("portcullis-impaired", logs.resolve("portcullis-impaired.log"),
                        Protection.portcullisCommand(portcullisCmd, conf));
                target = Topology.VIP_I;
            }
            for (int loss : plan.lossPercents()) {
                if (loss <= 0) continue;
                step++;
                progress(path + ": iperf3, loss " + loss + " % (bridge)");
                String tgt = target;
                rows.add(failSoft(path, "loss " + loss + " %", () -> viaBridge(path, "loss " + loss + " %", tgt,
                        new double[] {loss, 0, 0, 0, 0}, false, logs)));
            }
            if (plan.impairment()) {
                step++;
                progress(path + ": iperf3 + byte-exact transfer, impaired (bridge)");
                String tgt = target;
                rows.add(failSoft(path, "impaired", () -> viaBridge(path,
                        "impaired: loss 5 %, reorder 5 %, duplicate 1 %, delay 10 ± 5 ms", tgt,
                        new double[] {5, 5, 1, 10, 5}, true, logs)));
            }
        } catch (IOException e) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("path", path);
            t.put("condition", "through the bridge");
            t.put("measured", false);
            t.put("reason", "failed: " + e.getMessage());
            rows.add(t);
        } finally {
            if (second != null) second.stop();
        }
        return rows;
    }

    /** imp = {loss %, reorder %, duplicate %, delay ms, jitter ms}. */
    private Map<String, Object> viaBridge(String path, String condition, String target, double[] imp, boolean exact,
                                          Path logs) throws IOException {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("path", path);
        t.put("condition", condition);
        Bg bridge = ImpairBridgeProcess.start(javaBin, jar, logs, imp[0], imp[1], imp[2], imp[3], imp[4], 1);
        try {
            // Probe the web port, not iperf3's: iperf3 -s serves one test at a time and takes a probe's empty
            // connection for a test, refusing the real one that follows.
            if (!Services.probe(Topology.ICLI, target, Services.HTTP, 20)) {
                t.put("measured", false);
                t.put("reason", "no connection through the bridge to " + target + " within 20 s");
                return t;
            }
            double[] r = runIperf(Topology.ICLI, target, plan.throughputSeconds() + (exact ? 2 : 0));
            t.put("measured", true);
            t.put("mbit_s", r[0]);
            t.put("retransmits", r[1]);
            if (exact) {
                progress(path + ": byte-exact transfer of " + Svg.human(plan.exactBytes()) + "B each way, impaired");
                t.put("exact_transfer", exactTransfer(target, logs));
            }
        } finally {
            t.put("bridge", ImpairBridgeProcess.stopAndCount(bridge));
        }
        return t;
    }

    /** ExactTransfer's client in the impaired namespace: plan.exactBytes() each way at once, every byte checked. */
    private Object exactTransfer(String target, Path logs) throws IOException {
        // Bounded: at least 150 s, or as long as 1 Mbit/s each way would take for a larger transfer.
        long timeoutS = Math.max(150, plan.exactBytes() * 8 / 1_000_000);
        Sh.Out o = Sh.exec(Sh.withNs(Topology.ICLI, javaBin, "-XX:+UseSerialGC", "-cp", jar, ExactTransfer.class.getName(),
                "--target", target + ":" + Services.EXACT, "--bytes", Long.toString(plan.exactBytes()), "--seed", "7",
                "--timeout-s", Long.toString(timeoutS)), null, timeoutS + 30);
        Files.writeString(logs.resolve("exact-client-" + target + ".log"), o.stdout() + o.stderr());
        for (String line : o.stdout().split("\n")) {
            if (line.startsWith("RESULT ")) return Json.parse(line.substring(7));
        }
        return Map.of("ok", false, "error", "no result (exit " + o.code() + "): " + o.stderr().strip());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
