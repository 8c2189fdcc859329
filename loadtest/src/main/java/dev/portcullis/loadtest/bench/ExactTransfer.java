package dev.portcullis.loadtest.bench;

import dev.portcullis.loadtest.Args;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Byte-exact transfer both ways at once through a proxy: the client sends a header (seed, length) and then
 * {@code length} bytes of a seeded pseudo-random stream while reading {@code length} bytes of the server's stream
 * (another seed) plus one status byte; each side checks every byte it receives. The server runs in the backend
 * namespace; the client prints {@code RESULT {json}}.
 * <pre>
 *   server: java -cp benchmarks.jar dev.portcullis.loadtest.bench.ExactTransfer --serve --bind 10.77.1.2:7001
 *   client: java -cp benchmarks.jar dev.portcullis.loadtest.bench.ExactTransfer --target VIP:7001 --bytes 100m
 * </pre>
 */
public final class ExactTransfer {
    private ExactTransfer() {
    }

    /** A seeded byte stream (xorshift64*, 8 bytes per step): cheap enough for 100 MB on a shared core. */
    static final class Stream {
        private long x;
        private long word;
        private int left;

        Stream(long seed) {
            x = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        }

        byte next() {
            if (left == 0) {
                x ^= x >>> 12;
                x ^= x << 25;
                x ^= x >>> 27;
                word = x * 0x2545F4914F6CDD1DL;
                left = 8;
            }
            byte b = (byte) word;
            word >>>= 8;
            left--;
            return b;
        }

        void fill(byte[] b, int n) {
            for (int i = 0; i < n; i++) b[i] = next();
        }

        /** Offset of the first byte in b[0..n) that differs from the stream, or -1. */
        int check(byte[] b, int n) {
            for (int i = 0; i < n; i++) if (b[i] != next()) return i;
            return -1;
        }
    }

    static Bg startServer(String java, String jar, Path logs) throws IOException {
        return Bg.start("exact-server", logs.resolve("exact-server.log"), List.of("ip", "netns", "exec", Topology.BE,
                java, "-XX:+UseSerialGC", "-cp", jar, ExactTransfer.class.getName(), "--serve", "--bind",
                Topology.BE_IP + ":" + Services.EXACT));
    }

    public static void main(String[] argv) {
        try {
            start(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("exact-transfer: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("exact-transfer: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void start(String[] argv) throws Exception {
        Args a = new Args(argv);
        if (a.flag("serve")) {
            String[] hp = a.required("bind").split(":");
            try (ServerSocket ss = new ServerSocket()) {
                ss.bind(new InetSocketAddress(InetAddress.getByName(hp[0]), Integer.parseInt(hp[1])), 128);
                while (true) {
                    Socket s = ss.accept();
                    Thread.ofPlatform().daemon().start(() -> serve(s));
                }
            }
        }
        String[] hp = a.required("target").split(":");
        long bytes = a.num("bytes", 8 << 20);
        long seed = a.num("seed", 1);
        long t0 = System.nanoTime();
        String json;
        try {
            json = client(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), bytes, seed, t0,
                    (int) a.num("timeout-s", 600));
        } catch (IOException e) {
            json = String.format(Locale.ROOT, "{\"ok\":false,\"error\":\"%s\",\"seconds\":%.3f}",
                    String.valueOf(e.getMessage()).replace('"', '\''), (System.nanoTime() - t0) / 1e9);
        }
        System.out.println("RESULT " + json);
    }

    static String client(InetSocketAddress target, long bytes, long seed, long t0, int timeoutS) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, 5000);
            s.setSoTimeout(timeoutS * 1000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(ByteBuffer.allocate(16).putLong(seed).putLong(bytes).array());
            long[] sentHolder = new long[1];
            IOException[] sendErr = new IOException[1];
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    pump(out, new Stream(seed), bytes, sentHolder);
                    s.shutdownOutput();
                } catch (IOException e) {
                    sendErr[0] = e;
                }
            });
            Stream expect = new Stream(~seed);
            byte[] buf = new byte[64 * 1024];
            long got = 0;
            long badAt = -1;
            while (got < bytes) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, bytes - got));
                if (n < 0) break;
                if (badAt < 0) {
                    int bad = expect.check(buf, n);
                    if (bad >= 0) badAt = got + bad;
                }
                got += n;
            }
            int status = got == bytes ? in.read() : -1;
            try {
                sender.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            boolean ok = got == bytes && badAt < 0 && status == 1 && sendErr[0] == null;
            return String.format(Locale.ROOT,
                    "{\"ok\":%b,\"bytes_each_way\":%d,\"sent\":%d,\"received\":%d,\"first_bad_byte\":%d,"
                            + "\"server_verified\":%b,\"seconds\":%.3f,\"mbit_s_each_way\":%.2f%s}",
                    ok, bytes, sentHolder[0], got, badAt, status == 1, secs, bytes * 8 / secs / 1e6,
                    sendErr[0] == null ? "" : ",\"send_error\":\"" + sendErr[0].getMessage().replace('"', '\'') + "\"");
        }
    }

    private static void pump(OutputStream out, Stream st, long bytes, long[] sent) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            st.fill(buf, n);
            out.write(buf, 0, n);
            left -= n;
            sent[0] += n;
        }
        out.flush();
    }

    static void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            long seed = in.readLong();
            long bytes = in.readLong();
            if (bytes < 0 || bytes > (1L << 40)) return;
            OutputStream out = s.getOutputStream();
            long[] sent = new long[1];
            boolean[] ok = new boolean[1];
            Thread reader = Thread.ofPlatform().start(() -> {
                Stream expect = new Stream(seed);
                byte[] buf = new byte[64 * 1024];
                long got = 0;
                boolean good = true;
                try {
                    while (got < bytes) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, bytes - got));
                        if (n < 0) break;
                        if (good && expect.check(buf, n) >= 0) good = false;
                        got += n;
                    }
                } catch (IOException e) {
                    good = false;
                }
                ok[0] = good && got == bytes;
            });
            pump(out, new Stream(~seed), bytes, sent);
            reader.join();
            out.write(ok[0] ? 1 : 0);
            out.flush();
            s.shutdownOutput();
            // Wait for the client's close so the status byte is not lost to a reset.
            s.setSoTimeout(10_000);
            while (s.getInputStream().read() >= 0) {
                // drain
            }
        } catch (IOException | InterruptedException e) {
            // the client went away; it reports the failure
        }
    }
}
