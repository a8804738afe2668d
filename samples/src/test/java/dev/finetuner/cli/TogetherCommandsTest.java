package dev.finetuner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code finetuner create/follow/complete --backend together} against WireMock stubs of Together AI's
 * fine-tuning API, shaped as its OpenAPI document (togethercomputer/openapi) describes it: the same
 * commands, the same output, a job id of Together's form standing for its model.
 */
class TogetherCommandsTest {
    private static final String JOB_ID = "ft-5c2b1a3e-7d4f-4b8e-9a61-0c3d2e1f4a5b";
    private static final String MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    private static final String OUTPUT = "acme/Meta-Llama-3.1-8B-Instruct-Reference-tickets-5c2b1a3e";
    private static final String FILE_ID = "file-7a1c0d2e-3f4b-4c5d-8e6f-9a0b1c2d3e4f";

    private final ObjectMapper json = new ObjectMapper();
    private WireMockServer wm;
    private StringWriter out;
    private StringWriter err;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        wm = new WireMockServer(wireMockConfig().dynamicPort());
        wm.start();
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    private int cli(String... args) {
        return cliOn(wm.baseUrl() + "/v1", args);
    }

    private static String job(String status) {
        return """
                {"id":"%s","status":"%s","model":"%s","model_output_name":"%s","training_file":"%s",
                 "created_at":"2026-12-02T10:00:00.000Z","updated_at":"2026-12-02T10:12:00.000Z",
                 "n_epochs":1,"n_checkpoints":1,"batch_size":8,"learning_rate":0.00001,
                 "training_method":{"method":"sft","train_on_inputs":"auto"},"token_count":1200,"events":[]}"""
                .formatted(JOB_ID, status, MODEL, OUTPUT, FILE_ID);
    }

    private static String event(String at, String type, String message) {
        return event(at, type, message, 0, 0);
    }

    private static String event(String at, String type, String message, int step, int totalSteps) {
        return """
                {"object":"fine-tune-event","created_at":"2026-12-02T10:%s.000Z","level":"info","message":"%s",
                 "type":"%s","param_count":0,"token_count":0,"total_steps":%d,"wandb_url":"","step":%d,
                 "checkpoint_path":"","model_path":"","training_offset":0,"hash":""}"""
                .formatted(at, message, type, totalSteps, step);
    }

    /** Files, a job that runs then completes, its events, and completions, as Together serves them. */
    private void together(String trainingJsonl) {
        String file = """
                {"id":"%s","object":"file","created_at":1764669600,"filename":"tickets.jsonl","bytes":%d,
                 "purpose":"fine-tune","Processed":true,"FileType":"jsonl"}""".formatted(FILE_ID, trainingJsonl.length());
        wm.stubFor(get(urlPathEqualTo("/v1/files")).willReturn(okJson("{\"data\":[]}")));
        wm.stubFor(post(urlPathEqualTo("/v1/files/upload")).willReturn(okJson(file)));
        wm.stubFor(get(urlPathEqualTo("/v1/files/" + FILE_ID)).willReturn(okJson(file)));
        wm.stubFor(get(urlPathEqualTo("/v1/files/" + FILE_ID + "/content"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/plain").withBody(trainingJsonl)));
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson(job("pending"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(job("running"))).willSetStateTo("done"));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job").whenScenarioStateIs("done")
                .willReturn(okJson(job("completed"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson("{\"data\":[" + job("completed") + "]}")));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID + "/events")).willReturn(okJson("{\"data\":["
                + event("00:01", "job_pending", "Fine tune request created") + ","
                + event("00:05", "training_start", "Training started") + ","
                + event("06:00", "epoch_complete", "Epoch completed, at step 15", 15, 30) + ","
                + event("12:00", "job_complete", "Job finished") + "]}")));
        wm.stubFor(post(urlPathEqualTo("/v1/completions")).willReturn(okJson("""
                {"id":"8f1e","object":"text.completion","created":1764670000,"model":"%s",
                 "choices":[{"index":0,"text":" hardware\\n","finish_reason":"stop","logprobs":null}],
                 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""".formatted(OUTPUT))));
    }

    @Test
    void create_follow_and_complete_run_unchanged_against_together() throws Exception {
        // given: a prepared file whose prompts end with " ->" and whose completions end with "\n"
        String jsonl = IntStream.range(0, 40).mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the "
                        + (i % 2 == 0 ? "printer" : "vpn") + " ->\",\"completion\":\" "
                        + (i % 2 == 0 ? "hardware" : "network") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n"));
        Path train = Files.writeString(dir.resolve("tickets.jsonl"), jsonl);
        together(jsonl);

        // when
        int created = cli("create", "-t", train.toString(), "-m", MODEL, "--backend", "together", "--no-follow", "--quiet");
        String job = out.toString().strip();
        int followed = cli("follow", job, "--backend", "together", "--poll", "0.01");
        String followOutput = out.toString();
        int completed = cli("complete", "-m", job, "-p", "ticket 77 about the printer", "--backend", "together");

        // then
        assertThat(created).as(err.toString()).isZero();
        assertThat(job).isEqualTo(JOB_ID);
        assertThat(followed).isZero();
        assertThat(followOutput).contains("succeeded").contains(OUTPUT);
        assertThat(completed).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("hardware");
        JsonNode completion = json.readTree(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/completions"))).get(0)
                .getBodyAsString());
        assertThat(completion.get("model").asText()).isEqualTo(OUTPUT);
        assertThat(completion.get("prompt").asText()).isEqualTo("ticket 77 about the printer ->");
        JsonNode create = json.readTree(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/fine-tunes"))).get(0)
                .getBodyAsString());
        assertThat(create.get("model").asText()).isEqualTo(MODEL);
        assertThat(create.get("training_file").asText()).isEqualTo(FILE_ID);
    }

    @Test
    void an_unknown_backend_is_a_usage_error_naming_the_ones_there_are() {
        // when
        int code = cli("list", "--backend", "togther");

        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown backend \"togther\"").contains("together");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void create_follow_and_complete_run_on_the_embedded_backend_in_together_mode() {
        try (dev.finetuner.local.LocalOpenAi local = dev.finetuner.local.LocalOpenAi.builder().together()
                .apiKey("tgp_v1_test-key-0123456789").speed(dev.finetuner.local.LocalOpenAi.FAST).build()) {
            // when: the README's path, prepared on the fly, on `finetuner serve --together`
            int created = cliOn(local.baseUrl(), "create", "-t", "../samples/data/tickets.csv", "-m", MODEL, "--prepare",
                    "--prompt-column", "question", "--completion-column", "answer", "--epochs", "2",
                    "--backend", "together", "--no-follow", "--quiet");
            String jobId = out.toString().strip();
            // then
            assertThat(created).as(err.toString()).isZero();
            assertThat(jobId).startsWith("ft-");
            // when
            int followed = cliOn(local.baseUrl(), "follow", jobId, "--poll", "1", "--backend", "together");
            // then: followed to its end, and the model named is the job's output name
            assertThat(followed).as(err.toString()).isZero();
            assertThat(out.toString()).contains("succeeded");
            // when: the job id stands for its model
            int completed = cliOn(local.baseUrl(), "complete", "-m", jobId, "-p",
                    "My external monitor is not detected on the USB-C dock", "--backend", "together");
            // then
            assertThat(completed).as(err.toString()).isZero();
            assertThat(out.toString()).isNotBlank();
        }
    }

    private int cliOn(String baseUrl, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--api-key=tgp_v1_test-key-0123456789");
        all.add("--base-url=" + baseUrl);
        return cli.execute(all.toArray(String[]::new));
    }
}
