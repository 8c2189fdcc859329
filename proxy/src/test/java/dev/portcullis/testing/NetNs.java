package dev.portcullis.testing;

import dev.portcullis.io.Native;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throw-away network topology for integration tests: network namespaces with unique names, veth pairs between
 * them, addresses (IPv6 with {@code nodad} so they are usable at once), commands run inside a namespace, ethtool
 * offloads, and Java code run on a thread that entered a namespace (sockets opened there stay in it).
 *
 * <p>Names carry the creating JVM's pid ({@code pt<pid>n<k>}, {@code pt<pid>v<k>}): {@link #close()} deletes
 * everything this instance made (also after a failed test), and the constructor first deletes what a killed
 * earlier run left behind (names whose pid is no longer alive). Every test's traffic stays in its namespaces.
 */
public final class NetNs implements AutoCloseable {
    private static final String PREFIX = "pt";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)[nv]\\d+");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long PID = ProcessHandle.current().pid();

    private final List<String> namespaces = new ArrayList<>();
    private final List<String> rootLinks = new ArrayList<>();
    private final Deque<Process> processes = new ArrayDeque<>();

    /** The result of a command. */
    public record Result(int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }
    }

    /** A veth pair: {@code a} in namespace {@code nsA}, {@code b} in {@code nsB}. */
    public record Veth(String nsA, String a, String nsB, String b) {
    }

    /** Why these tests cannot run here, or null (root, CAP_NET_RAW, native access, the ip tool). */
    public static String skipReason() {
        if (!Native.isAvailable()) {
            return Native.unavailabilityCause();
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return "the ip tool (iproute2) is not installed";
        }
        try {
            Result r = run(5, "ip", "netns", "list");
            if (!r.ok()) {
                return "cannot manage network namespaces: " + r.err().strip();
            }
        } catch (IOException e) {
            return "cannot run ip: " + e.getMessage();
        }
        return null;
    }

    /** Skips the calling test class, printing why, unless namespaces and raw sockets are usable here. */
    public static void assumeUsable(Class<?> testClass) {
        String why = skipReason();
        if (why != null) {
            System.out.println(testClass.getSimpleName() + " skipped: " + why);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
    }

    public NetNs() throws IOException {
        cleanupLeftovers();
    }

    /** Deletes namespaces and root-namespace links that a dead earlier test JVM left behind. */
    public static void cleanupLeftovers() throws IOException {
        for (String line : run(10, "ip", "netns", "list").out().split("\n")) {
            String name = line.split(" ")[0].strip();
            if (isStale(name)) {
                run(10, "ip", "netns", "del", name);
            }
        }
        for (String line : run(10, "ip", "-o", "link", "show").out().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length > 1) {
                String name = f[1].split("@")[0];
                if (isStale(name)) {
                    run(10, "ip", "link", "del", name);
                }
            }
        }
    }

    private static boolean isStale(String name) {
        Matcher m = OURS.matcher(name);
        if (!m.find()) {
            return false;
        }
        long pid = Long.parseLong(m.group(1));
        return pid != PID && ProcessHandle.of(pid).isEmpty();
    }

    /** Creates a namespace with a unique name, loopback up. */
    public String namespace() throws IOException {
        String name = PREFIX + PID + "n" + COUNTER.incrementAndGet();
        check(run(10, "ip", "netns", "add", name));
        namespaces.add(name);
        exec(name, "ip", "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair between two namespaces, both ends up. */
    public Veth veth(String nsA, String nsB) throws IOException {
        int k = COUNTER.incrementAndGet();
        String a = PREFIX + PID + "v" + k + "a", b = PREFIX + PID + "v" + k + "b";
        if (a.length() > 15) {
            a = PREFIX + (PID % 100000) + "v" + k + "a";
            b = PREFIX + (PID % 100000) + "v" + k + "b";
        }
        rootLinks.add(a);
        check(run(10, "ip", "link", "add", a, "type", "veth", "peer", "name", b));
        check(run(10, "ip", "link", "set", a, "netns", nsA));
        check(run(10, "ip", "link", "set", b, "netns", nsB));
        rootLinks.remove(a);
        exec(nsA, "ip", "link", "set", a, "up");
        exec(nsB, "ip", "link", "set", b, "up");
        return new Veth(nsA, a, nsB, b);
    }

    /** Adds an address (CIDR); IPv6 ones with nodad so they work without the 1-2 s duplicate detection. */
    public void address(String ns, String dev, String cidr) throws IOException {
        if (cidr.contains(":")) {
            exec(ns, "ip", "-6", "addr", "add", cidr, "dev", dev, "nodad");
        } else {
            exec(ns, "ip", "addr", "add", cidr, "dev", dev);
        }
    }

    /** A permanent neighbour entry (ARP or ND) in {@code ns}. */
    public void neighbour(String ns, String dev, String ip, long mac) throws IOException {
        exec(ns, "ip", "neigh", "replace", ip, "lladdr", macString(mac), "dev", dev, "nud", "permanent");
    }

    /** tso/gso/gro and tx/rx checksumming on or off on a device (the client side, usually). */
    public void offloads(String ns, String dev, boolean on) throws IOException {
        String v = on ? "on" : "off";
        exec(ns, "ethtool", "-K", dev, "tso", v, "gso", v, "gro", v, "tx", v, "rx", v);
    }

    public void sysctl(String ns, String key, String value) throws IOException {
        exec(ns, "sysctl", "-q", "-w", key + "=" + value);
    }

    /** Runs a command in {@code ns} and fails the test when it exits non-zero. */
    public Result exec(String ns, String... cmd) throws IOException {
        return check(execMayFail(ns, 20, cmd));
    }

    /** Runs a command in {@code ns} with a time limit (seconds); the result may be a failure. */
    public Result execMayFail(String ns, int timeoutSeconds, String... cmd) throws IOException {
        return run(timeoutSeconds, inNs(ns, cmd));
    }

    /** Starts a command in {@code ns} in the background; {@link #close()} kills it if it is still running. */
    public Process start(String ns, String... cmd) throws IOException {
        Process p = new ProcessBuilder(inNs(ns, cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.push(p);
        return p;
    }

    /** The command prefix that runs a command in {@code ns} (for code that takes a launcher, e.g. VipGuard). */
    public static List<String> launcher(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    private static String[] inNs(String ns, String... cmd) {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return full;
    }

    /**
     * Runs {@code body} on a fresh thread that first entered {@code ns} with setns(2), and returns its result.
     * Sockets opened in the body belong to {@code ns} for their whole life, whichever thread uses them later.
     */
    public <T> T inNamespace(String ns, Callable<T> body) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Native.enterNetworkNamespace("/var/run/netns/" + ns);
                f.complete(body.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "netns-" + ns);
        t.setDaemon(true);
        t.start();
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** The MAC of a device in {@code ns}. */
    public long mac(String ns, String dev) throws IOException {
        String out = exec(ns, "cat", "/sys/class/net/" + dev + "/address").out().strip();
        // ip netns exec mounts a fresh /sys, so this is the namespace's own view
        return Long.parseLong(out.replace(":", ""), 16);
    }

    public static String macString(long mac) {
        StringBuilder sb = new StringBuilder();
        for (int i = 5; i >= 0; i--) {
            sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xff));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    private static Result check(Result r) throws IOException {
        if (!r.ok()) {
            throw new IOException("command failed (" + r.exit() + "): " + r.err().strip() + " " + r.out().strip());
        }
        return r;
    }

    /** Runs a command with a time limit; the output is read fully. */
    public static Result run(int timeoutSeconds, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                killTree(p);
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, out.getNow(""), "timed out after " + timeoutSeconds + " s: "
                        + Arrays.toString(cmd));
            }
            return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(p);
            throw new IOException("interrupted: " + Arrays.toString(cmd), e);
        } catch (Exception e) {
            throw new IOException("reading output of " + Arrays.toString(cmd), e);
        }
    }

    /**
     * Kills a process and everything it started: a wrapper such as timeout(1) or sh runs its command as a child,
     * which would outlive a kill of the wrapper alone (an hping3 flood left running for half an hour after a
     * test's close, found here).
     */
    static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Kills started processes, deletes the namespaces (their veths go with them) and stray root links. */
    @Override
    public void close() throws IOException {
        while (!processes.isEmpty()) {
            Process p = processes.pop();
            killTree(p);
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        IOException failure = null;
        for (String link : rootLinks) {
            run(10, "ip", "link", "del", link);
        }
        for (String ns : namespaces) {
            Result r = run(10, "ip", "netns", "del", ns);
            if (!r.ok() && failure == null) {
                failure = new IOException("ip netns del " + ns + ": " + r.err());
            }
        }
        namespaces.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
