package dev.portcullis.loadtest.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BenchPartsTest {

    @Test
    void jsonRoundTripAndPaths() {
        String text = "{\"end\":{\"sum_received\":{\"bits_per_second\":1.5e9},\"x\":[1,2,{\"y\":null}]},"
                + "\"s\":\"a\\\"b\\n\\u00e9\",\"t\":true,\"f\":false}";
        Object o = Json.parse(text);
        assertThat(Json.num(o, "end.sum_received.bits_per_second")).isEqualTo(1.5e9);
        assertThat(Json.num(o, "end.missing")).isNaN();
        Map<String, Object> m = Json.object(text);
        assertThat(m.get("s")).isEqualTo("a\"b\né");
        assertThat(m.get("t")).isEqualTo(true);
        Object again = Json.parse(Json.write(o));
        assertThat(again).isEqualTo(o);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("nan", Double.NaN);
        w.put("n", 3.0);
        w.put("l", 7L);
        assertThat(Json.write(w)).contains("\"nan\": null", "\"n\": 3", "\"l\": 7");
    }

    @Test
    void procStatBusySeconds() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        double s = CpuStat.parseBusySeconds("cpu  1000 50 400 9000 300 10 40 0 0 0");
        assertThat(s).isCloseTo((1000 + 50 + 400 + 10 + 40) / 100.0, within(1e-9));
    }

    @Test
    void ownProcessCpuSecondsGrowWithWork() {
        long pid = ProcessHandle.current().pid();
        double before = CpuStat.processSeconds(pid);
        // Spin until this thread has used 0.3 s of CPU (by the JVM's own count; the box may be busy).
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long x = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (mx.getCurrentThreadCpuTime() - cpu0 < 300_000_000L && System.nanoTime() < deadline) {
            for (int i = 0; i < 100_000; i++) x += Long.numberOfTrailingZeros(x + i);
        }
        assertThat(x).isPositive();
        assertThat(CpuStat.processSeconds(pid)).isGreaterThanOrEqualTo(before + 0.2);
        assertThat(CpuStat.processSeconds(Long.MAX_VALUE)).isNaN();
    }

    @Test
    void synproxyWindowScaleFollowsTheKernelsBuffers() {
        assertThat(Protection.serverWindowScale("4096\t131072\t6291456\n", "212992")).isEqualTo(7);
        assertThat(Protection.serverWindowScale("4096 131072 33554432", "4194304")).isEqualTo(10); // this machine
        assertThat(Protection.serverWindowScale("4096 87380 65535", "65535")).isZero();
    }

    @Test
    void trafgenTimingLine() {
        String out = "     2000000 packets outgoing\n   148000000 bytes outgoing\n           3 sec, 608428 usec on CPU0 (2000000 packets)\n";
        assertThat(BenchRun.trafgenSeconds(out)).isCloseTo(3.608428, within(1e-9));
        assertThat(BenchRun.trafgenSeconds("nothing")).isNaN();
    }

    @Test
    void trafgenConfigCarriesTheSameSynAsTheJavaLinuxProfile() {
        String cfg = BenchRun.trafgenConfig("02:00:00:00:00:02", "02:00:00:00:00:01", "10.77.0.2", 9);
        assertThat(cfg).contains("da=02:00:00:00:00:02", "daddr=10.77.0.2", "dp=9", "syn", "window=64240", "hlen=10",
                "0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a", "0x01, 0x03, 0x03, 0x07");
    }

    @Test
    void portcullisConfigNamesTheKeysOfReferenceConf() {
        String c = Protection.portcullisConfig("pcb-h0", "10.77.0.3", 9091);
        assertThat(c).contains("interface = \"pcb-h0\"", "vips = [\"10.77.0.3\"]", "listeners = [",
                "{ port = 80, pool = \"web\", backlog = 4096 }", "web { backends = [\"10.77.1.2:80\"] }",
                "cookies.mode = always", "admin.port = 9091");
    }

    @Test
    void reportSaysNotMeasuredAndGivesRatios() {
        Map<String, Object> r = Json.object("""
                {"date":"2026-11-24T23:00:00Z","commit":"abc","mode":"quick","host":{"cores":2,"kernel":"6.18"},
                 "config":{"seconds_per_point":2,"flood":"syn"},
                 "generator":{"java_pps":500000,"trafgen_pps":400000,"ratio":1.25},
                 "setups":[
                  {"key":"syncookies=2","label":"k2","measured":true,
                   "baseline":{"rate_target":"none","offered_pps":0,"synack_pps":0,"legit_success_pct":100,"connect_p50_ms":0.1,"connect_p99_ms":2.5},
                   "points":[{"rate_target":50000,"offered_pps":50000,"synack_pps":49000,"answered_pct":98,"legit_success_pct":100,"connect_p50_ms":0.2,"connect_p99_ms":4.0,"cpu_s_per_M_synacks":3.5},
                             {"rate_target":"max","offered_pps":300000,"synack_pps":250000,"legit_success_pct":99.5,"connect_p99_ms":8.0}]},
                  {"key":"portcullis","label":"P","measured":false,"reason":"no distribution"}],
                 "throughput":[{"path":"haproxy","condition":"clean","measured":true,"mbit_s":3000,"retransmits":10},
                               {"path":"portcullis","measured":false,"reason":"no distribution"}]}
                """);
        String t = Report.table(r);
        assertThat(t).contains("portcullis    not measured: no distribution", "syncookies=2  max",
                "250,000", "1.25x", "Portcullis vs kernel SYN cookies: not measured (no distribution)", "3000.0");
        String html = Report.html(r);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "Legit success vs flood rate",
                "p99 connect latency", "Relay throughput").doesNotContain("<script", "src=");
        assertThat(Svg.nice(7300)).isEqualTo(10000);
        assertThat(Svg.nice(230)).isEqualTo(250);
        assertThat(Svg.human(250000)).isEqualTo("250k");
        assertThat(Svg.human(1_500_000)).isEqualTo("1.5M");
    }

    @Test
    void exactStreamsDetectTheFirstBadByte() {
        byte[] b = new byte[1000];
        new ExactTransfer.Stream(5).fill(b, b.length);
        assertThat(new ExactTransfer.Stream(5).check(b, b.length)).isEqualTo(-1);
        b[617] ^= 1;
        assertThat(new ExactTransfer.Stream(5).check(b, b.length)).isEqualTo(617);
        assertThat(new ExactTransfer.Stream(6).check(b, 8)).isNotEqualTo(-1);
    }

    @Test
    void exactTransferBothWaysOverLoopback() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread srv = Thread.ofPlatform().daemon().start(() -> {
                try {
                    ExactTransfer.serve(ss.accept());
                } catch (IOException e) {
                    // the client's result shows it
                }
            });
            String json = ExactTransfer.client(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()),
                    3_000_000, 42, System.nanoTime(), 30);
            Map<String, Object> r = Json.object(json);
            assertThat(r.get("ok")).as(json).isEqualTo(true);
            assertThat(r.get("received")).isEqualTo(3_000_000.0);
            assertThat(r.get("server_verified")).isEqualTo(true);
            srv.join(5000);
        }
    }

    @Test
    void planStepsAndParsing() {
        Plan p = Plan.from(new dev.portcullis.loadtest.Args(new String[] {"--quick", "--rates", "10k,max",
                "--setups", "syncookies=2,portcullis"}), java.nio.file.Path.of("/repo"));
        assertThat(p.rates()).containsExactly(10_000L, Plan.MAX);
        assertThat(p.setups()).containsExactly(Protection.COOKIES2, Protection.PORTCULLIS);
        assertThat(p.portcullis().toString()).isEqualTo("/repo/proxy/target/portcullis-dist/bin/portcullis");
        assertThat(p.steps()).isEqualTo(2 + 2 * 3 + 2 * (1 + 1 + 1)); // loss 0,5: the clean run plus one bridge run
        assertThat(List.of(p.seconds())).containsExactly(2.0);
    }
}
