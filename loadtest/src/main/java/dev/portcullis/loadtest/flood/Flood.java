package dev.portcullis.loadtest.flood;

import dev.portcullis.loadtest.Args;
import dev.portcullis.loadtest.net.TxRing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The flood generator: frames from a {@link FrameSource} into an AF_PACKET TX ring, at a target rate or as fast
 * as the box allows, until the duration or the count runs out. Prints one {@code RESULT {json}} line with what it
 * sent. With {@code --wait-go} it prints {@code READY} once the ring is set up and waits for a {@code GO} line on
 * stdin, so a benchmark can start it in step with other processes. With {@code --serve} it keeps the ring open
 * and runs once per stdin line {@code RUN --key value ...} (the line's arguments override the command line's),
 * printing a {@code RESULT} line per run, until stdin closes: one JVM for a whole benchmark.
 * <pre>
 *   ip netns exec NS java -cp benchmarks.jar dev.portcullis.loadtest.flood.Flood --dev veth0 \
 *      --dst-mac 02:..:01 --dst 10.77.0.2 --dport 80 --rate 100k --seconds 3 --mix syn=8,ack=1,rst=1
 * </pre>
 */
public final class Flood {
    private static final int FRAME_SLOT = 256;
    private static final int RING_FRAMES = 8192;
    private static final int MAX_BATCH = 1024;

    private Flood() {
    }

    /** What a run sent. */
    public record Result(long sent, long syn, long ack, long rst, long bytes, double seconds, long wrongFormat) {
        public double pps() {
            return seconds > 0 ? sent / seconds : 0;
        }

        public String json() {
            return String.format(Locale.ROOT,
                    "{\"sent\":%d,\"syn\":%d,\"ack\":%d,\"rst\":%d,\"bytes\":%d,\"seconds\":%.4f,\"pps\":%.1f,\"wrong_format\":%d}",
                    sent, syn, ack, rst, bytes, seconds, pps(), wrongFormat);
        }
    }

    public static void main(String[] argv) {
        try {
            start(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("flood: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("flood: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void start(String[] argv) throws Exception {
        Args a = new Args(argv);
        if (a.flag("serve")) {
            serve(a);
            return;
        }
        FloodSpec spec = FloodSpec.parse(a);
        FrameSource src = new FrameSource(spec);
        if (src.maxFrameLength() + TxRing.DATA_OFFSET > FRAME_SLOT) throw new IllegalStateException("frame too large");
        try (TxRing ring = new TxRing(spec.device(), FRAME_SLOT, RING_FRAMES)) {
            if (a.flag("wait-go")) {
                System.out.println("READY");
                System.out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
                String line;
                while ((line = in.readLine()) != null && !line.trim().equals("GO")) {
                    // wait for the start signal
                }
                if (line == null) return;
            }
            Result r = runPinned(spec, src, ring, (int) a.num("cpu", -1));
            System.out.println("RESULT " + r.json());
            System.err.printf(Locale.ROOT, "flood: sent %,d frames (%,d SYN, %,d ACK, %,d RST) in %.2f s = %,.0f pps%n",
                    r.sent(), r.syn(), r.ack(), r.rst(), r.seconds(), r.pps());
        }
    }

    private static void serve(Args base) throws Exception {
        try (TxRing ring = new TxRing(base.required("dev"), FRAME_SLOT, RING_FRAMES)) {
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (!line.startsWith("RUN")) continue;
                try {
                    Args a = base.with(Args.ofLine(line.substring(3)));
                    FloodSpec spec = FloodSpec.parse(a);
                    Result r = runPinned(spec, new FrameSource(spec), ring, (int) a.num("cpu", -1));
                    System.out.println("RESULT " + r.json());
                } catch (Exception e) {
                    System.out.println("ERROR " + e.getMessage());
                }
                System.out.flush();
            }
        }
    }

    /**
     * Runs on a thread of its own, pinned to {@code cpu} when it is &gt;= 0 ({@code --cpu N}, like trafgen's
     * per-CPU senders), so the pinning never outlives the run.
     */
    static Result runPinned(FloodSpec spec, FrameSource src, TxRing ring, int cpu) throws Exception {
        Result[] out = new Result[1];
        Exception[] err = new Exception[1];
        Thread t = Thread.ofPlatform().name("flood-sender").start(() -> {
            try {
                if (cpu >= 0) dev.portcullis.io.Native.pinCurrentThread(cpu);
                out[0] = run(spec, src, ring);
            } catch (Exception | Error e) {
                err[0] = e instanceof Exception ex ? ex : new IllegalStateException(e);
            }
        });
        t.join();
        if (err[0] != null) throw err[0];
        return out[0];
    }

    /** Sends until the spec's time or count bound; the rate is held per batch against the elapsed time. */
    static Result run(FloodSpec spec, FrameSource src, TxRing ring) throws java.io.IOException {
        long startNs = System.nanoTime();
        long endNs = startNs + (long) (spec.seconds() * 1e9);
        long limit = spec.count();
        long rate = spec.ratePps();
        // At a set rate, batches of about a millisecond's worth keep the pacing smooth.
        int batchCap = rate > 0 ? (int) Math.max(1, Math.min(MAX_BATCH, rate / 1000)) : MAX_BATCH;
        long sent = 0;
        long now = startNs;
        while (sent < limit && now - endNs < 0) {
            long allowed = Math.min(batchCap, limit - sent);
            if (rate > 0) {
                long due = (long) ((now - startNs) * (rate / 1e9)) + 1 - sent;
                if (due <= 0) {
                    long waitNs = (long) ((sent + 1) * (1e9 / rate)) - (now - startNs);
                    LockSupport.parkNanos(Math.min(waitNs, 1_000_000));
                    now = System.nanoTime();
                    continue;
                }
                allowed = Math.min(allowed, due);
            }
            int tsClock = (int) (now / 1_000_000);
            int n = 0;
            while (n < allowed) {
                long off = ring.claim();
                if (off < 0) break;
                int len = src.write(ring.memory(), off, tsClock);
                ring.commit(len);
                n++;
            }
            // A full ring (n == 0): the kernel still owns the next slot; a waiting kick hands it back.
            ring.kick(n == 0); // -1 (no room): the marked frames go with the next kick
            sent += n;
            now = System.nanoTime();
        }
        // Frames still queued in the ring when the loop ends are sent by one last kick.
        ring.kick(true);
        double secs = (System.nanoTime() - startNs) / 1e9;
        return new Result(sent, src.syns, src.acks, src.rsts, src.bytes, secs, ring.wrongFormat);
    }
}
