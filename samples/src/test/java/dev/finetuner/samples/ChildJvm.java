package dev.finetuner.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a sample's {@code main} in its own JVM, on the test classpath, with an environment that names one
 * service and no other ({@code OPENAI_*}, {@code FINETUNER_*}, {@code AZURE_*} and {@code TOGETHER_*} are
 * removed first), as a user's process configured only by its environment would run.
 */
final class ChildJvm {
    /** What the process did. */
    record Run(int exitCode, String out, String err) {
    }

    private ChildJvm() {
    }

    static Run run(Path dir, Map<String, String> env, Class<?> mainClass, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("OPENAI_") || k.startsWith("FINETUNER_")
                || k.startsWith("AZURE_") || k.startsWith("TOGETHER_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).as("finished in time").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
