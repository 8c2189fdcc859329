package dev.portcullis.config;

import dev.portcullis.guard.GuardConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.portcullis.config.SettingsTest.MINIMAL;
import static dev.portcullis.config.SettingsTest.error;
import static dev.portcullis.config.SettingsTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

class GuardSettingsTest {
    @Test
    void defaults_are_off_with_a_sketch_and_heavy_hitters() {
        Settings.Guard g = parse(MINIMAL).guard();
        assertThat(g.sourceRate()).isZero();
        assertThat(g.prefixRate()).isZero();
        assertThat(g.allow()).isEmpty();
        assertThat(g.deny()).isEmpty();
        assertThat(g.sketchWidth()).isEqualTo(65536);
        assertThat(g.sketchDepth()).isEqualTo(4);
        assertThat(g.heavyHitters()).isEqualTo(256);
    }

    @Test
    void rates_are_shared_out_among_the_shards_and_a_zero_burst_is_one_second() {
        Settings s = parse(MINIMAL + """
                portcullis.shards = 4
                portcullis.guard { per-source-syn-rate = 50, per-prefix-syn-rate = 1000, prefix-burst = 3000,
                  allow = ["10.0.0.0/8", "2001:db8:1::/48", "192.0.2.7"], deny = ["198.51.100.0/24"] }
                """);
        assertThat(s.guard().sourceBurst()).isEqualTo(50);
        GuardConfig c = GuardSettings.guardConfig(s);
        assertThat(c.sourceRate()).isEqualTo(13); // 50 / 4 rounded up
        assertThat(c.sourceBurst()).isEqualTo(13);
        assertThat(c.prefixRate()).isEqualTo(250);
        assertThat(c.prefixBurst()).isEqualTo(750);
        assertThat(c.allow()).extracting(Object::toString).containsExactly("10.0.0.0/8", "2001:db8:1::/48", "192.0.2.7");
        assertThat(c.deny()).hasSize(1);
    }

    @Test
    void the_example_file_has_a_guard_section() throws Exception {
        Settings s = Settings.load(java.nio.file.Path.of("../config/portcullis.conf"));
        assertThat(s.guard().allow()).hasSize(1);
    }

    @Test
    void a_reload_cannot_change_the_guard() {
        Settings running = parse(MINIMAL);
        assertThat(running.notLiveChange(parse(MINIMAL))).isNull();
        assertThat(running.notLiveChange(parse(MINIMAL + "portcullis.guard.deny = [\"198.51.100.0/24\"]"))).isEqualTo("portcullis.guard");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = ";;", ignoreLeadingAndTrailingWhitespace = true, textBlock = """
            portcullis.guard.deny = ["10.1.2.3/8"] ;; portcullis.guard.deny[0] ;; no host bits
            portcullis.guard.allow = ["example.com"] ;; portcullis.guard.allow[0] ;; CIDR block
            portcullis.guard.allow = "10.0.0.0/8" ;; portcullis.guard.allow ;; list
            portcullis.guard.sketch-width = 1000 ;; portcullis.guard.sketch-width ;; power of two
            portcullis.guard.sketch-depth = 0 ;; portcullis.guard.sketch-depth ;; row count
            portcullis.guard.per-source-syn-rate = -1 ;; portcullis.guard.per-source-syn-rate ;; SYNs per second
            portcullis.guard.heavy-hitters = 5 ;; portcullis.guard.heavy-hitters ;; 0 (off) or a counter count from 10
            portcullis.guard.rate = 5 ;; portcullis.guard.rate ;; no such key
            """)
    void one_line_names_the_key(String mistake, String key, String expected) {
        String msg = error(MINIMAL + mistake);
        assertThat(msg).startsWith(key + " = ");
        assertThat(msg).contains(expected);
    }
}
