package dev.portcullis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The built distribution (target/portcullis-dist, made in the package phase): its launcher finds Java 25 and runs Main. */
class DistIT {
    static final Path LAUNCHER = Path.of("target", "portcullis-dist", "bin", "portcullis");

    @TempDir
    Path dir;

    static String[] run(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = LAUNCHER.toAbsolutePath().toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JAVA_HOME"); // the launcher must find a JDK by itself
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[]{Integer.toString(p.exitValue()), out, err};
    }

    @Test
    void the_layout_is_bin_and_lib() throws Exception {
        assertThat(LAUNCHER).isExecutable();
        try (var jars = Files.list(LAUNCHER.getParent().resolveSibling("lib"))) {
            assertThat(jars.map(j -> j.getFileName().toString()).toList())
                    .anyMatch(n -> n.startsWith("portcullis-proxy-"))
                    .anyMatch(n -> n.startsWith("netty-transport-native-epoll-") && n.contains("linux-x86_64"))
                    .anyMatch(n -> n.startsWith("config-"))
                    .anyMatch(n -> n.startsWith("micrometer-registry-prometheus-"))
                    .noneMatch(n -> n.startsWith("junit") || n.startsWith("assertj"));
        }
    }

    @Test
    void the_launcher_checks_the_example_config() throws Exception {
        String[] r = run("--config", LAUNCHER.getParent().resolveSibling("config").resolve("portcullis.conf").toString(), "--check");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("is valid");
    }

    @Test
    void the_launcher_exits_2_with_one_line_for_a_bad_port() throws Exception {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, """
                portcullis {
                  vips = ["192.0.2.10"]
                  pools { web { backends = ["127.0.0.1:8080"] } }
                  listeners = [ { port = 80000, pool = web } ]
                }
                """);
        String[] r = run("--config", f.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).isEqualTo("portcullis.listeners[0].port = 80000: expected a port from 1 to 65535 (bad.conf:4)\n");
    }

    @Test
    void a_missing_interface_is_one_clear_line_and_exit_1() throws Exception {
        Path f = dir.resolve("noif.conf");
        Files.writeString(f, """
                portcullis {
                  interface = "nosuch0"
                  vips = ["192.0.2.10"]
                  pools { web { backends = ["127.0.0.1:8080"] } }
                  listeners = [ { port = 80, pool = web } ]
                  admin.port = 0
                }
                """);
        String[] r = run("--config", f.toString());
        assertThat(r[0]).as(r[2]).isIn("1");
        // as root the capability check passes and the interface check speaks; without root the capability line does
        assertThat(r[2].lines().toList()).as(r[2]).singleElement().asString()
                .matches("portcullis: (interface nosuch0 does not exist in this network namespace.*|missing CAP_NET_RAW.*)");
    }
}
