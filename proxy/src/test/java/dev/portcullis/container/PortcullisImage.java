package dev.portcullis.container;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/**
 * The Portcullis image under test, built once per JVM from the repository's own Dockerfile through
 * deploy/container/build-image.sh (the same script an operator runs), or named with {@code -Dportcullis.image=NAME}
 * to test an image built elsewhere.
 */
final class PortcullisImage {
    static final String TAG = "portcullis:it";

    private static String built;

    private PortcullisImage() {}

    static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("Dockerfile")) && Files.isDirectory(p.resolve("deploy"))) return p;
        }
        throw new IllegalStateException("no repository root (Dockerfile + deploy/) above " + dir);
    }

    /** Empty when the image can be had; else why the tests skip. Builds it on first use. */
    static synchronized Optional<String> unavailableReason() {
        if (built != null) return Optional.empty();
        String named = System.getProperty("portcullis.image");
        if (named != null && !named.isBlank()) {
            if (!exists(named)) return Optional.of("-Dportcullis.image=" + named + " names no local image");
            built = named;
            return Optional.empty();
        }
        Path root = repositoryRoot();
        Path launcher = root.resolve("proxy/target/portcullis-dist/bin/portcullis");
        if (!Files.isExecutable(launcher)) {
            return Optional.of(root.relativize(launcher) + " does not exist: this build made no distribution, "
                    + "so there is nothing to put in an image");
        }
        String cli = ContainerEngine.cli();
        if (!onPath(cli)) return Optional.of("the engine is " + cli + " but its command line is not on PATH");
        build(root, cli);
        built = TAG;
        return Optional.empty();
    }

    static String name() {
        if (built == null) throw new IllegalStateException("unavailableReason() first");
        return built;
    }

    private static void build(Path root, String cli) {
        Path log = root.resolve("proxy/target/container-image-build.log");
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("deploy/container/build-image.sh").toString(), TAG)
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("ENGINE", cli);
            Process p = pb.start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("image build did not finish in 20 minutes; log: " + log);
            }
            if (p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log);
                fail("image build failed (exit " + p.exitValue() + "), last lines of " + log + ":\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            }
        } catch (IOException e) {
            fail("image build could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while building the image");
        }
        System.out.printf("[container] built %s with %s in %d s (log: %s)%n", TAG, cli,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), log);
    }

    private static boolean exists(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }
}
