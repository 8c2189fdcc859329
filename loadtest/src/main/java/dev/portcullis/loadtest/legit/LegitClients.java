package dev.portcullis.loadtest.legit;

import dev.portcullis.loadtest.Args;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The legitimate clients: N threads, each opening a new connection per request (plain kernel sockets), sending an
 * HTTP/1.0 request, reading the reply to EOF, checking its status line, closing; paced at one request per
 * {@code --interval-ms} per client so that the clients measure the service rather than compete with the flood for
 * CPU. Run it inside the client namespace:
 * <pre>
 *   ip netns exec NS java -cp benchmarks.jar dev.portcullis.loadtest.legit.LegitClients --target 10.77.0.2:80 \
 *      --clients 8 --seconds 5 [--interval-ms 10] [--connect-timeout-ms 3000] [--wait-go]
 * </pre>
 * Prints {@code RESULT {json}}: attempts, ok, success %, requests/s, connect latency p50 / p99 / p99.9 (ms) of the
 * connects that succeeded, and failures by cause.
 */
public final class LegitClients {
    private LegitClients() {
    }

    record Config(InetSocketAddress target, int clients, double seconds, long intervalNs, int connectTimeoutMs,
                  int readTimeoutMs, byte[] request) {
    }

    public static void main(String[] argv) {
        try {
            start(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("legit: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("legit: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void start(String[] argv) throws Exception {
        Args base = new Args(argv);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        if (base.flag("serve")) {
            System.out.println("READY");
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (!line.startsWith("RUN")) continue;
                try {
                    Config c = config(base.with(Args.ofLine(line.substring(3))));
                    System.out.println("RESULT " + run(c).json(c.seconds()));
                } catch (RuntimeException e) {
                    System.out.println("ERROR " + e.getMessage());
                }
                System.out.flush();
            }
            return;
        }
        Config c = config(base);
        if (base.flag("wait-go")) {
            System.out.println("READY");
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null && !line.trim().equals("GO")) {
                // wait for the start signal
            }
            if (line == null) return;
        }
        LegitStats total = run(c);
        System.out.println("RESULT " + total.json(c.seconds()));
        System.err.printf(Locale.ROOT, "legit: %d/%d ok (%.2f %%), connect p50 %.3f ms p99 %.3f ms p99.9 %.3f ms, %.0f req/s%n",
                total.ok(), total.attempts(), total.successPercent(), total.connectMs(50), total.connectMs(99),
                total.connectMs(99.9), total.ok() / c.seconds());
    }

    static Config config(Args a) {
        String[] hp = a.required("target").split(":");
        String host = hp[0];
        int port = hp.length > 1 ? Integer.parseInt(hp[1]) : 80;
        return new Config(new InetSocketAddress(host, port), (int) a.num("clients", 8), a.dbl("seconds", 5),
                (long) (a.dbl("interval-ms", 10) * 1_000_000), (int) a.num("connect-timeout-ms", 3000),
                (int) a.num("read-timeout-ms", 3000),
                ("GET " + a.str("path", "/") + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    static LegitStats run(Config c) throws InterruptedException {
        long endNs = System.nanoTime() + (long) (c.seconds() * 1e9);
        List<LegitStats> perThread = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < c.clients(); i++) {
            LegitStats s = new LegitStats();
            perThread.add(s);
            long phase = c.intervalNs() * i / Math.max(1, c.clients());
            threads.add(Thread.ofPlatform().name("legit-" + i).start(() -> client(c, s, endNs, phase)));
        }
        for (Thread t : threads) t.join();
        LegitStats total = new LegitStats();
        for (LegitStats s : perThread) total.add(s);
        return total;
    }

    private static void client(Config c, LegitStats s, long endNs, long phaseNs) {
        byte[] buf = new byte[16 * 1024];
        long next = System.nanoTime() + phaseNs;
        while (true) {
            long now = System.nanoTime();
            if (now - endNs >= 0) return;
            if (next - now > 0) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            next += c.intervalNs();
            if (next - now < 0) next = now; // fell behind (a slow connect): no burst to catch up
            oneRequest(c, s, buf);
        }
    }

    static void oneRequest(Config c, LegitStats s, byte[] buf) {
        long t0 = System.nanoTime();
        long connectNs;
        try (Socket sock = new Socket()) {
            try {
                sock.connect(c.target(), c.connectTimeoutMs());
            } catch (SocketTimeoutException e) {
                s.connectTimedOut();
                return;
            } catch (ConnectException e) {
                if (String.valueOf(e.getMessage()).contains("refused")) s.connectRefused();
                else s.connectFailed();
                return;
            } catch (IOException e) {
                s.connectFailed();
                return;
            }
            connectNs = System.nanoTime() - t0;
            try {
                sock.setSoTimeout(c.readTimeoutMs());
                OutputStream out = sock.getOutputStream();
                out.write(c.request());
                out.flush();
                InputStream in = sock.getInputStream();
                int have = 0;
                int n;
                while ((n = in.read(buf, have, buf.length - have)) > 0) {
                    have += n;
                    if (have == buf.length) have = 16; // keep the status line, discard a long body
                }
                if (statusOk(buf, have)) s.success(connectNs);
                else s.exchangeFailed(connectNs, true);
            } catch (IOException e) {
                s.exchangeFailed(connectNs, false);
            }
        } catch (IOException e) {
            // close failed after the exchange was already recorded
        }
    }

    /** "HTTP/1.x 2.." at the start of the reply. */
    static boolean statusOk(byte[] b, int len) {
        if (len < 12) return false;
        String head = new String(b, 0, 12, StandardCharsets.US_ASCII);
        return head.startsWith("HTTP/1.") && head.charAt(9) == '2';
    }
}
