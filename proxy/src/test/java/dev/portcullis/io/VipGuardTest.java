package dev.portcullis.io;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The nft script VipGuard feeds to {@code nft -f -} (the netns test runs it for real). */
class VipGuardTest {
    @Test
    void scriptReplacesTheTableAtomicallyAndScopesTheRuleToVipsAndPorts() throws Exception {
        String s = VipGuard.ruleset("eth0.100", List.of(InetAddress.getByName("192.0.2.10"),
                InetAddress.getByName("2001:db8::10"), InetAddress.getByName("192.0.2.11")), new int[]{80, 443});
        assertThat(VipGuard.tableName("eth0.100")).isEqualTo("portcullis_eth0_100");
        assertThat(s).startsWith("table netdev portcullis_eth0_100 {}\ndelete table netdev portcullis_eth0_100\n")
                .contains("type filter hook ingress device \"eth0.100\"")
                .contains("ip daddr { 192.0.2.10, 192.0.2.11 } tcp dport { 80, 443 } counter drop")
                .contains("ip6 daddr { 2001:db8:0:0:0:0:0:10 } tcp dport { 80, 443 } counter drop");
    }

    @Test
    void noPortsDropsAllTcpToTheVipAndOneFamilyGetsOneRule() throws Exception {
        String s = VipGuard.ruleset("veth1", List.of(InetAddress.getByName("10.0.0.1")), new int[0]);
        assertThat(s).contains("ip daddr { 10.0.0.1 } meta l4proto tcp counter drop").doesNotContain("ip6");
    }

    @Test
    void rejectsWhatWouldInjectIntoTheScript() {
        assertThatThrownBy(() -> VipGuard.ruleset("eth0\"; flush ruleset", List.of(InetAddress.getByName("10.0.0.1")),
                new int[]{80})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VipGuard.ruleset("eth0", List.of(InetAddress.getByName("10.0.0.1")),
                new int[]{0})).isInstanceOf(IllegalArgumentException.class);
    }
}
