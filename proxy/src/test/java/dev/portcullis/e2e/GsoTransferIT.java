package dev.portcullis.e2e;

import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Downloads through Portcullis with its TX ring and PACKET_VNET_HDR offloads on (the defaults): the engine sends
 * new data as frames of up to 64 KB that the kernel segments, or passes whole over veth. A Linux client receives
 * 200 MB byte-exact (sha256) with the client veth's offloads on and off, and with the proxy veth's off too (the
 * kernel then cuts and checksums every frame in software). The client kernel's checksum error counters must not
 * move, and a capture on the client's veth says whether frames larger than the MTU arrived (they must with the
 * proxy veth's offloads on: segmentation deferred).
 */
class GsoTransferIT {
    static final long MB = 1 << 20;
    static Rig rig;
    static ExecutorService clientThreads;

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("GsoTransferIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
        clientThreads = InNs.pool(rig.client, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clientThreads != null) clientThreads.shutdownNow();
        if (rig != null) E2e.stopAndClose(rig);
    }

    @ParameterizedTest(name = "client veth offloads {0}, proxy veth offloads {1}")
    @CsvSource({"true, true", "false, true", "false, false"})
    void download_of_200_MB_is_byte_exact_and_no_frame_is_bad(boolean clientOffloads, boolean proxyOffloads)
            throws Exception {
        rig.net.offloads(rig.client, rig.c0, clientOffloads);
        rig.net.offloads(rig.proxy, rig.p0, proxyOffloads);
        long csumErrors0 = checksumErrors();
        // a short download under capture: how large are the frames the client's veth receives?
        Process cap = rig.net.start(rig.client, "tcpdump", "-i", rig.c0, "-n", "-c", "3000", "-w",
                rig.dir.resolve("gso.pcap").toString(), "tcp", "and", "src", "port", Integer.toString(Rig.TB));
        Thread.sleep(500);
        String small = TestBackend.streamSha256(8 * MB);
        assertThat(clientThreads.submit(() -> TransferIT.download(8 * MB)).get(60, TimeUnit.SECONDS)[1]).isEqualTo(small);
        Thread.sleep(300);
        cap.destroy();
        cap.waitFor(5, TimeUnit.SECONDS);
        NetNsResult big = largestFrame();
        System.out.printf("GsoTransferIT client=%s proxy=%s: %d frames captured, largest %d bytes, %d larger than 1514%n",
                clientOffloads, proxyOffloads, big.frames, big.largest, big.overMtu);
        if ("off".equals(System.getenv("PORTCULLIS_RING_OFFLOADS"))) {
            // a run for the "before" figure: Portcullis sends MTU frames through sendmmsg
            assertThat(big.largest).isLessThanOrEqualTo(1514);
        } else if (proxyOffloads) {
            assertThat(big.overMtu).as("frames larger than the MTU reached the client (GSO passed whole)").isPositive();
        } else {
            assertThat(big.largest).as("the proxy veth segments in software: MTU frames only").isLessThanOrEqualTo(1514);
        }

        long n = 200 * MB;
        String expected = TestBackend.streamSha256(n);
        long t0 = System.nanoTime();
        String[] result = clientThreads.submit(() -> TransferIT.download(n)).get(240, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(result[0]).as("bytes received").isEqualTo(Long.toString(n));
        assertThat(result[1]).as("sha256 of the bytes received").isEqualTo(expected);
        assertThat(checksumErrors() - csumErrors0).as("client kernel's TCP checksum errors").isZero();
        Figures.print("gso_download_MB_per_s_client_" + Figures.offloads(clientOffloads) + "_proxy_"
                + Figures.offloads(proxyOffloads), n / MB / seconds);
    }

    record NetNsResult(int frames, int largest, int overMtu) {}

    /** Frame sizes in the capture, read back with tshark. */
    private NetNsResult largestFrame() throws Exception {
        var r = rig.net.exec(rig.client, "tshark", "-r", rig.dir.resolve("gso.pcap").toString(), "-T", "fields",
                "-e", "frame.len");
        int frames = 0, largest = 0, over = 0;
        for (String line : r.out().split("\n")) {
            if (line.isBlank()) continue;
            int len = Integer.parseInt(line.trim());
            frames++;
            largest = Math.max(largest, len);
            if (len > 1514) over++;
        }
        return new NetNsResult(frames, largest, over);
    }

    /** Tcp InCsumErrors from the client namespace's /proc/net/snmp. */
    private long checksumErrors() throws Exception {
        String snmp = rig.net.exec(rig.client, "cat", "/proc/net/snmp").out();
        String[] lines = snmp.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Tcp:") && lines[i + 1].startsWith("Tcp:")) {
                String[] names = lines[i].trim().split("\\s+"), values = lines[i + 1].trim().split("\\s+");
                for (int k = 0; k < names.length; k++) {
                    if (names[k].equals("InCsumErrors")) return Long.parseLong(values[k]);
                }
            }
        }
        throw new IllegalStateException("no Tcp InCsumErrors in /proc/net/snmp");
    }
}
