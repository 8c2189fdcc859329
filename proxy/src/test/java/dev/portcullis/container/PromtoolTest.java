package dev.portcullis.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus passes Prometheus' own checks: the config and the rules parse, and the rule unit tests
 * (alerts.test.yml: a flood fires, a legit surge does not, backends and ring drops) pass. Needs promtool (Debian
 * package prometheus, installed by deploy/container/ci-setup.sh); skips with the reason printed without it.
 */
class PromtoolTest {
    static final Path PROM = PortcullisImage.repositoryRoot().resolve("deploy/prometheus");

    @BeforeAll
    static void promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) return;
        }
        String why = "promtool is not on PATH (apt-get install prometheus, or run deploy/container/ci-setup.sh)";
        System.out.println("[PromtoolTest] SKIPPED: " + why);
        Assumptions.abort(why);
    }

    @Test
    void configIsValid() throws Exception {
        assertPasses("check", "config", "prometheus.yml");
    }

    @Test
    void rulesAreValid() throws Exception {
        assertPasses("check", "rules", "alerts.yml");
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        assertPasses("test", "rules", "alerts.test.yml");
    }

    private static void assertPasses(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(PROM.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int exit = p.waitFor();
        assertThat(exit).as(String.join(" ", cmd) + ":\n" + out).isZero();
        assertThat(out).contains("SUCCESS");
    }
}
