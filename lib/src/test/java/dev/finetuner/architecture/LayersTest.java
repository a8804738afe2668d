package dev.finetuner.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.finetuner.FineTunerException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering of the library, as a table and as a test: a package may use only the packages its row
 * names (and the exception types of the root package, the one allowed upward reference). A wrong
 * import fails the build here, naming the class and the dependency.
 */
class LayersTest {
    private static final String ROOT = "dev.finetuner";

    /** Each package and the library packages it may use. */
    static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("model", Set.of());
        MAY_USE.put("internal", Set.of());
        MAY_USE.put("dataset", Set.of("model", "internal"));
        MAY_USE.put("validation", Set.of("dataset", "model", "internal"));
        // the model catalogue, to know a completion model from a chat one; never datasets or validation
        MAY_USE.put("service", Set.of("model", "internal"));
        // the embedded backend is an independent oracle: it judges files and counts tokens with its own
        // code, as the API does, so that a bug in the library cannot hide in the tests that run against it
        MAY_USE.put("local", Set.of("model"));
        MAY_USE.put("metrics", Set.of("service", "internal"));
        MAY_USE.put("completion", Set.of("service", "dataset", "model", "internal"));
        // the Micrometer adapter: an ApiListener, and the one package that may use io.micrometer (below)
        MAY_USE.put("micrometer", Set.of("service"));
    }

    /** Packages that may not use even the root package's exceptions. */
    static final Set<String> NOTHING_OF_THE_ROOT = Set.of("local");

    private static JavaClasses library;

    @BeforeAll
    static void importLibrary() {
        library = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }

    static ArchRule layerRule(String pkg) {
        Set<String> forbidden = new TreeSet<>(MAY_USE.keySet());
        forbidden.removeAll(MAY_USE.get(pkg));
        forbidden.remove(pkg);
        String[] packages = forbidden.stream().map(p -> ROOT + "." + p + "..").toArray(String[]::new);
        boolean exceptions = !NOTHING_OF_THE_ROOT.contains(pkg);
        DescribedPredicate<JavaClass> root = exceptions
                ? resideInAPackage(ROOT).and(DescribedPredicate.not(assignableTo(FineTunerException.class)))
                : resideInAPackage(ROOT);
        return noClasses().that().resideInAPackage(ROOT + "." + pkg + "..")
                .should().dependOnClassesThat(resideInAnyPackage(packages).or(root))
                .because(pkg + " may use only " + (MAY_USE.get(pkg).isEmpty() ? "the JDK and its libraries"
                        : MAY_USE.get(pkg)) + (exceptions ? ", and the root package's exceptions" : ""));
    }

    @Test
    void every_package_uses_only_the_packages_its_row_of_the_table_names() {
        for (String pkg : MAY_USE.keySet()) {
            layerRule(pkg).check(library);
        }
    }

    @Test
    void every_package_of_the_library_has_a_row_in_the_table() {
        Set<String> packages = new TreeSet<>();
        for (JavaClass c : library) {
            String name = c.getPackageName();
            if (name.startsWith(ROOT + ".")) {
                packages.add(name.substring(ROOT.length() + 1).split("\\.")[0]);
            }
        }
        assertThat(MAY_USE.keySet()).containsExactlyInAnyOrderElementsOf(packages);
    }

    @Test
    void the_facade_never_reaches_the_embedded_backend_outside_tests_and_samples() {
        noClasses().that().resideInAPackage(ROOT).should().dependOnClassesThat(resideInAPackage(ROOT + ".local.."))
                .check(library);
    }

    @Test
    void only_the_micrometer_package_uses_micrometer_so_an_application_without_it_never_needs_it() {
        // micrometer-core is an optional dependency: a class outside dev.finetuner.micrometer that named a
        // Micrometer type (or the adapter, which names them) would fail with NoClassDefFoundError in an
        // application that does not have it
        noClasses().that().resideOutsideOfPackage(ROOT + ".micrometer..")
                .should().dependOnClassesThat(resideInAnyPackage("io.micrometer..", ROOT + ".micrometer.."))
                .because("micrometer-core is optional: only dev.finetuner.micrometer may need it")
                .check(library);
    }

    @Test
    void the_rule_catches_a_backend_class_that_judges_files_with_the_library_validator() {
        // given: a class in the local package that imports validation and dataset, as the backend once did
        JavaClasses wrong = new ClassFileImporter().importClasses(dev.finetuner.local.wronglayer.JudgesWithTheValidator.class);
        // when
        EvaluationResult result = layerRule("local").evaluate(wrong);
        // then
        assertThat(result.hasViolation()).isTrue();
        List<String> details = result.getFailureReport().getDetails();
        assertThat(String.join("\n", details)).contains("dev.finetuner.validation.Validator")
                .contains("dev.finetuner.dataset.Dataset");
    }
}
