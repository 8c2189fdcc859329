package dev.portcullis.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A client host for the container tests: a network namespace joined to the host by a veth pair. The host end is
 * the interface Portcullis (in a container on the host network) attaches its rings to; the VIP is an address no
 * kernel interface has (owned mode: Portcullis answers ARP for it).
 *
 * <pre>
 *   netns pcitN: pcitcN 10.213.K.2/24  ──veth──  host: pcithN 10.213.K.1/24   VIP 10.213.K.10 (Portcullis)
 * </pre>
 *
 * Made with iproute2 as root; {@link #unavailableReason()} says why not otherwise.
 */
final class TestLink implements AutoCloseable {
    final String namespace;
    final String hostIf;
    final String clientIf;
    final String hostAddr;
    final String clientAddr;
    final String vip;

    private TestLink(int k) {
        namespace = "pcit" + k;
        hostIf = "pcith" + k;
        clientIf = "pcitc" + k;
        hostAddr = "10.213." + k + ".1";
        clientAddr = "10.213." + k + ".2";
        vip = "10.213." + k + ".10";
    }

    static Optional<String> unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.of("not root: cannot make a veth pair");
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return Optional.of("iproute2 (ip) is not installed");
        }
        return Optional.empty();
    }

    /** A fresh pair; K comes from the PID so that parallel builds on one host do not collide. */
    static TestLink create() throws IOException, InterruptedException {
        TestLink l = new TestLink((int) (ProcessHandle.current().pid() % 200) + 20);
        l.run(false, "ip", "netns", "del", l.namespace);
        l.run(false, "ip", "link", "del", l.hostIf);
        l.run(true, "ip", "netns", "add", l.namespace);
        l.run(true, "ip", "link", "add", l.hostIf, "type", "veth", "peer", "name", l.clientIf, "netns", l.namespace);
        l.run(true, "ip", "addr", "add", l.hostAddr + "/24", "dev", l.hostIf);
        l.run(true, "ip", "link", "set", l.hostIf, "up");
        l.run(true, "ip", "-n", l.namespace, "addr", "add", l.clientAddr + "/24", "dev", l.clientIf);
        l.run(true, "ip", "-n", l.namespace, "link", "set", l.clientIf, "up");
        l.run(true, "ip", "-n", l.namespace, "link", "set", "lo", "up");
        return l;
    }

    /** Runs a command inside the client namespace; returns its exit code and output. */
    Result inClient(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(List.of(command));
        return exec(timeoutSeconds, cmd);
    }

    record Result(int exit, String output) {}

    static Result exec(int timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    private void run(boolean mustWork, String... cmd) throws IOException, InterruptedException {
        Result r = exec(20, List.of(cmd));
        if (mustWork && r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output().strip());
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        removeLeftoverRules();
        run(false, "ip", "netns", "del", namespace); // takes the client end, and so the pair, with it
        run(false, "ip", "link", "del", hostIf);
    }

    /**
     * A container killed rather than stopped (a failed test: Testcontainers' close() sends SIGKILL) leaves its
     * nftables netdev table behind. Remove any netdev table hooked on this pair's host end, and say so.
     */
    void removeLeftoverRules() throws IOException, InterruptedException {
        Result tables = exec(10, List.of("nft", "list", "tables", "netdev"));
        if (tables.exit() != 0) return; // no nft: nothing can have been installed through it here
        for (String line : tables.output().split("\n")) {
            String[] w = line.strip().split("\\s+");
            if (w.length != 3 || !w[0].equals("table")) continue;
            Result t = exec(10, List.of("nft", "list", "table", "netdev", w[2]));
            if (t.output().contains("\"" + hostIf + "\"")) {
                exec(10, List.of("nft", "delete", "table", "netdev", w[2]));
                System.out.println("[TestLink] removed leftover nftables table netdev " + w[2] + " on " + hostIf);
            }
        }
    }
}
