package dev.portcullis.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.portcullis.config.ConfigError;
import dev.portcullis.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every Portcullis configuration shipped under deploy/ is valid for the application's own reader (the same
 * check as {@code portcullis --check}), and the Kubernetes Secret's placeholder is refused, so that nobody runs
 * a cluster on a published cookie key.
 */
class DeployConfigsTest {
    static final Path ROOT = PortcullisImage.repositoryRoot();

    @Test
    void theImagesExampleConfigIsValid() {
        Settings s = Settings.load(ROOT.resolve("deploy/container/portcullis.conf"));
        assertThat(s.vips()).isNotEmpty();
        assertThat(s.listeners()).isNotEmpty();
    }

    @Test
    void theComposeConfigIsValidWithItsEnvironment() throws IOException {
        // docker-compose.yml passes PORTCULLIS_VIP from .env; HOCON resolves ${PORTCULLIS_VIP} from the environment,
        // here from a fallback object standing in for it.
        String text = Files.readString(ROOT.resolve("deploy/compose/portcullis.conf"));
        Settings s = Settings.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.parseMap(Map.of("PORTCULLIS_VIP", "203.0.113.10"))));
        assertThat(s.vips()).hasSize(1);
        assertThat(s.vips().getFirst().getHostAddress()).isEqualTo("203.0.113.10");
    }

    @Test
    void theKubernetesConfigMapIsValid() throws IOException {
        Settings s = Settings.from(ConfigFactory.parseString(configMapFile()));
        assertThat(s.listeners()).hasSize(2);
    }

    @Test
    void theSecretPlaceholderIsRefused() throws IOException {
        String placeholder = secretPlaceholder();
        String conf = configMapFile() + "\nportcullis.cookies.secret = \"" + placeholder + "\"\n";
        assertThatThrownBy(() -> Settings.from(ConfigFactory.parseString(conf)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("secret")
                .hasMessageNotContaining(placeholder); // error lines never echo a secret
    }

    /** The HOCON text under {@code portcullis.conf: |} in configmap.yaml, de-indented. */
    static String configMapFile() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("deploy/kubernetes/configmap.yaml"));
        int start = lines.indexOf("  portcullis.conf: |");
        assertThat(start).as("configmap.yaml has the key portcullis.conf").isNotNegative();
        StringBuilder b = new StringBuilder();
        for (String l : lines.subList(start + 1, lines.size())) {
            if (!l.isBlank() && !l.startsWith("    ")) break;
            b.append(l.length() >= 4 ? l.substring(4) : "").append('\n');
        }
        return b.toString();
    }

    static String secretPlaceholder() throws IOException {
        for (String l : Files.readAllLines(ROOT.resolve("deploy/kubernetes/secret.yaml"))) {
            String t = l.strip();
            if (t.startsWith("cookie.secret:")) return t.substring("cookie.secret:".length()).strip().replace("\"", "");
        }
        throw new AssertionError("secret.yaml has no cookie.secret");
    }
}
