package dev.portcullis.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The project's own backend for tests, in-process or as a subprocess (also inside a network namespace):
 * {@code java -cp ... dev.portcullis.testing.TestBackend --port 8080 [--bind 0.0.0.0] [--name b1] [--rcvbuf BYTES]}
 * prints {@code listening PORT} once bound.
 *
 * <p>Each connection may begin with a PROXY protocol header (v1 or v2), which is parsed and remembered; then the
 * first line chooses what happens:
 * <pre>
 *   GET / ...            HTTP/1.1 200 with a fixed page naming this backend, then close
 *   NAME                 "NAME name\n", then close
 *   WHO                  "WHO name proxy=TCP4 src dst sport dport\n" (or proxy=none), then close
 *   ECHO                 every byte back until EOF, then FIN
 *   SINK                 read until EOF, answer "SINK bytes sha256hex\n", then close
 *   SINK-AFTER ms        wait ms before reading (a backend that does not keep up), then as SINK
 *   STREAM n             n bytes of {@link #streamByte} (their sha256 is {@link #streamSha256}), then close
 *   RESET-AFTER n        n bytes of the stream, then an RST (SO_LINGER 0)
 *   HALF-CLOSE           "HALF-CLOSE\n", then a FIN at once (shutdownOutput); reads until EOF and puts
 *                        "bytes sha256hex" of what came after the command line into {@link #halfCloseResults}
 * </pre>
 */
public final class TestBackend implements AutoCloseable {
    public static final String PAGE = "<html><body>portcullis test backend</body></html>\n";

    private final String name;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger open = new AtomicInteger();
    public final AtomicLong bytesIn = new AtomicLong();
    public final AtomicLong bytesOut = new AtomicLong();
    /** What each HALF-CLOSE connection received after the backend's FIN: "bytes sha256hex". */
    public final java.util.concurrent.BlockingQueue<String> halfCloseResults = new java.util.concurrent.LinkedBlockingQueue<>();

    public TestBackend(InetAddress bind, int port, String name, int rcvbuf) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        if (rcvbuf > 0) server.setReceiveBufferSize(rcvbuf); // before bind, so accepted sockets inherit it
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port), 1024);
        threads.submit(this::acceptLoop);
    }

    public static TestBackend start(String name) throws IOException {
        return new TestBackend(InetAddress.getLoopbackAddress(), 0, name, 0);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String name() {
        return name;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                threads.submit(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        open.incrementAndGet();
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            String proxy = readProxyHeader(in);
            String line = readLine(in);
            if (line == null) return;
            if (line.startsWith("GET ")) {
                while (true) { String h = readLine(in); if (h == null || h.isEmpty()) break; }
                byte[] body = (PAGE + "backend " + name + "\n").getBytes(StandardCharsets.US_ASCII);
                write(out, ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                write(out, body);
            } else if (line.equals("NAME")) {
                write(out, ("NAME " + name + "\n").getBytes(StandardCharsets.US_ASCII));
            } else if (line.equals("WHO")) {
                write(out, ("WHO " + name + " proxy=" + proxy + "\n").getBytes(StandardCharsets.US_ASCII));
            } else if (line.equals("ECHO")) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    bytesIn.addAndGet(n);
                    write(out, buf, n);
                    if (in.available() == 0) out.flush();
                }
                out.flush();
                s.shutdownOutput();
                return;
            } else if (line.equals("HALF-CLOSE")) {
                write(out, "HALF-CLOSE\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.shutdownOutput();
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                    bytesIn.addAndGet(n);
                }
                halfCloseResults.add(total + " " + HexFormat.of().formatHex(sha.digest()));
                return;
            } else if (line.equals("SINK") || line.startsWith("SINK-AFTER ")) {
                if (line.startsWith("SINK-AFTER ")) Thread.sleep(Long.parseLong(line.substring(11).trim()));
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    total += n;
                    bytesIn.addAndGet(n);
                }
                write(out, ("SINK " + total + " " + HexFormat.of().formatHex(sha.digest()) + "\n").getBytes(StandardCharsets.US_ASCII));
            } else if (line.startsWith("STREAM ") || line.startsWith("RESET-AFTER ")) {
                boolean reset = line.startsWith("RESET-AFTER ");
                long n = Long.parseLong(line.substring(line.indexOf(' ') + 1).trim());
                byte[] buf = new byte[64 * 1024];
                for (long sent = 0; sent < n; ) {
                    int len = (int) Math.min(buf.length, n - sent);
                    for (int i = 0; i < len; i++) buf[i] = streamByte(sent + i);
                    write(out, buf, len);
                    sent += len;
                }
                out.flush();
                if (reset) s.setSoLinger(true, 0);
                return;
            } else {
                write(out, ("ERR unknown command " + line + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (Exception e) {
            // a client that went away; nothing to do
        } finally {
            open.decrementAndGet();
        }
    }

    private void write(OutputStream out, byte[] b) throws IOException {
        write(out, b, b.length);
    }

    private void write(OutputStream out, byte[] b, int n) throws IOException {
        out.write(b, 0, n);
        bytesOut.addAndGet(n);
    }

    /** Byte i of the STREAM data: cheap, not periodic at any short length. */
    public static byte streamByte(long i) {
        long z = (i >>> 3) * 0x9E3779B97F4A7C15L;
        z ^= z >>> 29;
        return (byte) (z >>> (8 * (i & 7)));
    }

    public static String streamSha256(long n) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (long done = 0; done < n; ) {
                int len = (int) Math.min(buf.length, n - done);
                for (int i = 0; i < len; i++) buf[i] = streamByte(done + i);
                sha.update(buf, 0, len);
                done += len;
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final byte[] V2_SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Parses an optional PROXY v1/v2 header; "none" when the stream does not start with one. */
    private static String readProxyHeader(InputStream in) throws IOException {
        int b0 = peek(in);
        if (b0 == 'P') {
            String line = readLine(in);
            if (line != null && line.startsWith("PROXY ")) return line.substring(6);
            throw new IOException("not a PROXY v1 line: " + line);
        }
        if (b0 == 0x0D) {
            PEEKED.remove();
            byte[] sig = new byte[12];
            sig[0] = 0x0D;
            if (in.readNBytes(sig, 1, 11) != 11) throw new IOException("short v2 signature");
            if (!java.util.Arrays.equals(sig, V2_SIG)) throw new IOException("bad v2 signature");
            int verCmd = in.read(), fam = in.read();
            int len = (in.read() << 8) | in.read();
            byte[] body = in.readNBytes(len);
            if (verCmd != 0x21) return "v2-cmd-" + verCmd;
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(body);
            if (fam == 0x11) {
                byte[] a = new byte[4], c = new byte[4];
                bb.get(a).get(c);
                return "TCP4 " + InetAddress.getByAddress(a).getHostAddress() + " " + InetAddress.getByAddress(c).getHostAddress()
                        + " " + (bb.getShort() & 0xffff) + " " + (bb.getShort() & 0xffff);
            }
            if (fam == 0x21) {
                byte[] a = new byte[16], c = new byte[16];
                bb.get(a).get(c);
                return "TCP6 " + InetAddress.getByAddress(a).getHostAddress() + " " + InetAddress.getByAddress(c).getHostAddress()
                        + " " + (bb.getShort() & 0xffff) + " " + (bb.getShort() & 0xffff);
            }
            return "v2-family-" + fam;
        }
        return "none";
    }

    private static final ThreadLocal<Integer> PEEKED = new ThreadLocal<>();

    private static int peek(InputStream in) throws IOException {
        int b = in.read();
        PEEKED.set(b);
        return b;
    }

    private static int next(InputStream in) throws IOException {
        Integer p = PEEKED.get();
        if (p != null) {
            PEEKED.remove();
            return p;
        }
        return in.read();
    }

    /** A line ending in \n (a \r before it dropped), or null at EOF. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = next(in)) >= 0) {
            if (c == '\n') {
                int l = sb.length();
                if (l > 0 && sb.charAt(l - 1) == '\r') sb.setLength(l - 1);
                return sb.toString();
            }
            sb.append((char) c);
            if (sb.length() > 8192) throw new IOException("line too long");
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }

    public static void main(String[] args) throws Exception {
        int port = 8080, rcvbuf = 0;
        String bind = "0.0.0.0", name = "backend";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--bind" -> bind = args[++i];
                case "--name" -> name = args[++i];
                case "--rcvbuf" -> rcvbuf = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: TestBackend [--port N] [--bind ADDR] [--name NAME] [--rcvbuf BYTES]");
                    System.exit(2);
                }
            }
        }
        TestBackend b = new TestBackend(InetAddress.getByName(bind), port, name, rcvbuf);
        System.out.println("listening " + b.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
