package dev.portcullis.e2e;

import dev.portcullis.testing.NetNs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Portcullis as the operator runs it: the distribution's launcher ({@code bin/portcullis}), started with
 * {@code ip netns exec} in the proxy namespace with a generated HOCON file. {@code ip netns exec} and the
 * launcher both exec, so {@link Process#pid()} is the JVM's: SIGTERM and SIGKILL reach Portcullis itself.
 */
final class ProxyProcess {
    static final int ADMIN_PORT = 9090;
    /** Exit status of a JVM that ran its shutdown hooks after SIGTERM (128 + 15). */
    static final int SIGTERM_EXIT = 143;

    private final Rig rig;
    final Process process;
    final Path log;

    private ProxyProcess(Rig rig, Process process, Path log) {
        this.rig = rig;
        this.process = process;
        this.log = log;
    }

    /** The configuration every E2E test uses; {@code extra} (HOCON inside {@code portcullis { }}) is merged over it. */
    static String config(Rig rig, String extra) {
        return """
                portcullis {
                  interface = "%s"
                  vips = ["%s", "%s"]
                  listeners = [ { port = %d, pool = web }, { port = %d, pool = tb } ]
                  pools {
                    web { backends = ["%s:%d"] }
                    tb { backends = ["%s:%d"] }
                  }
                  shards = 2
                  admin { port = %d }
                  shutdown { grace-period = 2s }
                }
                portcullis { %s }
                """.formatted(rig.p0, Rig.VIP4, Rig.VIP6, Rig.WEB, Rig.TB, Rig.BACKEND_IP, Rig.NGINX_PORT,
                Rig.BACKEND_IP, Rig.BACKEND_PORT, ADMIN_PORT, extra);
    }

    /** Starts Portcullis and waits until /readyz answers 200 (shards running, a backend up). */
    static ProxyProcess start(Rig rig, String extra) throws IOException, InterruptedException {
        Path conf = Files.createTempFile(rig.dir, "portcullis", ".conf");
        Files.writeString(conf, config(rig, extra));
        Path log = Files.createTempFile(rig.dir, "portcullis", ".log");
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", rig.proxy, Rig.LAUNCHER.toString(),
                "--config", conf.toString());
        pb.environment().put("JAVA_OPTS", "-Xmx512m");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        ProxyProcess p = new ProxyProcess(rig, pb.start(), log);
        try {
            p.awaitReady(60);
        } catch (IOException | RuntimeException e) {
            p.kill();
            throw e;
        }
        System.out.printf("portcullis pid %d ready in %d ms%n", p.process.pid(), (System.nanoTime() - t0) / 1_000_000);
        return p;
    }

    private void awaitReady(int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IOException("portcullis exited with " + process.exitValue() + " before it was ready:\n" + logText());
            }
            NetNs.Result r = rig.net.execMayFail(rig.proxy, 5, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "-m", "1", "http://127.0.0.1:" + ADMIN_PORT + "/readyz");
            if (r.out().strip().equals("200")) return;
            Thread.sleep(200);
        }
        throw new IOException("portcullis not ready after " + seconds + " s:\n" + logText());
    }

    /** The current /metrics. */
    Scrape scrape() throws IOException {
        NetNs.Result r = rig.net.execMayFail(rig.proxy, 10, "curl", "-s", "-m", "5",
                "http://127.0.0.1:" + ADMIN_PORT + "/metrics");
        if (!r.ok()) throw new IOException("scraping /metrics failed: " + r.err() + "\n" + logText());
        return Scrape.parse(r.out());
    }

    /**
     * SIGTERM, then waits for the process to exit (the grace period is 2 s); returns the exit status. The nft table
     * must be gone afterwards.
     */
    int stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            String log = logText();
            kill();
            throw new AssertionError("portcullis did not exit within 30 s of SIGTERM:\n" + log);
        }
        return process.exitValue();
    }

    /** SIGKILL (no cleanup by Portcullis: its nft table stays; the namespace's deletion removes it). */
    void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Tables named portcullis_* in the proxy namespace now. */
    List<String> nftTables() throws IOException {
        String out = rig.net.exec(rig.proxy, "nft", "list", "tables").out();
        return out.lines().filter(l -> l.contains("portcullis_")).map(String::strip).toList();
    }

    String logText() {
        return Rig.readQuietly(log);
    }
}
