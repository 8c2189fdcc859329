package dev.portcullis.loadtest.impair;

import dev.portcullis.loadtest.Args;
import dev.portcullis.io.Native;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * The impairment relay (this kernel has no netem): an AF_PACKET bridge between two interfaces, usually the two
 * veths of a middle namespace, that drops, duplicates, reorders and delays frames at configured rates with a
 * seed, and counts what it did. One thread per direction receives, decides ({@link ImpairPolicy}) and queues the
 * copies by release time; the same thread sends what is due between receives. Frames pass unchanged: turn off
 * TSO/GSO/GRO and TX checksum offload on the veths of the path (ethtool -K DEV tso off gso off gro off tx off),
 * or the bridge sees super-frames larger than the MTU and partial checksums.
 * <pre>
 *   ip netns exec MID java -cp benchmarks.jar dev.portcullis.loadtest.impair.ImpairBridge --a m0 --b m1 \
 *      --loss 5 --reorder 5 --duplicate 1 --delay-ms 10 --jitter-ms 5 --seed 1
 * </pre>
 * On SIGTERM or Ctrl-C prints {@code RESULT {"a_to_b":{...},"b_to_a":{...}}}.
 */
public final class ImpairBridge {
    private static final int SNAP = 65536;
    private static final int EMSGSIZE = 90;

    private ImpairBridge() {
    }

    /** A frame waiting for its release time. */
    private record Held(long releaseNs, long order, byte[] frame) {
    }

    /** One direction: receive on {@code in}, send on {@code out}. */
    static final class Direction implements Runnable {
        final RawPort in;
        final RawPort out;
        final ImpairPolicy policy;
        final String name;
        volatile boolean running = true;
        volatile String failure;
        long sent, sendErrors, tooBig;
        private final PriorityQueue<Held> queue = new PriorityQueue<>((x, y) -> {
            int c = Long.compare(x.releaseNs() - y.releaseNs(), 0);
            return c != 0 ? c : Long.compare(x.order(), y.order());
        });
        private long order;

        Direction(String name, RawPort in, RawPort out, ImpairPolicy policy) {
            this.name = name;
            this.in = in;
            this.out = out;
            this.policy = policy;
        }

        @Override
        public void run() {
            long[] rel = new long[2];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment rx = arena.allocate(SNAP, 64);
                MemorySegment tx = arena.allocate(SNAP, 64);
                MemorySegment pfd = arena.allocate(8, 4);
                while (running) {
                    long now = System.nanoTime();
                    flushDue(now, tx);
                    int timeoutMs = queue.isEmpty() ? 50
                            : (int) Math.max(0, Math.min(50, (queue.peek().releaseNs() - now) / 1_000_000));
                    pfd.set(ValueLayout.JAVA_INT, 0, in.fd);
                    pfd.set(ValueLayout.JAVA_SHORT, 4, Native.POLLIN);
                    pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                    if (Native.poll(pfd, 1, timeoutMs) <= 0) continue;
                    // Drain what is there without blocking, then go back to sending what became due.
                    for (int k = 0; k < 256; k++) {
                        long n = Native.recv(in.fd, rx, SNAP, Native.MSG_DONTWAIT);
                        if (n <= 0) break;
                        long t = System.nanoTime();
                        int copies;
                        synchronized (policy) {
                            copies = policy.decide(t, rel);
                        }
                        if (copies == 0) continue;
                        byte[] f = rx.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                        for (int c = 0; c < copies; c++) queue.add(new Held(rel[c], order++, f));
                        if (k % 16 == 15) flushDue(System.nanoTime(), tx);
                    }
                }
            } catch (IOException e) {
                failure = e.getMessage();
                System.err.println("bridge " + name + " stopped: " + failure);
            }
        }

        private void flushDue(long now, MemorySegment tx) {
            Held h;
            while ((h = queue.peek()) != null && h.releaseNs() - now <= 0) {
                queue.poll();
                MemorySegment.copy(h.frame(), 0, tx, ValueLayout.JAVA_BYTE, 0, h.frame().length);
                try {
                    if (Native.sendto(out.fd, tx, h.frame().length, 0, MemorySegment.NULL) >= 0) sent++;
                    else sendErrors++;
                } catch (Native.NativeIOException e) {
                    if (e.errno() == EMSGSIZE) tooBig++;
                    else sendErrors++;
                } catch (IOException e) {
                    sendErrors++;
                }
            }
        }

        String json() {
            String p;
            synchronized (policy) {
                p = policy.json();
            }
            return p.substring(0, p.length() - 1) + ",\"sent\":" + sent + ",\"send_errors\":" + sendErrors
                    + ",\"too_big\":" + tooBig + ",\"queued\":" + queue.size()
                    + (failure == null ? "" : ",\"failure\":\"" + failure.replace('"', '\'') + "\"") + "}";
        }
    }

    public static void main(String[] argv) {
        try {
            start(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bridge: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("bridge: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void start(String[] argv) throws Exception {
        Args a = new Args(argv);
        double loss = a.dbl("loss", 0), dup = a.dbl("duplicate", 0), reorder = a.dbl("reorder", 0);
        long delayNs = (long) (a.dbl("delay-ms", 0) * 1e6), jitterNs = (long) (a.dbl("jitter-ms", 0) * 1e6);
        long seed = a.num("seed", 1);
        RawPort pa = new RawPort(a.required("a"));
        RawPort pb = new RawPort(a.required("b"));
        Direction ab = new Direction("a_to_b", pa, pb, new ImpairPolicy(loss, dup, reorder, delayNs, jitterNs, seed));
        Direction ba = new Direction("b_to_a", pb, pa, new ImpairPolicy(loss, dup, reorder, delayNs, jitterNs, seed * 31 + 7));
        Thread t1 = Thread.ofPlatform().name("bridge-ab").start(ab);
        Thread t2 = Thread.ofPlatform().name("bridge-ba").start(ba);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ab.running = false;
            ba.running = false;
            try {
                t1.join(500);
                t2.join(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println("RESULT {\"a_to_b\":" + ab.json() + ",\"b_to_a\":" + ba.json() + "}");
            System.out.flush();
        }));
        System.err.printf(Locale.ROOT, "bridge %s <-> %s: loss %.1f %%, duplicate %.1f %%, reorder %.1f %%, delay %.1f ± %.1f ms, seed %d%n",
                pa.device, pb.device, loss, dup, reorder, delayNs / 1e6, jitterNs / 1e6, seed);
        System.out.println("READY");
        System.out.flush();
        t1.join();
        t2.join();
    }
}
