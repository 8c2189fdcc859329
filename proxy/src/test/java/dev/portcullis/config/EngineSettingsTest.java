package dev.portcullis.config;

import dev.portcullis.tcp.EngineConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EngineSettingsTest {
    @Test
    void settings_map_onto_the_engine_config() {
        Settings s = SettingsTest.parse(SettingsTest.MINIMAL + """
                portcullis.cookies.mode = on-overflow
                portcullis.tcp.max-connections = 5000
                portcullis.tcp.memory-budget = 8M
                """);
        EngineConfig c = EngineSettings.engineConfig(s, 0x02_00_00_00_00_01L, 9000);
        assertThat(c.cookieMode()).isEqualTo(EngineConfig.CookieMode.ON_OVERFLOW);
        assertThat(c.maxConnections()).isEqualTo(5000);
        assertThat(c.memoryBudgetBytes()).isEqualTo(8L << 20);
        assertThat(c.mtu()).isEqualTo(9000);
    }

    @Test
    void the_reference_defaults_build_a_valid_engine_config() {
        EngineConfig c = EngineSettings.engineConfig(SettingsTest.parse(SettingsTest.MINIMAL), 0x02_00_00_00_00_01L, 1500);
        assertThat(c.cookieMode()).isEqualTo(EngineConfig.CookieMode.ALWAYS);
        assertThat(c.maxConnections()).isEqualTo(100_000);
        assertThat(c.memoryBudgetBytes()).isEqualTo(64L << 20);
    }
}
