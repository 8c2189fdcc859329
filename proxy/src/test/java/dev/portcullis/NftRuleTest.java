package dev.portcullis;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NftRuleTest {
    @Test
    void the_rule_drops_only_the_protected_ports_of_the_vips_at_netdev_ingress() throws Exception {
        NftRule r = new NftRule("veth0", List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::10")), List.of(80, 443));
        assertThat(r.ruleset()).isEqualTo("""
                table netdev %s {
                  chain ingress {
                    type filter hook ingress device "veth0" priority -500; policy accept;
                    ip daddr { 192.0.2.10 } tcp dport { 80, 443 } counter drop
                    ip6 daddr { 2001:db8:0:0:0:0:0:10 } tcp dport { 80, 443 } counter drop
                  }
                }
                """.formatted(r.table()));
        assertThat(r.table()).isEqualTo("portcullis_" + ProcessHandle.current().pid());
    }
}
