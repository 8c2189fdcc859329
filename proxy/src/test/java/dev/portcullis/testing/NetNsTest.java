package dev.portcullis.testing;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The fixture cleans up after itself and after a killed earlier run. Root only. */
class NetNsTest {
    @BeforeAll
    static void rootOnly() {
        NetNs.assumeUsable(NetNsTest.class);
    }

    /** A pid that is not running (a killed earlier test JVM). */
    static long deadPid() {
        long pid = 4_000_000;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }

    @Test
    void leftoversOfADeadRunAreDeletedAndOwnThingsOnClose() throws Exception {
        String stale = "pt" + deadPid() + "n1";
        String staleLink = "pt" + (deadPid() % 100000) + "v9a";
        NetNs.run(10, "ip", "netns", "add", stale);
        NetNs.run(10, "ip", "link", "add", staleLink, "type", "veth", "peer", "name", staleLink.replace('a', 'b'));
        String mine, other;
        try (NetNs net = new NetNs()) {
            assertThat(NetNs.run(10, "ip", "netns", "list").out()).doesNotContain(stale);
            assertThat(NetNs.run(10, "ip", "link", "show", staleLink).ok()).isFalse();
            mine = net.namespace();
            other = net.namespace();
            NetNs.Veth v = net.veth(mine, other);
            net.address(mine, v.a(), "10.99.0.1/24");
            net.address(other, v.b(), "10.99.0.2/24");
            assertThat(net.execMayFail(mine, 5, "curl", "-s", "--connect-timeout", "1", "http://10.99.0.2:1/").exit())
                    .as("the pair is wired: refused, not unreachable").isEqualTo(7);
            assertThat(net.inNamespace(mine, () -> dev.portcullis.io.Native.ifNameToIndex(v.a()))).isPositive();
        }
        String list = NetNs.run(10, "ip", "netns", "list").out();
        assertThat(list).doesNotContain(mine).doesNotContain(other);
    }
}
