package dev.portcullis.loadtest.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the load tools (flood generator, legit clients) running in serve mode inside a namespace for the whole
 * benchmark: one JVM start, then one {@code RUN ...} line per measurement and one {@code RESULT {json}} back.
 */
final class Worker implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;
    private final Path errLog;

    Worker(String name, String ns, String java, String jar, String mainClass, List<String> args, Path errLog)
            throws IOException {
        this.name = name;
        this.errLog = errLog;
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, java, "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xms64m", "-Xmx256m", "-cp", jar, mainClass, "--serve"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile()));
        process = pb.start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = process.getOutputStream();
        String first = readLine(60);
        if (!"READY".equals(first)) throw new IOException(name + " did not start: " + first + " " + tail());
    }

    /** Sends one run's arguments; the result is read with {@link #await}. */
    void send(String args) throws IOException {
        in.write(("RUN " + args + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    Map<String, Object> await(double timeoutS) throws IOException {
        long end = System.nanoTime() + (long) (timeoutS * 1e9);
        while (true) {
            double left = (end - System.nanoTime()) / 1e9;
            String line = readLine(Math.max(0.1, left));
            if (line == null) throw new IOException(name + " ended: " + tail());
            if (line.startsWith("RESULT ")) return Json.object(line.substring(7));
            if (line.startsWith("ERROR ")) throw new IOException(name + ": " + line.substring(6));
        }
    }

    private String readLine(double timeoutS) throws IOException {
        long end = System.nanoTime() + (long) (timeoutS * 1e9);
        while (!out.ready()) {
            if (!process.isAlive()) return out.readLine();
            if (System.nanoTime() - end > 0) throw new IOException(name + ": no answer within " + timeoutS + " s " + tail());
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        return out.readLine();
    }

    private String tail() {
        try {
            List<String> l = Files.readAllLines(errLog);
            return String.join(" | ", l.subList(Math.max(0, l.size() - 5), l.size()));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void appendLog(Path p, String s) {
        try {
            Files.writeString(p, s + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // logging only
        }
    }
}
