package dev.portcullis.loadtest.bench;

import dev.portcullis.loadtest.Args;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The benchmark's quick mode end to end, as root, in namespaces it makes and deletes: the reference setups must
 * be measured (the kernel with cookies keeps legit clients at 100 % under the flood; without cookies the flood
 * hurts them), and Portcullis is either measured or reported "not measured" with a reason. Skips, saying why,
 * without root or the tools.
 */
class BenchQuickIT {

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    @SuppressWarnings("unchecked")
    void quickModeMeasuresTheReferenceSetups() throws Exception {
        String why = BenchRun.preflight();
        if (why != null) System.out.println("BenchQuickIT skipped: " + why);
        assumeTrue(why == null, why);
        Path out = Files.createTempDirectory("bench-it");
        Path repo = Path.of(System.getProperty("user.dir")).getParent(); // failsafe runs in loadtest/
        long t0 = System.nanoTime();
        int code = BenchRun.main(new Args(new String[] {"--quick", "--out", out.toString(), "--repo", repo.toString(),
                "--commit", "it"}));
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(code).isZero();
        assertThat(secs).as("quick mode stays under 2 minutes").isLessThan(120);
        Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(out.resolve("bench.json")));
        Map<String, Object> gen = (Map<String, Object>) r.get("generator");
        assertThat((Double) gen.get("java_pps")).isPositive();
        assertThat((Double) gen.get("trafgen_pps")).isPositive();
        List<Map<String, Object>> setups = (List<Map<String, Object>>) r.get("setups");
        Map<String, Map<String, Object>> byKey = new java.util.HashMap<>();
        for (Map<String, Object> s : setups) byKey.put((String) s.get("key"), s);
        for (String k : List.of("syncookies=0", "syncookies=1", "syncookies=2", "synproxy")) {
            assertThat(byKey.get(k).get("measured")).as(k + ": " + byKey.get(k).get("reason")).isEqualTo(true);
        }
        Map<String, Object> k2 = byKey.get("syncookies=2");
        assertThat(((Map<String, Object>) k2.get("baseline")).get("legit_success_pct")).isEqualTo(100.0);
        for (Map<String, Object> p : (List<Map<String, Object>>) k2.get("points")) {
            assertThat((Double) p.get("offered_pps")).isPositive();
            assertThat((Double) p.get("synack_pps")).isPositive();
            assertThat((Double) p.get("legit_success_pct")).as("cookies keep legit clients in").isGreaterThan(95.0);
        }
        List<Map<String, Object>> k0 = (List<Map<String, Object>>) byKey.get("syncookies=0").get("points");
        assertThat((Double) k0.getLast().get("legit_success_pct")).as("without cookies the flood hurts").isLessThan(100.0);
        Map<String, Object> pc = byKey.get("portcullis");
        assertThat(pc.get("measured") == Boolean.TRUE || pc.get("reason") != null).isTrue();
        assertThat(Files.readString(out.resolve("bench.html"))).contains("<svg");
        assertThat(Files.readString(out.resolve("bench.txt"))).contains("syncookies=2");
        assertThat(new java.io.File("/run/netns/pcb-cli")).as("namespaces removed").doesNotExist();
    }
}
