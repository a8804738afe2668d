package dev.finetuner.local;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The embedded backend is an oracle for the library, so it shares none of the library's judgement: its
 * classes use the model catalogue, Jackson, jtokkit, slf4j and the JDK, and nothing of
 * {@code dev.finetuner}'s other packages (the root package's exceptions included).
 */
class LocalOpenAiIndependenceTest {
    private static final JavaClasses BACKEND = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.finetuner.local");

    @Test
    void the_backend_depends_on_no_package_of_the_library_but_the_model_catalogue() {
        noClasses().that().resideInAPackage("dev.finetuner.local..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.finetuner", "dev.finetuner.validation..",
                        "dev.finetuner.dataset..", "dev.finetuner.service..", "dev.finetuner.completion..",
                        "dev.finetuner.metrics..", "dev.finetuner.internal..")
                .because("the backend checks files and counts tokens with its own code, as the API does, so that a"
                        + " bug in the library cannot hide in the tests that run against it")
                .check(BACKEND);
    }
}
