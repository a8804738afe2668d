package dev.finetuner.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Azure's key, its data-plane tokens and its management tokens never reach a log line, an exception
 * message or a {@code toString()}: the whole Azure flow runs in its own JVM at debug logging and all it
 * printed is scanned.
 */
class AzureSecretsTest {
    private static final String KEY = "azure-KEY-do-not-print-0123456789";
    private static final String TOKEN = "entra-TOKEN-do-not-print-0123456789";
    private static final String ARM = "arm-TOKEN-do-not-print-0123456789";

    @TempDir
    Path dir;

    @Test
    void no_key_or_token_appears_in_the_output() throws IOException, InterruptedException {
        // given
        Path output = dir.resolve("output.txt");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                AzureSecretsScanMain.class.getName(), KEY, TOKEN, ARM, dir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        // when
        boolean ended = process.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        // then
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("the scan finished").isTrue();
        assertThat(process.exitValue()).as(printed).isZero();
        assertThat(printed).contains("done").contains("DEBUG").contains("DeploymentNotFound").contains("401");
        assertThat(printed).doesNotContain(KEY).doesNotContain(TOKEN).doesNotContain(ARM)
                .doesNotContain(KEY.substring(10)).doesNotContain(TOKEN.substring(10)).doesNotContain(ARM.substring(10));
    }
}
