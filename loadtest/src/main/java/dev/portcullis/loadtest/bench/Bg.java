package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A background process the benchmark started (nginx, HAProxy, iperf3 -s, Portcullis, the impairment bridge),
 * its output in a log file. Every one is registered so that the exit path (normal end, error or Ctrl-C) stops
 * them, by their own handle.
 */
final class Bg {
    private static final List<Bg> LIVE = new CopyOnWriteArrayList<>();

    final String name;
    final Process process;
    final Path log;

    private Bg(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static Bg start(String name, Path log, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Bg b = new Bg(name, pb.start(), log);
        LIVE.add(b);
        return b;
    }

    boolean alive() {
        return process.isAlive();
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGTERM to the process and its children, SIGKILL after 3 s. */
    void stop() {
        LIVE.remove(this);
        // "ip netns exec" execs the tool, so the handle is the tool itself; children (nginx workers) follow.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void stopAll() {
        for (Bg b : List.copyOf(LIVE)) b.stop();
    }
}
