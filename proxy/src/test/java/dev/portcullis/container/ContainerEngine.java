package dev.portcullis.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/**
 * Finds a container engine for the container tests, or says in one line why there is none.
 *
 * <p>Testcontainers finds the engine: {@code DOCKER_HOST} from the environment (proxy/pom.xml's profile
 * {@code podman-socket} sets it for failsafe to podman's API socket, {@code /run/podman/podman.sock}, which
 * deploy/container/ci-setup.sh starts), else its own discovery (/var/run/docker.sock and friends).
 * Ryuk, Testcontainers' reaper, needs an image that cannot be pulled here: {@code TESTCONTAINERS_RYUK_DISABLED=true}
 * must be in the environment (failsafe sets it; Testcontainers reads only the environment variable).
 */
final class ContainerEngine {
    static final Path PODMAN_SOCKET = Path.of("/run/podman/podman.sock");

    private static Optional<String> unavailable;

    private ContainerEngine() {}

    /** Empty when an engine answers; else the reason the container tests skip. */
    static synchronized Optional<String> unavailableReason() {
        if (unavailable == null) unavailable = probe();
        return unavailable;
    }

    /** "podman" or "docker": which command line builds images for the engine in use. */
    static String cli() {
        String host = effectiveDockerHost();
        if (host != null && host.contains("podman")) return "podman";
        try {
            String name = DockerClientFactory.instance().client().versionCmd().exec().getComponents().stream()
                    .map(c -> c.getName()).filter(n -> n != null).findFirst().orElse("");
            if (name.toLowerCase().contains("podman")) return "podman";
        } catch (RuntimeException e) {
            // fall through: an engine that does not list components is Docker
        }
        return "docker";
    }

    private static String effectiveDockerHost() {
        return System.getenv("DOCKER_HOST");
    }

    private static Optional<String> probe() {
        if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            return Optional.of("TESTCONTAINERS_RYUK_DISABLED=true is not in the environment (Ryuk's image cannot be "
                    + "pulled without a registry; run through failsafe or eval \"$(deploy/container/ci-setup.sh)\")");
        }
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) return Optional.empty();
            String hint = System.getenv("DOCKER_HOST") == null && Files.exists(PODMAN_SOCKET)
                    ? " (podman's socket exists: export DOCKER_HOST=unix://" + PODMAN_SOCKET + ")"
                    : "; start podman's with deploy/container/ci-setup.sh";
            return Optional.of("no container engine answers (DOCKER_HOST=" + effectiveDockerHost() + ")" + hint);
        } catch (RuntimeException | Error e) {
            return Optional.of("no container engine: " + e);
        }
    }
}
