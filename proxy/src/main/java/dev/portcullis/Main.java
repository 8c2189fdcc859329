package dev.portcullis;

import dev.portcullis.config.ConfigError;
import dev.portcullis.config.Settings;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code portcullis --config FILE [--check]}. Exit codes: 0 done (--check: the file is valid), 1 cannot run
 * (capabilities, interface, ports), 2 bad command line or configuration (one line on stderr naming the key).
 * SIGTERM / SIGINT: stop accepting, let open connections finish for the grace period, reset the rest, remove
 * the nft rule, close the rings. SIGHUP: re-read the file and apply changes to the backend pools (see
 * {@link Portcullis#reload}).
 */
public final class Main {
    static final String USAGE = "usage: portcullis --config FILE [--check]";

    private Main() {}

    public static void main(String[] args) {
        // Netty's default leak detector samples buffer allocations and records a stack trace for each sample, on
        // the shard threads (a profile under a SYN flood counted thousands); the appliance's buffers are pooled
        // and checked by the tests, which keep the detector on. -Dio.netty.leakDetection.level=... overrides.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        int code = run(args, System.out, System.err);
        if (code >= 0) {
            System.out.flush();
            System.err.flush();
            System.exit(code);
        }
        // < 0: running; the shutdown hook ends the process
    }

    /**
     * Runs {@code reload} on SIGHUP, on a thread of its own so that a slow reload never holds up the JVM's signal
     * dispatcher. sun.misc.Signal is in the jdk.unsupported module, which the class path (the dist launcher runs
     * Main from the class path) reads by default on JDK 25; the JVM's own SIGHUP handler (a shutdown, like
     * SIGTERM) is replaced. javac warns that it is an internal API (no annotation silences that); checked with the
     * dist launcher on JDK 25 by RelayOpsIT. Reloads do not overlap: {@link Portcullis#reload} is synchronized.
     */
    static void onHangup(Runnable reload) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                sig -> Thread.ofPlatform().name("portcullis-reload").daemon(true).start(reload));
    }

    /** Returns the exit code, or -1 when the proxy was started and runs until the JVM is asked to stop. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Path config = null;
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("portcullis: --config needs a file; " + USAGE);
                        return 2;
                    }
                    config = Path.of(args[++i]);
                }
                case "--check" -> check = true;
                case "--help", "-h" -> {
                    out.println(USAGE);
                    out.println("  --config FILE  the HOCON configuration (every key: reference.conf in the jar)");
                    out.println("  --check        validate the configuration and exit (0 valid, 2 not)");
                    return 0;
                }
                default -> {
                    err.println("portcullis: unknown argument '" + args[i] + "'; " + USAGE);
                    return 2;
                }
            }
        }
        if (config == null) {
            err.println("portcullis: no configuration given; " + USAGE);
            return 2;
        }
        Settings settings;
        try {
            settings = Settings.load(config);
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        }
        if (check) {
            out.println("portcullis: " + config + " is valid: " + settings.vips().size() + " VIP(s), "
                    + settings.listeners().size() + " listener(s), " + settings.pools().size() + " pool(s), "
                    + settings.shards() + " shard(s)");
            return 0;
        }
        String missing = Capabilities.ofThisProcess().missing(settings.installNftRule());
        if (missing != null) {
            err.println(missing);
            return 1;
        }
        // The hook is in place before anything is started: a SIGTERM that arrives while the rings open and the
        // nftables rule goes in waits for the start to finish, then stops what it started (no rule left behind).
        java.util.concurrent.CompletableFuture<Portcullis> running = new java.util.concurrent.CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.get(60, java.util.concurrent.TimeUnit.SECONDS).stop();
            } catch (Exception notStarted) {
                // the start failed (and cleaned up after itself) or never finished: nothing of ours is running
            }
        }, "portcullis-shutdown"));
        try {
            Portcullis p = Portcullis.start(settings);
            running.complete(p);
            Path file = config;
            onHangup(() -> p.reload(file));
            return -1;
        } catch (Portcullis.StartFailure e) {
            running.completeExceptionally(e);
            err.println("portcullis: " + e.getMessage());
            return 1;
        } catch (RuntimeException | Error e) {
            running.completeExceptionally(e);
            throw e;
        }
    }
}
