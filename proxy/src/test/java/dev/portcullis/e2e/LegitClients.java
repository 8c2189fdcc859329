package dev.portcullis.e2e;

import dev.portcullis.testing.TestBackend;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Legitimate clients in the client namespace: each thread opens a new connection to the TestBackend listener, sends
 * a GET, reads the whole answer and checks the page, again and again until stopped. Records every connect time and
 * every failure (with its reason).
 */
final class LegitClients {
    final int threads;
    private final ExecutorService pool;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Future<?>> running = new ArrayList<>();
    final ConcurrentLinkedQueue<Long> connectNs = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong successes = new AtomicLong();
    private long startNs, endNs;

    LegitClients(String ns, int threads) {
        this.threads = threads;
        this.pool = InNs.pool(ns, threads);
    }

    void start() {
        stop.set(false);
        connectNs.clear();
        failures.clear();
        successes.set(0);
        startNs = System.nanoTime();
        for (int i = 0; i < threads; i++) running.add(pool.submit(this::loop));
    }

    /** Stops the loops and waits for the requests in flight. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : running) f.get(30, TimeUnit.SECONDS);
        running.clear();
        endNs = System.nanoTime();
    }

    void close() {
        stop.set(true);
        pool.shutdownNow();
    }

    private void loop() {
        byte[] request = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (!stop.get()) {
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress(Rig.VIP4, Rig.TB), 10_000);
                connectNs.add(System.nanoTime() - t0);
                s.getOutputStream().write(request);
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                if (answer.startsWith("HTTP/1.1 200 ") && answer.contains(TestBackend.PAGE)) {
                    successes.incrementAndGet();
                } else {
                    failures.add("bad answer: " + answer.substring(0, Math.min(80, answer.length())));
                }
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }
    }

    long attempts() {
        return successes.get() + failures.size();
    }

    long[] connectMicros() {
        return connectNs.stream().mapToLong(n -> n / 1000).toArray();
    }

    double seconds() {
        return (endNs - startNs) / 1e9;
    }
}
