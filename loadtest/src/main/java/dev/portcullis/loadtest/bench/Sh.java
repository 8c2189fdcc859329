package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system tools the benchmark drives (ip, nft, sysctl, ethtool, iperf3, trafgen), each bounded in time. */
final class Sh {
    private Sh() {
    }

    record Out(int code, String stdout, String stderr) {
    }

    /** Runs a command with optional stdin; waits at most {@code timeoutS} seconds (then kills it: code -1). */
    static Out exec(List<String> cmd, String stdin, double timeoutS) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        // Read both streams on their own threads so a chatty tool never blocks on a full pipe.
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Thread to = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
        Thread te = Thread.ofVirtual().start(() -> drain(p.getErrorStream(), err));
        try {
            boolean done = p.waitFor((long) (timeoutS * 1000), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
            to.join(2000);
            te.join(2000);
            return new Out(done ? p.exitValue() : -1, out.toString(), err.toString());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd));
        }
    }

    private static void drain(java.io.InputStream in, StringBuilder sb) {
        try {
            byte[] b = in.readAllBytes();
            synchronized (sb) {
                sb.append(new String(b, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process went away
        }
    }

    /** Runs and returns stdout; a non-zero exit is an error naming the command and its stderr. */
    static String run(String... cmd) throws IOException {
        return runIn(null, null, cmd);
    }

    static String runIn(String ns, String stdin, String... cmd) throws IOException {
        List<String> c = withNs(ns, cmd);
        Out o = exec(c, stdin, 60);
        if (o.code() != 0) {
            throw new IOException(String.join(" ", c) + " exited " + o.code() + ": " + o.stderr().trim());
        }
        return o.stdout();
    }

    /** Runs and ignores failure (cleanup paths); returns the exit code. */
    static int quiet(String ns, String... cmd) {
        try {
            return exec(withNs(ns, cmd), null, 30).code();
        } catch (IOException e) {
            return -1;
        }
    }

    static List<String> withNs(String ns, String... cmd) {
        List<String> c = new ArrayList<>();
        if (ns != null) c.addAll(List.of("ip", "netns", "exec", ns));
        c.addAll(Arrays.asList(cmd));
        return c;
    }

    /** True when the tool is on PATH (or an absolute path that is executable). */
    static boolean have(String tool) {
        if (tool.startsWith("/")) return new java.io.File(tool).canExecute();
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new java.io.File(d, tool).canExecute()) return true;
        }
        for (String d : new String[] {"/usr/sbin", "/sbin"}) {
            if (new java.io.File(d, tool).canExecute()) return true;
        }
        return false;
    }
}
