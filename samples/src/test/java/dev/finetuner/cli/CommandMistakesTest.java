package dev.finetuner.cli;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mistakes a person makes at the terminal (a path that is not there, a CSV given where JSONL is
 * needed, a mistyped model, a model that does not train on the data, columns with other names, a server
 * that is not running) are caught before they reach the API, explained, and exit alike in every command.
 */
class CommandMistakesTest {
    private static LocalOpenAi local;

    @TempDir
    static Path dir;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void start() throws IOException {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
        Files.writeString(dir.resolve("train.jsonl"), lines(60, i -> "{\"prompt\":\"ticket " + i + " about the "
                + label(i) + " ->\",\"completion\":\" " + label(i) + "\\n\"}"));
        Files.writeString(dir.resolve("chat.jsonl"), lines(60, i -> "{\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"ticket " + i + " about the " + label(i) + "\"},{\"role\":\"assistant\",\"content\":\"" + label(i)
                + "\"}]}"));
        Files.writeString(dir.resolve("tickets.csv"), "question,answer,id\n" + lines(60, i -> "ticket " + i
                + " about the " + label(i) + "," + label(i) + "," + i));
        Files.writeString(dir.resolve("good.csv"), "prompt,completion\n" + lines(60, i -> "ticket " + i
                + " about the " + label(i) + "," + label(i)));
        Files.writeString(dir.resolve("same.jsonl"), lines(60, i -> "{\"prompt\":\"ticket " + i
                + " ->\",\"completion\":\" printer\\n\"}"));
        Files.writeString(dir.resolve("broken.jsonl"), lines(5, i -> "{\"prompt\": \"ticket " + i));
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    private static String label(int i) {
        return i % 2 == 0 ? "printer" : "vpn";
    }

    private static String lines(int n, java.util.function.IntFunction<String> line) {
        return IntStream.range(0, n).mapToObj(line).collect(Collectors.joining("\n", "", "\n"));
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Runs a command; one that calls the API gets the embedded backend's URL and a key. */
    private int command(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!List.of("prepare", "estimate").contains(args[0])) {
            all.addAll(List.of("--api-key", "test", "--base-url", local.baseUrl()));
            if (List.of("create", "follow", "sweep").contains(args[0])) {
                all.add("--poll=0.01"); // only the commands that wait for a job take it
            }
        }
        return run(all.toArray(String[]::new));
    }

    // ---------------------------------------------------------------- 1. a path is a path

    @Test
    void create_with_a_path_that_is_not_there_is_a_missing_file_not_a_file_id() {
        // when: a bare name in the working directory, where no such file is
        int code = command("create", "-t", "nope.jsonl", "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: nope.jsonl: no such file").doesNotContain("invalid training_file");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void create_with_a_csv_says_to_prepare_it_first_and_uploads_nothing() {
        // when
        int code = command("create", "-t", file("good.csv"), "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + file("good.csv") + ": is a CSV file; the API trains on JSONL")
                .contains("Run `finetuner prepare " + file("good.csv") + " -m babbage-002 --repair --out DIR` first"
                        + " (or add --prepare to prepare it on the fly).")
                .doesNotContain("Must be .jsonl");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void create_with_a_jsonl_that_is_not_ready_says_why_and_to_prepare_it() {
        // when: every completion is the same
        int code = command("create", "-t", file("train.jsonl"), "-v", file("same.jsonl"), "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + file("same.jsonl") + ": is not ready for fine-tuning (1 error(s):"
                + " identical_completions)").contains("--prepare");
        assertThat(out.toString()).as("nothing uploaded, not even the training file").isEmpty();
    }

    @Test
    void create_with_prepare_prepares_both_files_with_the_columns_given_uploads_them_and_trains() {
        // when
        int code = command("create", "-t", file("tickets.csv"), "-v", file("tickets.csv"), "--prepare",
                "--prompt-column", "question", "--completion-column", "answer", "-m", "babbage-002", "--epochs", "1");
        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Prepared " + file("tickets.csv") + " for babbage-002: 60 example(s) kept")
                .contains("Ready for fine-tuning.").contains("Uploaded " + file("tickets.csv") + " (prepared) as file-")
                .contains("Job complete! Status: succeeded. Model: ft:babbage-002");
        assertThat(out.toString().split("\\(prepared\\) as file-", -1)).as("training and validation uploaded").hasSize(3);
    }

    @Test
    void create_with_prepare_on_data_that_no_repair_makes_ready_stops_with_the_report() {
        // when
        int code = command("create", "-t", file("same.jsonl"), "--prepare", "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("[identical_completions]").contains("Not ready").doesNotContain("Uploaded")
                .as("no word of the temporary files, which are gone").doesNotContain("Wrote");
        assertThat(err.toString()).startsWith("error: " + file("same.jsonl") + " is not ready for fine-tuning even after"
                + " the recommended repairs (1 error(s): identical_completions)");
    }

    // ---------------------------------------------------------------- 2. model names and formats

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "estimate", "create"})
    void a_mistyped_model_is_refused_with_the_name_meant(String command) {
        // when
        int code = command.equals("create") ? command("create", "-t", file("train.jsonl"), "-m", "babage-002")
                : command(command, file("train.jsonl"), "-m", "babage-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: unknown model babage-002; did you mean babbage-002?" + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void a_name_like_a_typo_that_the_server_lists_is_its_own_model_and_is_trained() {
        // given: a self-hosted backend whose own model is named one edit from babbage-002
        com.github.tomakehurst.wiremock.WireMockServer server = new com.github.tomakehurst.wiremock.WireMockServer(
                com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig().dynamicPort());
        server.start();
        try {
            server.stubFor(get(urlEqualTo("/v1/models/babage-002")).willReturn(okJson(
                    "{\"id\": \"babage-002\", \"object\": \"model\", \"created\": 0, \"owned_by\": \"acme\"}")));
            server.stubFor(post(urlEqualTo("/v1/fine_tuning/jobs")).willReturn(okJson("""
                    {"object": "fine_tuning.job", "id": "ftjob-abc", "model": "babage-002", "created_at": 1721764800,
                     "finished_at": null, "fine_tuned_model": null, "organization_id": "org-123", "result_files": [],
                     "status": "queued", "validation_file": null, "training_file": "file-abc",
                     "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
                     "trained_tokens": null, "error": null, "seed": 42}""")));
            // when
            int code = run("create", "-t", "file-abc", "-m", "babage-002", "--no-follow", "--api-key", "test",
                    "--base-url", server.baseUrl() + "/v1");
            // then
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("Created fine-tuning job ftjob-abc");
            server.verify(postRequestedFor(urlEqualTo("/v1/fine_tuning/jobs"))
                    .withRequestBody(matchingJsonPath("$.model", equalTo("babage-002"))));
        } finally {
            server.stop();
        }
    }

    @Test
    void a_model_far_from_every_known_name_may_be_newer_than_the_catalogue_and_is_used_with_a_warning() {
        // when
        int code = command("estimate", file("train.jsonl"), "-m", "acme-completion-7");
        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("unknown price on acme-completion-7");
        assertThat(err.toString()).startsWith("warning: acme-completion-7 is not in the catalogue");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "estimate", "create"})
    void a_chat_model_for_prompt_completion_data_is_refused_with_both_fixes_before_any_upload(String command) {
        // when
        int code = command.equals("create") ? command("create", "-t", file("train.jsonl"), "-m", "gpt-4o-mini")
                : command(command, file("train.jsonl"), "-m", "gpt-4o-mini");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + file("train.jsonl") + ": gpt-4o-mini trains on chat examples,"
                        + " but the file holds prompt/completion examples")
                .contains("--model davinci-002").contains(Mistakes.CHAT_EXAMPLE);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void prepare_with_out_for_a_model_that_does_not_train_on_the_data_leaves_no_file_behind() throws Exception {
        // given
        Path outDir = java.nio.file.Files.createDirectories(Path.of(file("prepared-for-chat")));
        // when
        int code = command("prepare", file("train.jsonl"), "-m", "gpt-4o-mini", "--repair", "--split", "0.2",
                "--out", outDir.toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("gpt-4o-mini trains on chat examples");
        try (var written = java.nio.file.Files.list(outDir)) {
            assertThat(written).as("files in --out").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "estimate", "create"})
    void a_completion_model_for_chat_data_is_refused_with_both_fixes(String command) {
        // when
        int code = command.equals("create") ? command("create", "-t", file("chat.jsonl"), "-m", "davinci-002")
                : command(command, file("chat.jsonl"), "-m", "davinci-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + file("chat.jsonl") + ": davinci-002 trains on prompt/completion"
                + " examples, but the file holds chat examples").contains("--model gpt-4o-mini");
        assertThat(out.toString()).isEmpty();
    }

    // ---------------------------------------------------------------- 3. estimate says why it has no estimate

    @Test
    void estimate_without_a_valid_example_names_the_errors_and_the_command_that_shows_them() {
        // when
        int code = command("estimate", file("broken.jsonl"), "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: " + file("broken.jsonl") + ": no valid examples to estimate:"
                + " 5 record(s), 0 kept (errors found: 5 invalid_json, 1 too_few_examples)").contains("Run `finetuner prepare " + file("broken.jsonl"));
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void estimate_of_data_that_is_not_ready_prints_the_estimate_and_says_why_it_exits_1() {
        // when
        int code = command("estimate", file("same.jsonl"), "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("on babbage-002");
        assertThat(err.toString()).startsWith("error: " + file("same.jsonl") + " is not ready for fine-tuning"
                + " (1 error(s): identical_completions)").contains("--repair");
    }

    // ---------------------------------------------------------------- 4. columns

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "estimate", "create"})
    void a_table_without_prompt_and_completion_columns_names_the_columns_found_and_the_flags(String command) {
        // when
        int code = command.equals("create") ? command("create", "-t", file("tickets.csv"), "--prepare", "-m", "babbage-002")
                : command(command, file("tickets.csv"), "-m", "babbage-002");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + file("tickets.csv") + ", line 1: no prompt/completion columns:"
                + " found question, answer, id" + System.lineSeparator()
                + "Name the columns to read with --prompt-column question --completion-column answer."
                + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void prepare_and_estimate_read_the_columns_named_by_the_flags() {
        assertThat(command("prepare", file("tickets.csv"), "--prompt-column", "question", "--completion-column", "answer"))
                .as(out.toString()).isZero();
        assertThat(out.toString()).contains("60 records: 60 kept");
        assertThat(command("estimate", file("tickets.csv"), "--prompt-column", "question", "--completion-column", "answer",
                "-m", "babbage-002")).as(err.toString()).isZero();
    }

    // ---------------------------------------------------------------- 5. the server

    @Test
    void a_server_that_is_not_running_is_one_line_naming_the_url_and_what_to_start() throws IOException {
        // given: a port nobody listens on
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        // when
        int code = run("list", "--api-key", "test", "--base-url", url);
        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: connection refused at " + url
                + ": is `finetuner serve` (or the server) running? (5 attempts)" + System.lineSeparator());
    }

    @Test
    void a_base_url_without_v1_that_answers_404_gets_the_url_to_try() {
        // given: the embedded backend's URL without its /v1
        String bare = local.baseUrl().replaceAll("/v1$", "");
        // when
        int code = run("list", "--api-key", "test", "--base-url", bare);
        // then
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: 404")
                .endsWith("The base URL usually ends in /v1: try " + bare + "/v1" + System.lineSeparator());
    }

    // ---------------------------------------------------------------- 6. one mistake, one exit code

    @ParameterizedTest
    @ValueSource(strings = {"prepare FILE", "estimate FILE -m babbage-002", "upload FILE", "create -t FILE -m babbage-002",
            "create -t FILE --prepare -m babbage-002", "create -t TRAIN -v FILE -m babbage-002",
            "evaluate -m ft:babbage-002:acme::x FILE", "sweep FILE -m babbage-002 --epochs 1 --budget 1"})
    void a_missing_input_file_is_exit_2_naming_it_whichever_command_reads_it(String command) {
        // given
        String missing = file("nope.jsonl");
        String[] args = command.replace("TRAIN", file("train.jsonl")).replace("FILE", missing).split(" ");
        // when
        int code = command(args);
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: " + missing + ": no such file");
        assertThat(out.toString()).isEmpty();
    }
}
