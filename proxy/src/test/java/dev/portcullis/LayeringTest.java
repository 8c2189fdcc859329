package dev.portcullis;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The dependency rules of DESIGN.md for the packages around the engine: config, metrics, relay. */
class LayeringTest {
    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.portcullis");

    @Test
    void metrics_knows_no_other_part_of_the_proxy() {
        noClasses().that().resideInAPackage("dev.portcullis.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.portcullis.tcp..", "dev.portcullis.io..",
                        "dev.portcullis.relay..", "dev.portcullis.config..", "dev.portcullis.wire..", "io.netty..")
                .check(MAIN);
    }

    @Test
    void the_relay_uses_the_engine_but_not_the_rings_config_or_metrics() {
        noClasses().that().resideInAPackage("dev.portcullis.relay..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.portcullis.io..", "dev.portcullis.config..",
                        "dev.portcullis.metrics..", "com.typesafe..")
                .check(MAIN);
    }

    @Test
    void config_is_plain_settings_without_netty_or_the_runtime() {
        noClasses().that().resideInAPackage("dev.portcullis.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "dev.portcullis.io..",
                        "dev.portcullis.relay..", "dev.portcullis.metrics..")
                .check(MAIN);
    }

    @Test
    void no_package_reaches_back_into_main() {
        noClasses().that().resideOutsideOfPackage("dev.portcullis")
                .should().dependOnClassesThat().resideInAPackage("dev.portcullis")
                .check(MAIN);
    }
}
