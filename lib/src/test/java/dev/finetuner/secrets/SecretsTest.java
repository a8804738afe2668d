package dev.finetuner.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API key never reaches a log line, an exception message, a written file or a {@code toString()}:
 * every public operation runs in a separate JVM at debug logging with a recognisable key, and all it
 * printed and wrote is scanned for it.
 */
class SecretsTest {
    private static final String KEY = "fake-finetuner-SECRET-do-not-print-0123456789";

    @TempDir
    Path dir;

    @Test
    void the_key_appears_in_no_output_log_line_or_file() throws IOException, InterruptedException {
        // given
        Path output = dir.resolve("output.txt");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                SecretsScanMain.class.getName(), KEY, dir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        // when
        boolean ended = process.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        // then
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("the scan finished").isTrue();
        assertThat(process.exitValue()).as(printed).isZero();
        assertThat(printed).contains("done").contains("DEBUG").contains("401").contains("404");
        assertThat(printed).doesNotContain(KEY).doesNotContain(KEY.substring(10));
        List<Path> written;
        try (Stream<Path> files = Files.walk(dir)) {
            written = files.filter(Files::isRegularFile).filter(p -> !p.equals(output)).toList();
        }
        assertThat(written).hasSizeGreaterThanOrEqualTo(3);
        for (Path file : written) {
            assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(KEY);
        }
    }
}
