package dev.portcullis.e2e;

import dev.portcullis.testing.NetNs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bounded flood from netsniff-ng's trafgen in the client namespace, on the client veth: frames to the proxy's MAC
 * with random IPv4 source addresses and ports (trafgen's {@code drnd()}, checksums recomputed per frame). It stops by
 * itself: at most {@code maxFrames} frames ({@code -n}) and at most {@code seconds} ({@code timeout}).
 */
final class Trafgen {
    private static final Pattern SENT = Pattern.compile("(\\d+) packets outgoing");

    final Process process;
    final Path out;
    final long startNs;
    long endNs;

    private Trafgen(Process process, Path out) {
        this.process = process;
        this.out = out;
        this.startNs = System.nanoTime();
    }

    /** A SYN from a random address and port to VIP:port. */
    static String synConfig(Rig rig, int port) throws IOException {
        return config(rig, "tcp(sp=drnd(), dp=%d, seq=drnd(), syn, win=64240)".formatted(port));
    }

    /** An ACK with random sequence and acknowledgment numbers from a random address and port to VIP:port. */
    static String ackConfig(Rig rig, int port) throws IOException {
        return config(rig, "tcp(sp=drnd(), dp=%d, seq=drnd(), aseq=drnd(), ack, win=64240)".formatted(port));
    }

    private static String config(Rig rig, String tcp) throws IOException {
        return """
                {
                  eth(da=%s, sa=%s),
                  ipv4(sa=drnd(), da=%s, ttl=64, df),
                  %s
                }
                """.formatted(NetNs.macString(rig.net.mac(rig.proxy, rig.p0)), NetNs.macString(rig.net.mac(rig.client, rig.c0)),
                Rig.VIP4, tcp);
    }

    /** Starts trafgen on one CPU (the other is left to Portcullis). */
    static Trafgen start(Rig rig, String config, int seconds, long maxFrames) throws IOException {
        Path cfg = Files.createTempFile(rig.dir, "trafgen", ".cfg");
        Files.writeString(cfg, config);
        Path out = Files.createTempFile(rig.dir, "trafgen", ".out");
        Process p = new ProcessBuilder("ip", "netns", "exec", rig.client, "timeout", "-s", "INT", Integer.toString(seconds),
                "trafgen", "-o", rig.c0, "-c", cfg.toString(), "-n", Long.toString(maxFrames), "-P", "1")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Trafgen(p, out);
    }

    /** Waits for trafgen to stop by itself; returns the frames it sent. */
    long await(int seconds) throws IOException, InterruptedException {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) throw new IOException("trafgen did not stop");
        } finally {
            endNs = System.nanoTime();
            kill();
        }
        String text = Files.readString(out);
        Matcher m = SENT.matcher(text);
        if (!m.find()) throw new IOException("trafgen printed no count: " + text);
        return Long.parseLong(m.group(1));
    }

    double seconds() {
        return (endNs - startNs) / 1e9;
    }

    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly); // before the parent: then they are still its
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
