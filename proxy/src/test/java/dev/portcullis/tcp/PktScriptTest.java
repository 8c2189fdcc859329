package dev.portcullis.tcp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Runs every packetdrill-like script under src/test/resources/scripts (see {@link PktScript}). */
class PktScriptTest {
    static Stream<String> scripts() throws IOException, URISyntaxException {
        Path dir = Path.of(PktScriptTest.class.getResource("/scripts").toURI());
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pkt")).sorted().toList();
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void script(String name) throws Exception {
        Path p = Path.of(PktScriptTest.class.getResource("/scripts/" + name).toURI());
        new PktScript(name, Files.readAllLines(p)).run();
    }
}
