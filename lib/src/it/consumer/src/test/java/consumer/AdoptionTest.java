package consumer;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an application that depends on finetuner alone gets, checked at run time. */
class AdoptionTest {

    @Test
    void every_jackson_module_is_the_version_finetuner_is_tested_with() throws Exception {
        // given: only dev.finetuner:finetuner in this project's pom
        String expected = System.getProperty("expected.jackson.version");
        // when
        Map<String, String> versions = new TreeMap<>();
        for (String module : List.of("core.json", "databind.cfg", "dataformat.csv", "datatype.jdk8",
                "datatype.jsr310", "module.kotlin")) {
            versions.put(module, String.valueOf(Class.forName("com.fasterxml.jackson." + module + ".PackageVersion")
                    .getField("VERSION").get(null)));
        }
        // then: one version, not openai-java's own 2.18 beside ours
        versions.forEach((module, version) -> assertEquals(expected, version, "jackson " + module + " " + versions));
        assertTrue(jarOf("com.fasterxml.jackson.annotation.JsonProperty")
                .startsWith("jackson-annotations-" + expected.substring(0, expected.lastIndexOf('.'))), versions::toString);
    }

    @Test
    void kotlin_stdlib_and_reflect_are_the_version_finetuner_is_tested_with() throws Exception {
        // given
        String expected = System.getProperty("expected.kotlin.version");
        // when
        String stdlib = String.valueOf(Class.forName("kotlin.KotlinVersion").getField("CURRENT").get(null));
        String reflect = jarOf("kotlin.reflect.full.KClasses");
        // then: not openai-java's 1.8.0, which is older than okhttp 4.12 (1.8.21) and okio 3.6 (1.9.10) ask for
        assertEquals(expected, stdlib);
        assertEquals("kotlin-reflect-" + expected + ".jar", reflect);
    }

    @Test
    void micrometer_is_not_on_the_class_path_of_an_application_that_did_not_add_it() {
        // given: only dev.finetuner:finetuner in this project's pom, whose micrometer-core is optional
        // when / then: so the one-liner below runs, on this class path, without Micrometer
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.micrometer.core.instrument.MeterRegistry"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.micrometer.common.KeyValue"));
    }

    @Test
    void the_one_liner_trains_and_answers_on_the_embedded_backend() throws Exception {
        // given: the embedded backend, and a program configured from the environment as users configure it
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build()) {
            Path classes = Path.of(AdoptionTest.class.getResource("/helpdesk.csv").toURI()).getParent();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), OneLiner.class.getName())
                    .directory(classes.toFile()).redirectErrorStream(true);
            pb.environment().put("OPENAI_BASE_URL", local.baseUrl());
            pb.environment().put("OPENAI_API_KEY", "test");
            // when
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ended = p.waitFor(2, TimeUnit.MINUTES);
            // then: a fine-tuned davinci-002 (curie's replacement) that answers
            System.out.println(output);
            assertTrue(ended && p.exitValue() == 0, output);
            List<String> lines = output.lines().filter(l -> !l.startsWith("SLF4J")).toList();
            assertTrue(lines.size() >= 2 && lines.get(lines.size() - 2).startsWith("ft:davinci-002"), output);
            assertTrue(!lines.get(lines.size() - 1).isBlank(), output);
        }
    }

    private static String jarOf(String className) throws ClassNotFoundException {
        return new File(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().getPath()).getName();
    }
}
