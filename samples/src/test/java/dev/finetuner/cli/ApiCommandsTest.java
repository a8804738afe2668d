package dev.finetuner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The legacy workflow, one command each, against the embedded backend; output and exit codes checked. */
class ApiCommandsTest {
    private static LocalOpenAi local;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void start() {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private int api(String command, String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(command));
        all.addAll(java.util.List.of(args));
        all.addAll(java.util.List.of("--api-key", "test", "--base-url", local.baseUrl()));
        if (java.util.Set.of("create", "follow", "sweep").contains(command)) { // the commands that wait for a job
            all.add("--poll=0.01");
        }
        return run(all.toArray(String[]::new));
    }

    private Path trainingFile() throws IOException {
        return Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 60)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private static String jobId(String output) {
        Matcher m = Pattern.compile("(ftjob-[A-Za-z0-9]+)").matcher(output);
        assertThat(m.find()).as("a job id in: %s", output).isTrue();
        return m.group(1);
    }

    @Test
    void create_uploads_the_file_follows_the_job_and_prints_the_model() throws IOException {
        // when
        int code = api("create", "-t", trainingFile().toString(), "-m", "curie", "--epochs", "2", "--suffix", "cli");
        // then
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Uploaded").contains("Created fine-tuning job ftjob-")
                .contains("Job complete! Status: succeeded. Model: ft:davinci-002");
        assertThat(err.toString()).contains("curie was retired");
    }

    @Test
    void upload_then_create_without_following_then_follow_list_get_and_complete() throws IOException, Exception {
        // given
        assertThat(api("upload", trainingFile().toString(), "--json")).as(err.toString()).isZero();
        String fileId = new ObjectMapper().readTree(out.toString()).get("id").asText();
        assertThat(api("create", "-t", fileId, "-m", "babbage-002", "--no-follow")).isZero();
        String jobId = jobId(out.toString());
        assertThat(out.toString()).as("what to run next").contains("Follow it with: finetuner follow " + jobId);
        // when / then
        assertThat(api("follow", jobId)).isZero();
        assertThat(out.toString()).contains("Job complete!");
        assertThat(api("list", "--json")).isZero();
        JsonNode jobs = new ObjectMapper().readTree(out.toString());
        assertThat(jobs).anySatisfy(j -> assertThat(j.get("id").asText()).isEqualTo(jobId));
        assertThat(api("get", jobId, "--json")).isZero();
        String model = new ObjectMapper().readTree(out.toString()).get("fineTunedModel").asText();
        assertThat(api("complete", "-m", model, "-p", "ticket 999 about the printer ->", "--max-tokens", "5")).isZero();
        assertThat(out.toString().strip()).isEqualTo("printer");
        // a mistyped id fails at once and names the model meant
        String typo = model.substring(0, model.length() - 1) + (model.endsWith("x") ? "y" : "x");
        assertThat(api("complete", "-m", typo, "-p", "ticket 999 about the printer ->")).isEqualTo(1);
        assertThat(err.toString()).contains("404").contains("Did you mean " + model + "?");
    }

    @Test
    void metrics_print_the_curves_and_write_a_chart_and_evaluate_scores_a_held_out_file() throws IOException {
        // given: a finished job
        assertThat(api("create", "-t", trainingFile().toString(), "-m", "babbage-002", "--epochs", "2")).isZero();
        String jobId = jobId(out.toString());
        String model = out.toString().replaceAll("(?s).*Model: (\\S+).*", "$1").strip();
        Path heldOut = Files.writeString(dir.resolve("held_out.jsonl"), IntStream.range(100, 120)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        Path svg = dir.resolve("loss.svg");
        // when / then
        assertThat(api("metrics", jobId, "--svg", svg.toString())).isZero();
        assertThat(out.toString()).startsWith("step,train_loss").contains("\n1,");
        assertThat(Files.readString(svg)).contains("<svg");
        assertThat(api("evaluate", "-m", model, heldOut.toString(), "--json")).isZero();
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("examples").asInt()).isEqualTo(20);
        assertThat(report.get("task").asText()).isEqualTo("classification");
        assertThat(report.get("accuracy").asDouble()).isGreaterThan(0.9);
        // and scored as generation when asked
        assertThat(api("evaluate", "-m", model, heldOut.toString(), "--json", "--task", "conditional_generation")).isZero();
        JsonNode generation = new ObjectMapper().readTree(out.toString());
        assertThat(generation.get("task").asText()).isEqualTo("conditional_generation");
        assertThat(generation.has("exactMatch")).isTrue();
        assertThat(api("evaluate", "-m", model, heldOut.toString(), "--task", "poetry")).isEqualTo(2);
        assertThat(err.toString()).contains("CLASSIFICATION");
    }

