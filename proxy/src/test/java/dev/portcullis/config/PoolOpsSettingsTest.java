package dev.portcullis.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static dev.portcullis.config.SettingsTest.MINIMAL;
import static dev.portcullis.config.SettingsTest.error;
import static dev.portcullis.config.SettingsTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

/** The pool keys for health checks, source addresses and drain, and what a reload may change. */
class PoolOpsSettingsTest {
    static String with(String poolBody) {
        return MINIMAL.replace("pools { web { backends = [\"10.0.0.5:8080\", \"[2001:db8::5]:8081\", \"app.internal:80\"] } }",
                "pools { web { backends = [\"10.0.0.5:8080\", \"[2001:db8::5]:8081\", \"app.internal:80\"]\n" + poolBody + " } }");
    }

    /** MINIMAL with one more top-level line inside portcullis { }. */
    static String plus(String line) {
        return MINIMAL.substring(0, MINIMAL.lastIndexOf('}')) + line + "\n}\n";
    }

    @Test
    void health_checks_are_on_by_default_with_haproxy_like_values() {
        Settings.Pool web = parse(MINIMAL).pools().get("web");
        assertThat(web.healthCheck()).isEqualTo(new Settings.HealthCheck(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
        assertThat(web.sourceAddresses()).isEmpty();
        assertThat(web.drain()).isEmpty();
    }

    @Test
    void a_pool_overrides_part_of_its_health_check_and_the_rest_comes_from_pool_defaults() {
        Settings.Pool web = parse(with("health-check { interval = 500ms, rise = 5 }")).pools().get("web");
        assertThat(web.healthCheck()).isEqualTo(new Settings.HealthCheck(true, Duration.ofMillis(500), Duration.ofSeconds(1), 5, 3));
        assertThat(parse(with("health-check.enabled = false")).pools().get("web").healthCheck().enabled()).isFalse();
    }

    @Test
    void source_addresses_and_drain_are_read() throws Exception {
        Settings.Pool web = parse(with("source-addresses = [\"10.0.0.5\", \"10.0.0.6\", \"2001:db8::6\"]\n"
                + "drain = [\"[2001:db8::5]:8081\"]")).pools().get("web");
        assertThat(web.sourceAddresses()).containsExactly(InetAddress.getByName("10.0.0.5"), InetAddress.getByName("10.0.0.6"),
                InetAddress.getByName("2001:db8::6"));
        assertThat(web.drain()).containsExactly(new HostPort("2001:db8::5", 8081));
    }

    @Test
    void mistakes_are_one_line_naming_the_key() {
        assertThat(error(with("health-check { rise = 0 }")))
                .startsWith("portcullis.pools.web.health-check.rise = 0: expected a count of checks from 1 to 1000");
        assertThat(error(with("health-check { intervall = 1s }")))
                .startsWith("portcullis.pools.web.health-check.intervall = \"1s\": expected one of the health-check keys");
        assertThat(error(with("health-check { timeout = 0s }")))
                .startsWith("portcullis.pools.web.health-check.timeout = \"0s\": expected a duration from 1ms");
        assertThat(error(with("source-addresses = [\"10.0.0.300\"]")))
                .startsWith("portcullis.pools.web.source-addresses[0] = \"10.0.0.300\": expected an IPv4 or IPv6 address literal");
        assertThat(error(with("source-addresses = [\"10.0.0.5\", \"10.0.0.5\"]")))
                .startsWith("portcullis.pools.web.source-addresses[1] = \"10.0.0.5\": expected each source address once");
        assertThat(error(with("drain = [\"10.0.0.9:8080\"]")))
                .startsWith("portcullis.pools.web.drain[0] = \"10.0.0.9:8080\": expected one of this pool's backends");
    }

    @Test
    void a_reload_may_change_pools_listener_pools_and_proxy_protocol_but_nothing_else() {
        Settings running = parse(MINIMAL);
        assertThat(running.notLiveChange(parse(MINIMAL))).as("a random secret each time is no change").isNull();
        assertThat(running.notLiveChange(parse(with("balance = source-hash\ndrain = [\"10.0.0.5:8080\"]\n"
                + "health-check.fall = 1\nsource-addresses = [\"10.0.0.7\"]")))).isNull();
        assertThat(running.notLiveChange(parse(MINIMAL.replace("proxy-protocol = v2", "proxy-protocol = v1")))).isNull();
        assertThat(running.notLiveChange(parse(plus("shutdown.grace-period = 3s")))).isNull();

        assertThat(running.notLiveChange(parse(MINIMAL.replace("veth0", "veth1")))).isEqualTo("portcullis.interface");
        assertThat(running.notLiveChange(parse(MINIMAL.replace("\"192.0.2.10\", ", "")))).isEqualTo("portcullis.vips");
        assertThat(running.notLiveChange(parse(MINIMAL.replace("port = 443", "port = 444")))).isEqualTo("portcullis.listeners[1].port");
        assertThat(running.notLiveChange(parse(MINIMAL.replace("backlog = 64", "backlog = 65")))).isEqualTo("portcullis.listeners[1].backlog");
        assertThat(running.notLiveChange(parse(plus("shards = 3")))).isEqualTo("portcullis.shards");
        assertThat(running.notLiveChange(parse(plus("ring.block-count = 8")))).isEqualTo("portcullis.ring");
        assertThat(running.notLiveChange(parse(plus("cookies.secret = \"hex:000102030405060708090a0b0c0d0e0f\""))))
                .isEqualTo("portcullis.cookies.secret");
        assertThat(running.notLiveChange(parse(plus("tcp.msl = 10s")))).isEqualTo("portcullis.tcp");
    }
}
