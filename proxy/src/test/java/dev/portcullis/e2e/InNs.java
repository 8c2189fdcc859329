package dev.portcullis.e2e;

import dev.portcullis.io.Native;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads that enter a network namespace before they run anything: sockets they open belong to it. */
final class InNs {
    private InNs() {}

    static ThreadFactory factory(String ns) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                try {
                    Native.enterNetworkNamespace("/var/run/netns/" + ns);
                } catch (Exception e) {
                    throw new IllegalStateException("setns " + ns, e);
                }
                r.run();
            }, ns + "-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    static ExecutorService pool(String ns, int threads) {
        return Executors.newFixedThreadPool(threads, factory(ns));
    }
}
