package dev.portcullis.loadtest.bench;

import dev.portcullis.loadtest.Args;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What one run measures: the quick mode (README demo, under 2 minutes) or the full one (under 10). */
record Plan(boolean quick, double seconds, List<Long> rates, List<Protection> setups, int clients, double intervalMs,
            double throughputSeconds, List<Integer> lossPercents, long generatorCount, boolean impairment,
            String mix, String profile, Path out, Path portcullis, String commit, boolean generatorOnly, boolean jarFallback, long exactBytes) {

    /** A rate of 0 means as fast as the generator can send. */
    static final long MAX = 0;

    static Plan from(Args a, Path repo) {
        boolean quick = a.flag("quick");
        List<Long> rates = new ArrayList<>();
        for (String r : a.str("rates", quick ? "40k,max" : "25k,50k,100k,200k,max").split(",")) {
            rates.add(r.trim().equalsIgnoreCase("max") ? MAX : Args.parseCount(r));
        }
        List<Protection> setups = new ArrayList<>();
        for (String s : a.str("setups", "syncookies=0,syncookies=1,syncookies=2,synproxy,portcullis").split(",")) {
            setups.add(Protection.byKey(s.trim()));
        }
        List<Integer> loss = new ArrayList<>();
        for (String s : a.str("loss", quick ? "0,5" : "0,1,5").split(",")) loss.add(Integer.parseInt(s.trim()));
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return new Plan(quick, a.dbl("seconds", quick ? 2 : 5), rates, setups, (int) a.num("clients", 8),
                a.dbl("interval-ms", 10), a.dbl("throughput-seconds", quick ? 2 : 4), loss,
                a.num("generator-count", quick ? 500_000 : 3_000_000), !a.flag("no-impairment"),
                a.str("mix", "syn=1"), a.str("profile", "mixed"),
                Path.of(a.str("out", repo.resolve("loadtest/target/bench-" + stamp).toString())),
                Path.of(a.str("portcullis", repo.resolve("proxy/target/portcullis-dist/bin/portcullis").toString())),
                a.str("commit", "unknown"), a.flag("generator-only"), !a.flag("no-jar-fallback"),
                a.num("exact-bytes", quick ? 1_000_000 : 100_000_000));
    }

    /** Measurement steps, for the progress line. */
    int steps() {
        if (generatorOnly) return 2;
        long lossRuns = lossPercents.stream().filter(l -> l > 0).count();
        long relays = setups.stream().filter(p -> p == Protection.COOKIES2 || p == Protection.PORTCULLIS).count();
        return (int) (2 + setups.size() * (1 + rates.size()) + relays * (1 + lossRuns + (impairment ? 1 : 0)));
    }
}
