package dev.portcullis.tcp;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The engine stays pure: no Netty, no typesafe-config, no io/relay/config/metrics, no clock, no threads. */
class ArchitectureTest {
    private static final JavaClasses TCP = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.portcullis.tcp");

    @Test
    void tcpImportsNothingItMustNot() {
        noClasses().that().resideInAPackage("dev.portcullis.tcp..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "com.typesafe..",
                        "dev.portcullis.io..", "dev.portcullis.relay..", "dev.portcullis.config..",
                        "dev.portcullis.metrics..", "org.slf4j..", "io.micrometer..")
                .check(TCP);
    }

    @Test
    void tcpReadsNoClockAndStartsNoThread() {
        noClasses().that().resideInAPackage("dev.portcullis.tcp..")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
                .orShould().dependOnClassesThat().resideInAnyPackage("java.time..", "java.util.concurrent..",
                        "java.net..", "java.nio.channels..")
                .check(TCP);
    }
}
