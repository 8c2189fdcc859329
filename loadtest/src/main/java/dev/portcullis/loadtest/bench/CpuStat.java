package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of the whole box from /proc/stat (all cores; not per namespace): user + nice + system + irq + softirq +
 * steal, in seconds. The kernel's packet work runs in softirq, often on the sender's CPU over a veth, so only the
 * box total is a fair price for answering a SYN.
 */
final class CpuStat {
    private CpuStat() {
    }

    static final double CLK_TCK = 100.0; // USER_HZ on Linux x86-64

    /** {busy, softirq} seconds of the whole box. */
    static double[] busyAndSoftirq() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/stat")).getFirst();
        String[] f = line.trim().split("\\s+");
        return new double[] {parseBusySeconds(line), Long.parseLong(f[7]) / CLK_TCK};
    }

    /** User + system CPU seconds of one process (its threads included), or NaN when it is gone. */
    static double processSeconds(long pid) {
        try {
            String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // fields after the ")" that ends the command name: state is field 3, utime 14, stime 15
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLK_TCK;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static double busySeconds() throws IOException {
        return parseBusySeconds(Files.readAllLines(Path.of("/proc/stat")).getFirst());
    }

    /** "cpu  user nice system idle iowait irq softirq steal ..." → busy seconds. */
    static double parseBusySeconds(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu")) throw new IllegalArgumentException("not the cpu line: " + cpuLine);
        long busy = 0;
        int[] fields = {1, 2, 3, 6, 7, 8}; // user nice system irq softirq steal
        for (int k : fields) if (k < f.length) busy += Long.parseLong(f[k]);
        return busy / CLK_TCK;
    }
}
