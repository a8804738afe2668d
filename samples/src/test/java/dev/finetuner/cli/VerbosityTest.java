package dev.finetuner.cli;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's log is shown only when asked for. slf4j-simple fixes its level in the process when the
 * first logger is made, so these run the command line as a process of its own, without the test
 * resources (whose simplelogger.properties quiets the tests): what a user's {@code finetuner} does.
 */
class VerbosityTest {
    private static LocalOpenAi local;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    record Run(int code, String out, String err) {
    }

    private Run finetuner(String... args) throws IOException, InterruptedException {
        return finetuner(List.of(), List.of(), args);
    }

    /** The command line in a process of its own, with {@code jvm} options and {@code first} on the class path. */
    private Run finetuner(List<String> jvm, List<Path> first, String... args) throws IOException, InterruptedException {
        String classPath = java.util.stream.Stream.concat(first.stream().map(Path::toString),
                        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                                .filter(entry -> !entry.endsWith("test-classes")))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvm);
        command.add("-cp");
        command.add(classPath);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("OPENAI_API_KEY", "test");
        pb.environment().put("OPENAI_BASE_URL", local.baseUrl());
        Process p = pb.start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished in time").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Path trainingFile() throws IOException {
        return Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 20)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn")
                        + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    @Test
    void by_default_a_command_prints_its_own_output_and_no_log_lines() throws Exception {
        // when
        Run run = finetuner("upload", trainingFile().toString());
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("file-");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void v_shows_the_library_s_info_lines_on_stderr() throws Exception {
        // when
        Run run = finetuner("upload", trainingFile().toString(), "-v");
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("INFO dev.finetuner.service.FilesService - ").doesNotContain("DEBUG");
        assertThat(run.out()).doesNotContain("INFO");
    }

    @Test
    void a_level_set_in_java_opts_is_kept_without_v() throws Exception {
        // when
        Run run = finetuner(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info"), List.of(), "upload", trainingFile().toString());
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("INFO dev.finetuner.service.FilesService - ");
    }

    @Test
    void a_level_set_in_a_simplelogger_properties_file_is_kept_without_v() throws Exception {
        // given: slf4j-simple's own configuration file, first on the class path
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("simplelogger.properties"), "org.slf4j.simpleLogger.defaultLogLevel=info\n");
        // when
        Run run = finetuner(List.of(), List.of(config), "upload", trainingFile().toString());
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("INFO dev.finetuner.service.FilesService - ");
    }

    @Test
    void vv_before_the_command_shows_the_debug_lines_too() throws Exception {
        // when
        Run run = finetuner("-vv", "upload", trainingFile().toString());
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains(" INFO ").contains(" DEBUG ");
    }

    @Test
    void create_keeps_v_for_the_validation_file_and_takes_verbose() throws Exception {
        // given
        Path training = trainingFile();
        // when: -v names the validation file, as in openai api fine_tunes.create
        Run run = finetuner("create", "-t", training.toString(), "-v", training.toString(), "-m", "babbage-002",
                "--epochs", "1", "--verbose");
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Job complete!");
        assertThat(run.out().lines().filter(l -> l.startsWith("Uploaded " + training + " as file-"))).hasSize(2);
        assertThat(run.err()).contains("INFO dev.finetuner.service.JobsService - created fine-tuning job");
    }

    @Test
    void help_names_the_option_on_every_command_and_create_s_v_is_still_the_validation_file() {
        for (String command : List.of("prepare", "estimate", "upload", "follow", "list", "get", "cancel", "complete",
                "metrics", "evaluate", "sweep", "serve")) {
            StringWriter out = new StringWriter();
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            assertThat(cli.execute(command, "--help")).isZero();
            assertThat(out.toString()).as(command).contains("-v, --verbose");
        }
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("create", "--help")).isZero();
        assertThat(out.toString()).contains("-v, --validation-file").contains("    --verbose").doesNotContain("-v, --verbose");
    }

    @Test
    void v_with_no_command_is_still_the_usage_error_of_a_missing_command() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("-v")).isEqualTo(2);
        assertThat(err.toString()).contains("name a command");
    }
}
