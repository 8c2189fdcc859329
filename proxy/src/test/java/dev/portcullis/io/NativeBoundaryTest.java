package dev.portcullis.io;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** STYLE.md 8: one class owns the syscalls; only the io package may reach native code. */
class NativeBoundaryTest {
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.portcullis");

    @Test
    void onlyNativeLinksNativeCode() {
        noClasses().that().doNotHaveFullyQualifiedName(Native.class.getName())
                .should().dependOnClassesThat().haveFullyQualifiedName("java.lang.foreign.Linker")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.foreign.SymbolLookup")
                .because("Native is the one class that calls native code")
                .check(MAIN);
    }

    @Test
    void nothingOutsideIoCallsNative() {
        noClasses().that().resideOutsideOfPackage("dev.portcullis.io..")
                .should().dependOnClassesThat().haveFullyQualifiedName(Native.class.getName())
                .check(MAIN);
    }
}
