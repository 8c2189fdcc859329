package dev.portcullis.io;

import dev.portcullis.testing.NetNs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The nftables guard in a proxy namespace with forwarding on (as Docker and Kubernetes hosts have it), against a
 * real client kernel. curl's exit code tells a RST (7, refused) from silence (28, timed out). Root only.
 */
class VipGuardNetnsTest {
    static final int PORT = 8080;
    NetNs net;
    String client, proxy;
    NetNs.Veth link;

    @BeforeAll
    static void rootAndNft() {
        String why = NetNs.skipReason();
        if (why == null && !Files.isExecutable(Path.of("/usr/sbin/nft"))) {
            why = "nft (nftables) is not installed";
        }
        if (why != null) {
            System.out.println("VipGuardNetnsTest skipped: " + why);
        }
        assumeTrue(why == null, why);
    }

    @BeforeEach
    void topology() throws Exception {
        net = new NetNs();
        client = net.namespace();
        proxy = net.namespace();
        link = net.veth(client, proxy);
        net.address(client, link.a(), "10.77.0.1/24");
        net.address(proxy, link.b(), "10.77.0.2/24");
        net.address(client, link.a(), "fd77::1/64");
        net.address(proxy, link.b(), "fd77::2/64");
        net.sysctl(proxy, "net.ipv4.ip_forward", "1");
        net.sysctl(proxy, "net.ipv6.conf.all.forwarding", "1");
    }

    @AfterEach
    void teardown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    int curl(String url) throws Exception {
        return net.execMayFail(client, 10, "curl", "-s", "--connect-timeout", "1", url).exit();
    }

    @Test
    void sharedHostIpTheKernelSendsNoRstForProtectedPortsWhileTheRingStillSeesTheSyn() throws Exception {
        assertThat(curl("http://10.77.0.2:" + PORT + "/")).as("no guard: kernel RST").isEqualTo(7);
        assertThat(curl("http://[fd77::2]:" + PORT + "/")).isEqualTo(7);
        List<InetAddress> vips = List.of(InetAddress.getByName("10.77.0.2"), InetAddress.getByName("fd77::2"));
        PacketSocket.Filter filter = new PacketSocket.Filter(new int[]{(10 << 24) | (77 << 16) | 2},
                new long[]{0xfd77_0000_0000_0000L, 2L}, new int[]{PORT});
        try (PacketSocket s = net.inNamespace(proxy, () -> PacketSocket.open(link.b(), RingOptions.defaults(),
                filter));
             VipGuard guard = VipGuard.install(link.b(), vips, new int[]{PORT}, NetNs.launcher(proxy))) {
            assertThat(guard.table()).startsWith("portcullis_");
            assertThat(curl("http://10.77.0.2:" + PORT + "/")).as("guarded: silence").isEqualTo(28);
            assertThat(curl("http://[fd77::2]:" + PORT + "/")).isEqualTo(28);
            assertThat(curl("http://10.77.0.2:" + (PORT + 1) + "/")).as("other ports pass").isEqualTo(7);
            List<RxFrame> got = RxFrame.collect(s, f -> f.isSyn() && f.dstPort() == PORT, 2, 2000);
            assertThat(got.stream().filter(f -> f.isSyn() && f.isIpv4()).count()).isPositive();
            assertThat(got.stream().filter(f -> f.isSyn() && f.isIpv6()).count()).isPositive();
            assertThat(guard.droppedPackets()).isGreaterThanOrEqualTo(2);
        }
        assertThat(net.exec(proxy, "nft", "list", "tables").out()).doesNotContain(VipGuard.tableName(link.b()));
        assertThat(curl("http://10.77.0.2:" + PORT + "/")).as("removed: RST again").isEqualTo(7);
    }

    @Test
    void ownedVipWithForwardingOnIsNotRoutedOn() throws Exception {
        String vip = "10.77.0.100";
        net.neighbour(client, link.a(), vip, net.mac(proxy, link.b()));
        long before = forwarded();
        net.execMayFail(client, 5, "hping3", "-q", "-S", "-p", String.valueOf(PORT), "-c", "3", "-i", "u20000", vip);
        long unguarded = forwarded() - before;
        assertThat(unguarded).as("ip_forward=1 routes frames for an address the host does not own").isPositive();
        try (VipGuard guard = VipGuard.install(link.b(), List.of(InetAddress.getByName(vip)), new int[]{PORT},
                NetNs.launcher(proxy))) {
            long start = forwarded();
            net.execMayFail(client, 5, "hping3", "-q", "-S", "-p", String.valueOf(PORT), "-c", "3", "-i", "u20000",
                    vip);
            assertThat(forwarded() - start).isZero();
            assertThat(guard.droppedPackets()).isEqualTo(3);
        }
    }

    @Test
    void installIsIdempotentAndRemoveToleratesAMissingTable() throws Exception {
        List<InetAddress> vips = List.of(InetAddress.getByName("10.77.0.100"));
        VipGuard.remove(link.b(), NetNs.launcher(proxy)); // nothing there yet
        try (VipGuard a = VipGuard.install(link.b(), vips, new int[]{80}, NetNs.launcher(proxy));
             VipGuard b = VipGuard.install(link.b(), vips, new int[]{80, 443}, NetNs.launcher(proxy))) {
            String tables = net.exec(proxy, "nft", "list", "tables").out();
            assertThat(tables.split(VipGuard.tableName(link.b()), -1)).hasSize(2); // exactly one table
            String rules = net.exec(proxy, "nft", "list", "table", "netdev", b.table()).out();
            assertThat(rules).contains("443").contains("drop");
            a.close();
            b.close();
        }
    }

    /** Ip ForwDatagrams of the proxy namespace (/proc/net/snmp is per namespace). */
    long forwarded() throws Exception {
        String[] lines = net.exec(proxy, "cat", "/proc/net/snmp").out().split("\n");
        String[] names = lines[0].split("\\s+"), values = lines[1].split("\\s+");
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals("ForwDatagrams")) {
                return Long.parseLong(values[i]);
            }
        }
        throw new IllegalStateException("no ForwDatagrams in /proc/net/snmp");
    }
}
