package dev.portcullis.guard;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** guard is pure: no Netty, no FFM, no other package of the proxy, no clock (time is passed in). */
class GuardLayeringTest {
    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.portcullis");

    @Test
    void guard_depends_on_nothing_but_the_jdk() {
        noClasses().that().resideInAPackage("dev.portcullis.guard..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "java.lang.foreign..", "com.typesafe..",
                        "io.micrometer..", "dev.portcullis.io..", "dev.portcullis.tcp..", "dev.portcullis.relay..",
                        "dev.portcullis.config..", "dev.portcullis.metrics..", "dev.portcullis.wire..", "dev.portcullis.cookie..")
                .check(MAIN);
    }

    @Test
    void guard_reads_no_clock() {
        noClasses().that().resideInAPackage("dev.portcullis.guard..")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .check(MAIN);
    }
}