    @Test
    void sweep_prints_the_table_and_refuses_a_budget_it_would_exceed() throws IOException {
        // given
        Path reviews = Files.writeString(dir.resolve("reviews.jsonl"), IntStream.range(0, 80)
                .mapToObj(i -> "{\"prompt\":\"day " + i + " the food was " + (i % 2 == 0 ? "great" : "awful")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "good" : "bad") + "\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        Path svg = dir.resolve("sweep.svg");
        // when / then
        assertThat(api("sweep", reviews.toString(), "-m", "babbage-002", "--epochs", "1,2", "--budget", "1",
                "--svg", svg.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("e1-bauto-lrauto").contains("e2-bauto-lrauto").contains("best: ");
        assertThat(Files.readString(svg)).contains("<svg");
        assertThat(api("sweep", reviews.toString(), "-m", "davinci-002", "--epochs", "50", "--budget", "0.0001"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("over the budget");
    }

    @Test
    void a_follow_cut_off_by_a_lost_backend_prints_the_exact_command_to_resume() throws Exception {
        // given: a job on a backend of its own that runs in real time, so it is still running when the backend goes
        LocalOpenAi doomed = LocalOpenAi.builder().speed(1).build();
        String url = doomed.baseUrl();
        String[] common = {"--api-key", "test", "--base-url", url, "--poll=0.01"};
        assertThat(run(concat(new String[] {"create", "-t", trainingFile().toString(), "-m", "babbage-002", "--no-follow"},
                common))).isZero();
        String jobId = jobId(out.toString());
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            WatchedWriter followOut = new WatchedWriter();
            StringWriter followErr = new StringWriter();
            CommandLine follow = Main.commandLine();
            follow.setOut(new PrintWriter(followOut, true));
            follow.setErr(new PrintWriter(followErr, true));
            Future<Integer> code = thread.submit(() -> follow.execute(concat(new String[] {"follow", jobId}, common)));
            followOut.await("status: ", Duration.ofSeconds(10)); // the first status, after the first event, has been printed
            // when: the backend goes away mid-follow
            doomed.close();
            // then
            assertThat(code.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(followErr.toString()).containsPattern("Resume with: finetuner follow " + jobId + " --after ftevent-\\w+");
        } finally {
            doomed.close();
            thread.shutdownNow();
        }
    }

    @Test
    void a_follow_stopped_by_a_signal_prints_the_exact_command_to_resume() throws Exception {
        // given: a job that runs in real time, followed by the command line in a process of its own
        try (LocalOpenAi slow = LocalOpenAi.builder().speed(1).build()) {
            String[] common = {"--api-key", "test", "--base-url", slow.baseUrl(), "--poll=0.01"};
            assertThat(run(concat(new String[] {"create", "-t", trainingFile().toString(), "-m", "babbage-002",
                    "--no-follow"}, common))).isZero();
            String jobId = jobId(out.toString());
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "follow", jobId));
            command.addAll(java.util.List.of(common));
            Process follow = new ProcessBuilder(command).redirectErrorStream(true).start();
            WatchedWriter printed = new WatchedWriter();
            Thread reader = new Thread(() -> {
                try (var in = new java.io.InputStreamReader(follow.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)) {
                    in.transferTo(printed);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reader.start();
            try {
                printed.await("status: ", Duration.ofSeconds(30)); // the first status, after the first event, has been printed
                // when: stopped the way Ctrl-C or a deploy stops it (SIGTERM; through the handle, because
                // Process.destroy also closes our end of the pipe and the hook's last lines would be lost)
                follow.toHandle().destroy();
                assertThat(follow.waitFor(30, TimeUnit.SECONDS)).isTrue();
                reader.join(TimeUnit.SECONDS.toMillis(30));
            } finally {
                follow.destroyForcibly();
            }
            // then
            assertThat(printed.toString())
                    .containsPattern("Stream interrupted\\. Resume with: finetuner follow " + jobId + " --after ftevent-\\w+");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void a_job_that_does_not_exist_is_exit_1_with_the_api_message() {
        assertThat(api("get", "ftjob-doesnotexist")).isEqualTo(1);
        assertThat(err.toString()).contains("error: 404");
    }

    @Test
    void bad_arguments_are_usage_errors_with_exit_2() throws IOException {
        assertThat(api("create", "-t", trainingFile().toString(), "-m", "davinci-002", "--epochs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("n_epochs must be 1..50");
        assertThat(run("follow")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter: 'JOB_ID'");
    }

    @Test
    void an_api_failure_is_exit_1_with_the_status_whichever_command_meets_it() {
        for (String[] command : new String[][] {{"get", "ftjob-nope"}, {"cancel", "ftjob-nope"}, {"metrics", "ftjob-nope"},
                {"follow", "ftjob-nope"}}) {
            assertThat(api(command[0], command[1])).as("exit code of %s", String.join(" ", command)).isEqualTo(1);
            assertThat(err.toString()).as("stderr of %s", command[0]).startsWith("error: 404");
        }
        assertThat(err.toString()).as("no such job: nothing to resume").doesNotContain("Resume with");
    }

    @Test
    void sweep_run_as_a_process_prints_its_table_on_stdout() throws Exception {
        // given: the same main a terminal runs, which ends with System.exit
        Path reviews = Files.writeString(dir.resolve("reviews.jsonl"), IntStream.range(0, 40)
                .mapToObj(i -> "{\"prompt\":\"day " + i + " the food was " + (i % 2 == 0 ? "great" : "awful")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "good" : "bad") + "\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        Process sweep = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "sweep", reviews.toString(),
                "-m", "babbage-002", "--epochs", "1", "--budget", "1", "--api-key", "test", "--base-url", local.baseUrl(),
                "--poll=0.01").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // when
        String stdout = new String(sweep.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        // then
        assertThat(sweep.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sweep.exitValue()).isZero();
        assertThat(stdout).contains("e1-bauto-lrauto").contains("best: ");
    }

    @Test
    void serve_on_a_port_in_use_is_one_error_line_and_exit_1() {
        int busy = java.net.URI.create(local.baseUrl()).getPort();
        assertThat(run("serve", "--port", String.valueOf(busy))).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: cannot listen on 127.0.0.1:" + busy).contains("--port")
                .doesNotContain("\tat ");
    }

    @Test
    void a_base_url_that_is_not_a_url_is_one_usage_error_line_not_a_stack_trace() {
        for (String url : new String[] {"not a url", "ftp://example.com/v1"}) {
            assertThat(run("list", "--api-key", "test", "--base-url", url)).as(url).isEqualTo(2);
            assertThat(err.toString()).contains(url).contains("base URL").contains("https://api.openai.com/v1")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void the_key_can_come_from_a_file_so_that_it_stays_out_of_ps() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("key"), "test\n");
        assertThat(run("list", "--api-key-file", keyFile.toString(), "--base-url", local.baseUrl())).as(err.toString()).isZero();
        assertThat(run("list", "--api-key-file", dir.resolve("missing").toString(), "--base-url", local.baseUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read --api-key-file");
    }

    @Test
    void without_a_key_the_command_says_how_to_give_one() {
        // the environment of the build has no OPENAI_API_KEY; if it ever has one, this checks nothing false
        if (System.getenv("OPENAI_API_KEY") == null) {
            assertThat(run("list", "--base-url", local.baseUrl())).isEqualTo(2);
            assertThat(err.toString()).contains("no API key");
        } else {
            assertThat(System.getenv("OPENAI_API_KEY")).isNotBlank();
        }
    }

    @Test
    void estimate_prices_a_file_offline() throws IOException {
        assertThat(run("estimate", trainingFile().toString(), "-m", "babbage-002", "--json")).isZero();
        JsonNode e = new ObjectMapper().readTree(out.toString());
        assertThat(e.get("model").asText()).isEqualTo("babbage-002");
        assertThat(e.get("trainingExamples").asLong()).isEqualTo(60);
        assertThat(e.get("epochs").asInt()).isEqualTo(3);
        assertThat(e.get("estimatedCostUsd").isNumber()).as("a number, as in prepare --json").isTrue();
    }

    @Test
    void serve_runs_the_backend_until_stopped_and_other_commands_use_it() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        ServeCommand.stop = new CountDownLatch(1);
        WatchedWriter serveOut = new WatchedWriter();
        try {
            CommandLine serve = Main.commandLine();
            serve.setOut(new PrintWriter(serveOut, true));
            Future<Integer> code = thread.submit(() -> serve.execute("serve", "--port", "0", "--speed", "10000"));
            serveOut.await("/v1", Duration.ofSeconds(10));
            Matcher m = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/v1)").matcher(serveOut.toString());
            assertThat(m.find()).isTrue();
            assertThat(run("list", "--api-key", "test", "--base-url", m.group(1))).isZero();
            ServeCommand.stop.countDown();
            assertThat(code.get(10, TimeUnit.SECONDS)).isZero();
        } finally {
            ServeCommand.stop.countDown();
            thread.shutdownNow();
        }
    }
}
