package dev.portcullis.e2e;

import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8, check 2: bytes through Portcullis byte-exact, both ways. Upload: the client (a Java socket in the client
 * namespace) sends the bytes and half-closes; the TestBackend answers with the count and sha256 of what it got.
 * Download: the TestBackend streams the bytes; the client hashes them. Without loss and with 2 % random loss of the
 * client's frames both ways (nftables numgen in the client namespace), with the veths' default offloads and without.
 * Prints MB/s per case.
 */
class TransferIT {
    static final long MB = 1 << 20;
    // 100 MB each way in every case (the lossy downloads run at about 5-6 MB/s: the engine's loss recovery waits for
    // ACKs that the ring hands over up to 1 ms late; see LossyDownloadTest).
    static Rig rig;
    static ExecutorService clientThreads;
    static final Map<Long, String> STREAM_SHA = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("TransferIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
        clientThreads = InNs.pool(rig.client, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clientThreads != null) clientThreads.shutdownNow();
        if (rig != null) E2e.stopAndClose(rig);
    }

    @AfterEach
    void noLoss() throws Exception {
        if (rig != null) rig.loss(0);
    }

    @ParameterizedTest(name = "offloads {0}, loss {1} %, {2} MB")
    @CsvSource({"true, 0, 100", "true, 2, 100", "false, 0, 100", "false, 2, 100"})
    void upload_is_byte_exact(boolean offloads, int lossPercent, int megabytes) throws Exception {
        rig.offloads(offloads);
        rig.loss(lossPercent);
        long n = megabytes * MB;
        long retx0 = rig.portcullis.scrape().count("portcullis_retransmissions_total");
        long t0 = System.nanoTime();
        String[] result = clientThreads.submit(() -> upload(n)).get(240, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(result[0]).as("backend's answer").isEqualTo("SINK " + n + " " + result[1]);
        String tag = Figures.offloads(offloads) + "_loss" + lossPercent;
        Figures.print("upload_MB_per_s_" + tag, n / MB / seconds);
        Figures.print("upload_retransmissions_by_portcullis_" + tag,
                rig.portcullis.scrape().count("portcullis_retransmissions_total") - retx0);
    }

    @ParameterizedTest(name = "offloads {0}, loss {1} %, {2} MB")
    @CsvSource({"true, 0, 100", "true, 2, 100", "false, 0, 100", "false, 2, 100"})
    void download_is_byte_exact(boolean offloads, int lossPercent, int megabytes) throws Exception {
        rig.offloads(offloads);
        rig.loss(lossPercent);
        long n = megabytes * MB;
        String expected = STREAM_SHA.computeIfAbsent(n, TestBackend::streamSha256);
        long retx0 = rig.portcullis.scrape().count("portcullis_retransmissions_total");
        long t0 = System.nanoTime();
        String[] result = clientThreads.submit(() -> download(n)).get(240, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(result[0]).as("bytes received").isEqualTo(Long.toString(n));
        assertThat(result[1]).as("sha256 of the bytes received").isEqualTo(expected);
        String tag = Figures.offloads(offloads) + "_loss" + lossPercent;
        Figures.print("download_MB_per_s_" + tag, n / MB / seconds);
        Figures.print("download_retransmissions_by_portcullis_" + tag,
                rig.portcullis.scrape().count("portcullis_retransmissions_total") - retx0);
    }

    /**
     * Not a check of Portcullis: the same lossy download between two Linux kernels (the client straight to the
     * backend, routed by the proxy namespace's kernel, no VIP), so the report can put Portcullis's MB/s under loss
     * next to what the kernel's own TCP makes of the same link.
     */
    @ParameterizedTest(name = "offloads {0}, loss {1} %, {2} MB")
    @CsvSource({"true, 2, 25", "false, 2, 25"})
    void kernel_baseline_download(boolean offloads, int lossPercent, int megabytes) throws Exception {
        rig.offloads(offloads);
        rig.net.execMayFail(rig.client, 10, "ip", "route", "replace", "10.99.2.0/24", "via", "10.99.1.1");
        rig.loss(lossPercent);
        long n = megabytes * MB;
        String expected = STREAM_SHA.computeIfAbsent(n, TestBackend::streamSha256);
        long t0 = System.nanoTime();
        String[] result = clientThreads.submit(() -> download(n, new InetSocketAddress(Rig.BACKEND_IP, Rig.BACKEND_PORT)))
                .get(240, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(result[1]).as("sha256 of the bytes received").isEqualTo(expected);
        Figures.print("kernel_to_kernel_download_MB_per_s_" + Figures.offloads(offloads) + "_loss" + lossPercent, n / MB / seconds);
    }

    /** Sends SINK and n bytes, half-closes; returns {backend's answer line, sha256 of what was sent}. */
    static String[] upload(long n) throws Exception {
        try (Socket s = new Socket()) {
            s.setSoTimeout(60_000);
            s.connect(new InetSocketAddress(Rig.VIP4, Rig.TB), 10_000);
            OutputStream out = s.getOutputStream();
            out.write("SINK\n".getBytes(StandardCharsets.US_ASCII));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[(int) MB];
            for (long sent = 0; sent < n; ) {
                int len = (int) Math.min(buf.length, n - sent);
                for (int i = 0; i < len; i++) buf[i] = (byte) (TestBackend.streamByte(sent + i) ^ 0x5a);
                sha.update(buf, 0, len);
                out.write(buf, 0, len);
                sent += len;
            }
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return new String[] {answer, HexFormat.of().formatHex(sha.digest())};
        }
    }

    /** Asks for STREAM n and hashes what arrives until EOF; returns {byte count, sha256}. */
    static String[] download(long n) throws Exception {
        return download(n, new InetSocketAddress(Rig.VIP4, Rig.TB));
    }

    static String[] download(long n, InetSocketAddress to) throws Exception {
        try (Socket s = new Socket()) {
            s.setSoTimeout(60_000);
            s.setReceiveBufferSize(4 * (int) MB);
            s.connect(to, 10_000);
            s.getOutputStream().write(("STREAM " + n + "\n").getBytes(StandardCharsets.US_ASCII));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[(int) MB];
            long total = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                sha.update(buf, 0, r);
                total += r;
            }
            return new String[] {Long.toString(total), HexFormat.of().formatHex(sha.digest())};
        }
    }
}
