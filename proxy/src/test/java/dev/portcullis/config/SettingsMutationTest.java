package dev.portcullis.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random edits of the example config: whatever the text, loading gives Settings or one ConfigError line,
 * never another exception.
 */
class SettingsMutationTest {
    static final String ALPHABET = "{}[]=:,\"'$?.#\n 0123456789abcdefxyz-_:/\\KMGms";

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void any_edit_gives_settings_or_one_config_error_line(long seed) throws Exception {
        String example = Files.readString(Path.of("..", "config", "portcullis.conf"));
        Random r = new Random(seed);
        Path f = Files.createTempFile("mutated", ".conf");
        int errors = 0, loaded = 0;
        try {
            for (int i = 0; i < 60; i++) {
                StringBuilder sb = new StringBuilder(example);
                int edits = 1 + r.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = r.nextInt(sb.length());
                    switch (r.nextInt(3)) {
                        case 0 -> sb.deleteCharAt(at);
                        case 1 -> sb.insert(at, ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                        default -> sb.setCharAt(at, ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                    }
                }
                Files.writeString(f, sb);
                try {
                    Settings.load(f);
                    loaded++;
                } catch (ConfigError e) {
                    errors++;
                    assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
                }
            }
        } finally {
            Files.delete(f);
        }
        assertThat(errors + loaded).isEqualTo(60);
    }
}
