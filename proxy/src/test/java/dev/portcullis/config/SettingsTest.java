package dev.portcullis.config;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {
    static final String MINIMAL = """
            portcullis {
              interface = "veth0"
              vips = ["192.0.2.10", "2001:db8::10"]
              pools { web { backends = ["10.0.0.5:8080", "[2001:db8::5]:8081", "app.internal:80"] } }
              listeners = [ { port = 80, pool = web }, { port = 443, pool = web, proxy-protocol = v2, backlog = 64 } ]
            }
            """;

    static Settings parse(String text) {
        return Settings.from(ConfigFactory.parseString(text));
    }

    static String error(String text) {
        try {
            parse(text);
        } catch (ConfigError e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("no ConfigError for " + text);
    }

    @Test
    void minimal_file_gets_every_default_from_reference_conf() {
        Settings s = parse(MINIMAL);
        assertThat(s.interfaceName()).isEqualTo("veth0");
        assertThat(s.vips()).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.10", "2001:db8:0:0:0:0:0:10");
        assertThat(s.vipMode()).isEqualTo(Settings.VipMode.OWNED);
        assertThat(s.gatewayMac()).isZero();
        assertThat(s.listeners()).containsExactly(
                new Settings.Listener(80, "web", 1024, Settings.ProxyProtocol.NONE),
                new Settings.Listener(443, "web", 64, Settings.ProxyProtocol.V2));
        Settings.Pool web = s.pools().get("web");
        assertThat(web.backends()).containsExactly(new HostPort("10.0.0.5", 8080), new HostPort("2001:db8::5", 8081), new HostPort("app.internal", 80));
        assertThat(web.balance()).isEqualTo(Settings.Balance.ROUND_ROBIN);
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.cookies().mode()).isEqualTo(Settings.CookieMode.ALWAYS);
        assertThat(s.cookies().synackRetries()).isEqualTo(5);
        assertThat(s.cookies().secretGenerated()).isTrue();
        assertThat(s.cookies().secret()).hasSize(32);
        assertThat(s.tcp().msl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.tcp().delayedAck()).isEqualTo(Duration.ofMillis(40));
        assertThat(s.tcp().receiveBuffer()).isEqualTo(4 * 1024 * 1024);
        assertThat(s.tcp().challengeAckLimit()).isEqualTo(10);
        assertThat(s.tcp().challengeAckGlobalLimit()).isEqualTo(1000);
        assertThat(s.shards()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.ring().retireTimeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(s.ring().shedSynsAfter()).isEqualTo(Duration.ofMillis(20));
        assertThat(s.ring().provenSourcesFor()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.ring().blockSize()).isEqualTo(1 << 20);
        assertThat(s.ring().smallFrameSize()).isEqualTo(512);
        assertThat(s.ring().smallFrameCount()).isEqualTo(16384);
        assertThat(s.ring().smallFrameMax()).isEqualTo(256);
        assertThat(s.admin().port()).isEqualTo(9090);
        assertThat(s.installNftRule()).isTrue();
        assertThat(s.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void the_example_config_in_the_repository_loads() {
        Path example = Path.of("..", "config", "portcullis.conf");
        Settings s = Settings.load(example);
        assertThat(s.listeners()).isNotEmpty();
        assertThat(s.cookies().secretGenerated()).isFalse();
    }

    @Test
    void secret_in_hex_base64_or_file() throws Exception {
        String hex = "00112233445566778899aabbccddeeff";
        assertThat(parse(MINIMAL + "portcullis.cookies.secret = \"hex:" + hex + "\"").cookies().secret()).hasSize(16);
        assertThat(parse(MINIMAL + "portcullis.cookies.secret = \"" + hex + hex + "\"").cookies().secret()).hasSize(32);
        assertThat(parse(MINIMAL + "portcullis.cookies.secret = \"base64:AAECAwQFBgcICQoLDA0ODxAREhM=\"").cookies().secret()).hasSize(20);
        Path f = Files.createTempFile("secret", ".txt");
        Files.writeString(f, hex + "\n");
        Settings s = parse(MINIMAL + "portcullis.cookies.secret-file = \"" + f + "\"");
        assertThat(s.cookies().secret()).containsExactly(java.util.HexFormat.of().parseHex(hex));
        Files.delete(f);
    }

    @Test
    void gateway_mac_is_parsed_to_48_bits() {
        assertThat(parse(MINIMAL + "portcullis.gateway-mac = \"02:00:5e:10:00:01\"").gatewayMac()).isEqualTo(0x02005e100001L);
    }

    // Each row: a mistake, the key the one line must name, and a piece of what it must say is expected.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = ";;", ignoreLeadingAndTrailingWhitespace = true, textBlock = """
            portcullis.tcp.msl = "soon" ;; portcullis.tcp.msl ;; a duration
            portcullis.tcp = 5 ;; portcullis.tcp ;; an object
            portcullis.cookies.mode = sometimes ;; portcullis.cookies.mode ;; always | on-overflow
            portcullis.vip-mode = borrowed ;; portcullis.vip-mode ;; owned | shared
            portcullis.admin.port = 70000 ;; portcullis.admin.port ;; port from 0 to 65535
            portcullis.vips = ["192.0.2.300"] ;; portcullis.vips[0] ;; IPv4 or IPv6
            portcullis.vips = ["fe80::zz"] ;; portcullis.vips[0] ;; IPv4 or IPv6
            portcullis.pools.web.backends = ["10.0.0.5"] ;; portcullis.pools.web.backends[0] ;; host:port
            portcullis.pools.web.backends = ["10.0.0.5:0"] ;; portcullis.pools.web.backends[0] ;; port 1..65535
            portcullis.listeners = [{port = 80, pool = api}] ;; portcullis.listeners[0].pool ;; known: web
            portcullis.listeners = [{port = 80}] ;; portcullis.listeners[0].pool ;; the name of a pool
            portcullis.listeners = [{port = 80, pool = web, proxy-protocol = v3}] ;; portcullis.listeners[0].proxy-protocol ;; none | v1 | v2
            portcullis.listeners = [{port = 80, pool = web, bakclog = 5}] ;; portcullis.listeners[0].bakclog ;; unknown key
            portcullis.cookies.secret = "hex:0011" ;; portcullis.cookies.secret ;; decodes to 2 bytes
            portcullis.cookies.secret = "!!notbase64!!" ;; portcullis.cookies.secret ;; does not decode
            portcullis.tcp.receive-buffer = -5 ;; portcullis.tcp.receive-buffer ;; a size from
            portcullis.tcp.send-buffer = "lots" ;; portcullis.tcp.send-buffer ;; a size from
            portcullis.tcp.idle-timout = 5m ;; portcullis.tcp.idle-timout ;; no such key
            portcullis.shards = -1 ;; portcullis.shards ;; shard count
            portcullis.ring.block-size = 300K ;; portcullis.ring.block-size ;; power of two
            portcullis.ring.small-frame-size = 3000 ;; portcullis.ring.small-frame-size ;; power of two
            portcullis.ring.small-frame-count = 17 ;; portcullis.ring.small-frame-count ;; multiple of 8
            portcullis.ring.small-frame-count = 8 ;; portcullis.ring.small-frame-count ;; 0 or a slot count
            portcullis.ring.small-frame-max = 400 ;; portcullis.ring.small-frame-max ;; at most small-frame-size - 128 = 384
            portcullis.ring.small-frame-max = 20 ;; portcullis.ring.small-frame-max ;; a size from
            portcullis.install-nft-rule = perhaps ;; portcullis.install-nft-rule ;; true or false
            portcullis.gateway-mac = "01:00:5e:00:00:01" ;; portcullis.gateway-mac ;; unicast
            portcullis.pools.web.balance = random ;; portcullis.pools.web.balance ;; round-robin | least-connections | source-hash
            portcullis.pools.web.weight = 3 ;; portcullis.pools.web.weight ;; unknown key
            portcullis.admin.bind = "localhost" ;; portcullis.admin.bind ;; address literal
            """)
    void one_line_names_the_key_the_value_and_what_is_expected(String mistake, String key, String expected) {
        String msg = error(MINIMAL + mistake);
        assertThat(msg).startsWith(key + " = ");
        assertThat(msg).contains(expected);
        assertThat(msg).doesNotContain("\n");
    }

    @Test
    void the_secret_is_never_echoed() {
        String msg = error(MINIMAL + "portcullis.cookies.secret = \"hex:00112233\"");
        assertThat(msg).doesNotContain("00112233");
    }

    @Test
    void the_line_says_where_in_the_file() throws Exception {
        Path f = Files.createTempFile("portcullis", ".conf");
        Files.writeString(f, MINIMAL + "portcullis.tcp.delayed-ack = 2s\n");
        assertThatThrownBy(() -> Settings.load(f)).isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("portcullis.tcp.delayed-ack = \"2s\": expected a duration from 0s to 500ms")
                .hasMessageContaining(f.getFileName() + ":7");
        Files.delete(f);
    }

    @Test
    void missing_file_and_syntax_error_are_one_line_too() throws Exception {
        assertThatThrownBy(() -> Settings.load(Path.of("/nonexistent/p.conf"))).isInstanceOf(ConfigError.class)
                .hasMessageContaining("/nonexistent/p.conf").hasMessageContaining("cannot be read");
        Path f = Files.createTempFile("portcullis", ".conf");
        Files.writeString(f, "portcullis { vips = [ \n");
        assertThatThrownBy(() -> Settings.load(f)).isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(f.toString()));
        Files.delete(f);
    }
}
