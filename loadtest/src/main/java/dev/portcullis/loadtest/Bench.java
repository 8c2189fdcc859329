package dev.portcullis.loadtest;

import dev.portcullis.loadtest.bench.BenchRun;

/**
 * The scenario runner: builds the namespaces, runs the same flood against each protection setup at several rates
 * while legitimate clients measure the service, measures relay throughput clean, under loss and under
 * impairment, and writes a table, JSON and a self-contained HTML report. Needs root. See loadtest/README.md;
 * usually started through loadtest/bench.sh.
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp loadtest/target/benchmarks.jar dev.portcullis.loadtest.Bench [--quick]
 *        [--out DIR] [--seconds S] [--rates 25k,50k,max] [--setups syncookies=0,syncookies=2,synproxy,portcullis]
 *        [--clients N] [--portcullis proxy/target/portcullis-dist/bin/portcullis] [--commit SHA]
 *   java ... dev.portcullis.loadtest.Bench --cleanup     (removes namespaces a killed run left)
 * </pre>
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] argv) throws Exception {
        System.exit(BenchRun.main(new Args(argv)));
    }
}
