package dev.portcullis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Main as the operator meets it: a separate JVM, its exit code, and what it prints. */
class MainTest {
    static final String GOOD = """
            portcullis {
              interface = "lo"
              vips = ["192.0.2.10"]
              pools { web { backends = ["127.0.0.1:8080"] } }
              listeners = [ { port = 80, pool = web } ]
              admin.port = 0
              install-nft-rule = false
            }
            """;

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    /** Runs java ... dev.portcullis.Main args, optionally under a command prefix (e.g. setpriv). */
    static Result run(List<String> prefix, String... args) throws Exception {
        return run(java.util.Map.of(), prefix, args);
    }

    static Result run(java.util.Map<String, String> env, List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.portcullis.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    Path file(String text) throws Exception {
        Path f = Files.createTempFile(dir, "portcullis", ".conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void a_bad_value_exits_2_with_one_line_on_stderr() throws Exception {
        Path f = file(GOOD + "portcullis.cookies.mode = sometimes\n");
        Result r = run(List.of(), "--config", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines().get(0)).isEqualTo("portcullis.cookies.mode = \"sometimes\": expected one of always | on-overflow ("
                + f.getFileName() + ":9)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void a_listener_naming_an_unknown_pool_exits_2() throws Exception {
        Path f = file(GOOD.replace("pool = web }", "pool = api }"));
        Result r = run(List.of(), "--config", f.toString(), "--check");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("portcullis.listeners[0].pool = \"api\": expected the name of a pool defined under portcullis.pools (known: web)");
    }

    @Test
    void check_accepts_the_example_config() throws Exception {
        Result r = run(List.of(), "--config", Path.of("..", "config", "portcullis.conf").toString(), "--check");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("is valid: 2 VIP(s), 2 listener(s), 2 pool(s)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void environment_variables_override_the_defaults() throws Exception {
        Path f = file(GOOD.replace("interface = \"lo\"\n", ""));
        Result r = run(java.util.Map.of("PORTCULLIS_SHARDS", "3", "PORTCULLIS_INTERFACE", "veth7"), List.of(), "--config", f.toString(), "--check");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("3 shard(s)");
        Result bad = run(java.util.Map.of("PORTCULLIS_SHARDS", "many"), List.of(), "--config", f.toString(), "--check");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.errLines()).singleElement().asString().startsWith("portcullis.shards = \"many\": expected a shard count");
    }

    @Test
    void bad_command_lines_exit_2_with_the_usage() throws Exception {
        Result none = run(List.of());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.errLines()).singleElement().asString().contains("usage: portcullis --config FILE");
        Result unknown = run(List.of(), "--confg", "x");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.errLines()).singleElement().asString().startsWith("portcullis: unknown argument '--confg'");
        Result missing = run(List.of(), "--config", dir.resolve("nope.conf").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errLines()).singleElement().asString().contains("cannot be read");
    }

    @Test
    void without_cap_net_raw_it_says_how_to_run_and_exits_1() throws Exception {
        assumeTrue(new File("/usr/bin/setpriv").canExecute(), "setpriv (util-linux) is needed to drop a capability");
        assumeTrue(Capabilities.ofThisProcess().has(Capabilities.CAP_NET_RAW), "this test drops CAP_NET_RAW, so it must start with it");
        Path f = file(GOOD);
        Result r = run(List.of("/usr/bin/setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"), "--config", f.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("portcullis: missing CAP_NET_RAW (AF_PACKET rings); run as root, or with systemd AmbientCapabilities");
    }

    @Test
    void capabilities_are_read_from_cap_eff() {
        Capabilities all = Capabilities.parse("Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n");
        assertThat(all.has(Capabilities.CAP_NET_RAW)).isTrue();
        assertThat(all.missing(true)).isNull();
        Capabilities rawOnly = Capabilities.parse("CapEff:\t0000000000002000\n");
        assertThat(rawOnly.has(Capabilities.CAP_NET_RAW)).isTrue();
        assertThat(rawOnly.missing(false)).isNull();
        assertThat(rawOnly.missing(true)).contains("CAP_NET_ADMIN");
        assertThat(Capabilities.parse("CapEff:\t0000000000000000\n").missing(true)).contains("CAP_NET_RAW (AF_PACKET rings) and CAP_NET_ADMIN");
        assertThat(Capabilities.parse("garbage").missing(false)).contains("CAP_NET_RAW");
    }
}
