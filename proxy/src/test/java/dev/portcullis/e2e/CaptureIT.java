package dev.portcullis.e2e;

import dev.portcullis.testing.NetNs;
import dev.portcullis.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 8, check 6: a tcpdump capture on the proxy's client-facing veth (in the proxy namespace) during curls over
 * both families and transfers both ways, read by tshark with checksum validation on: no frame from the VIPs has a
 * bad IP or TCP checksum, is malformed, or carries an expert error. Offloads stay off on the proxy's veth (else the
 * capture shows partial checksums); the client's end runs with its default offloads and with them off.
 */
class CaptureIT {
    static final long MB = 1 << 20;
    /** Frames Portcullis sent: TCP and neighbour advertisements from the VIPs, ARP replies for the IPv4 VIP. */
    static final String FROM_VIP = "(ip.src == " + Rig.VIP4 + " || ipv6.src == " + Rig.VIP6 + " || arp.src.proto_ipv4 == "
            + Rig.VIP4 + ")";
    static final String FROM_CLIENT = "(ip.src == " + Rig.CLIENT4 + " || ipv6.src == fd99:1::2)";
    static final String BAD = "(tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || _ws.malformed"
            + " || _ws.expert.severity == error)";
    static Rig rig;
    static ExecutorService clientThreads;

    @BeforeAll
    static void start() throws Exception {
        String why = Rig.skipReason();
        if (why != null) System.out.println("CaptureIT skipped: " + why);
        assumeTrue(why == null, why);
        rig = Rig.start("");
        clientThreads = InNs.pool(rig.client, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clientThreads != null) clientThreads.shutdownNow();
        if (rig != null) E2e.stopAndClose(rig);
    }

    @ParameterizedTest(name = "client offloads {0}")
    @ValueSource(booleans = {true, false})
    void portcullis_sends_no_bad_or_malformed_frame(boolean clientOffloads) throws Exception {
        rig.net.offloads(rig.client, rig.c0, clientOffloads);
        rig.net.offloads(rig.proxy, rig.p0, false);
        // forget the VIPs' neighbour entries so that the capture holds Portcullis's ARP and ND answers too
        rig.net.execMayFail(rig.client, 10, "ip", "neigh", "flush", "dev", rig.c0);
        Path pcap = rig.dir.resolve("capture-" + Figures.offloads(clientOffloads) + ".pcap");
        Path err = rig.dir.resolve("tcpdump-" + Figures.offloads(clientOffloads) + ".err");
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", rig.proxy, "tcpdump", "-i", rig.p0, "-s", "0", "-U",
                "-w", pcap.toString(), "tcp or arp or icmp6").redirectErrorStream(true).redirectOutput(err.toFile()).start();
        try {
            for (int i = 0; i < 100 && !Rig.readQuietly(err).contains("listening on"); i++) Thread.sleep(50);
            assertThat(Rig.readQuietly(err)).as("tcpdump").contains("listening on");

            for (String vip : List.of(Rig.VIP4, Rig.VIP6)) {
                NetNs.Result r = rig.net.execMayFail(rig.client, 15, "curl", "-g", "-sS", "-m", "10", Rig.url(vip, Rig.WEB));
                assertThat(r.out()).as("curl via %s: %s", vip, r.err()).isEqualTo(Rig.NGINX_PAGE);
            }
            long n = 8 * MB;
            String[] down = clientThreads.submit(() -> TransferIT.download(n)).get(60, TimeUnit.SECONDS);
            assertThat(down[1]).as("download sha256").isEqualTo(TestBackend.streamSha256(n));
            String[] up = clientThreads.submit(() -> TransferIT.upload(n)).get(60, TimeUnit.SECONDS);
            assertThat(up[0]).as("upload answer").isEqualTo("SINK " + n + " " + up[1]);
        } finally {
            tcpdump.destroy(); // SIGTERM: tcpdump flushes and closes the file
            if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) tcpdump.destroyForcibly();
        }

        long fromVip = tshark(pcap, FROM_VIP).size();
        long arpNd = tshark(pcap, "arp.src.proto_ipv4 == " + Rig.VIP4 + " || icmpv6.nd.na.target_address == " + Rig.VIP6).size();
        List<String> bad = tshark(pcap, FROM_VIP + " && " + BAD);
        long badFromClient = tshark(pcap, FROM_CLIENT + " && " + BAD).size();
        String tag = Figures.offloads(clientOffloads);
        Figures.print("capture_frames_from_vip_" + tag, fromVip);
        Figures.print("capture_bad_frames_from_vip_" + tag, bad.size());
        // What the same filter says of the client kernel's frames: with its offloads on they carry partial
        // checksums (completed by nobody on a veth), which shows the filter does see bad checksums.
        Figures.print("capture_bad_frames_from_client_kernel_" + tag, badFromClient);
        assertThat(fromVip).as("frames from the VIPs in the capture").isGreaterThan(3000);
        assertThat(arpNd).as("ARP replies and neighbour advertisements for the VIPs in the capture").isGreaterThanOrEqualTo(2);
        assertThat(bad).as("bad, malformed or expert-error frames from the VIPs").isEmpty();
        if (clientOffloads) assertThat(badFromClient).as("client frames with partial checksums (filter control)").isPositive();
    }

    /** The one-line summaries of the frames of {@code pcap} that match the display filter. */
    static List<String> tshark(Path pcap, String filter) throws Exception {
        assertThat(Files.size(pcap)).as("capture size").isPositive();
        // The TestBackend listener carries random bytes: decode them as data, else a heuristic dissector (seen:
        // Thrift) takes a chunk for its protocol and reports it malformed.
        NetNs.Result r = NetNs.run(120, "tshark", "-n", "-r", pcap.toString(), "-d", "tcp.port==" + Rig.TB + ",data",
                "-o", "tcp.check_checksum:TRUE",
                "-o", "ip.check_checksum:TRUE", "-Y", filter);
        assertThat(r.exit()).as("tshark: %s", r.err()).isZero();
        return r.out().lines().filter(l -> !l.isBlank()).toList();
    }
}
