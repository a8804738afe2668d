package dev.finetuner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.finetuner.internal.ManualClock;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.finetuner.TogetherStubs.FILE_ID;
import static dev.finetuner.TogetherStubs.JOB_ID;
import static dev.finetuner.TogetherStubs.MODEL;
import static dev.finetuner.TogetherStubs.OUTPUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole loop (prepare, train, follow, await, complete) through the public API on Together AI's
 * fine-tuning API, stubbed from its OpenAPI document: the same calls as on OpenAI, with
 * {@code backend("together")}.
 */
class FineTunerOnTogetherTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "tgp_v1_test-0123456789abcdefghij";

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final TogetherStubs together = new TogetherStubs(wm);
    private FineTuner ft;

    @BeforeEach
    void connect() {
        ft = fineTuner();
    }

    private FineTuner fineTuner() {
        return FineTuner.builder().backend("together").apiKey(KEY).baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build())
                .timing(clock).build();
    }

    @AfterEach
    void close() {
        ft.close();
    }

    private Path helpdesk() throws Exception {
        Path csv = dir.resolve("helpdesk.csv");
        Files.writeString(csv, TogetherStubs.helpdeskCsv(40));
        return csv;
    }

    @Test
    void prepare_train_and_complete_run_unchanged_and_call_the_model_by_its_output_name() throws Exception {
        // given
        together.files();
        together.succeedingJob();
        try (Preparation p = ft.prepare(helpdesk(), PrepareOptions.defaults())) {
            String stop = p.report(MODEL).stopSequence().orElseThrow();
            together.completion(" Update the VPN client and renew the certificate" + stop.replace("\n", "\\n"));
            // when
            TrainedModel model = p.train(MODEL, TrainOptions.builder().epochs(3).suffix("helpdesk")
                    .lora(16, 32, 0.05).build());
            String answer = model.complete("My VPN drops every hour, what can I do?");

            // then: the model is the job's output name, called with the separator and stop it was trained with
            assertThat(model.id()).isEqualTo(OUTPUT);
            String separator = p.report(MODEL).separator().orElseThrow();
            JsonNode completion = body(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/completions"))).get(0));
            assertThat(completion.get("model").asText()).isEqualTo(OUTPUT);
            assertThat(completion.get("prompt").asText()).isEqualTo("My VPN drops every hour, what can I do?" + separator);
            JsonNode sentStop = completion.get("stop");
            assertThat(sentStop.isArray() ? sentStop.get(0).asText() : sentStop.asText()).isEqualTo(stop);
            assertThat(answer).isEqualTo("Update the VPN client and renew the certificate");
        }
        // and the job was created in Together's shape, with its LoRA options and no OpenAI-only field
        JsonNode create = body(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/fine-tunes"))).get(0));
        assertThat(create.get("model").asText()).isEqualTo(MODEL);
        assertThat(create.get("training_file").asText()).isEqualTo(FILE_ID);
        assertThat(create.get("n_epochs").asInt()).isEqualTo(3);
        assertThat(create.get("suffix").asText()).isEqualTo("helpdesk");
        assertThat(create.get("training_type").toString())
                .isEqualTo("{\"type\":\"Lora\",\"lora_r\":16,\"lora_alpha\":32,\"lora_dropout\":0.05}");
        assertThat(create.get("training_method").get("method").asText()).isEqualTo("sft");
        assertThat(create.has("metadata")).isFalse();
        assertThat(create.has("hyperparameters")).isFalse();
        LoggedRequest upload = wm.findAll(postRequestedFor(urlPathEqualTo("/v1/files/upload"))).get(0);
        assertThat(upload.getHeader("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(upload.getBodyAsString()).contains("name=\"purpose\"\r\n\r\nfine-tune", "name=\"file_name\"",
                "name=\"file\"; filename=\"");
    }

    @Test
    void following_delivers_each_of_together_s_id_less_events_once_oldest_first_as_the_list_grows() {
        // given: a job whose event list grows between polls (3, 5, 8, then all 10 events)
        together.succeedingJob();
        FineTuneJob job = ft.job(JOB_ID);
        List<JobEvent> seen = new ArrayList<>();

        // when
        job.follow(dev.finetuner.service.FollowListener.of(seen::add));

        // then
        assertThat(seen).extracting(JobEvent::message).containsExactly(TogetherStubs.SUCCESS_EVENTS.stream()
                .map(e -> readTree(e).get("message").asText()).toArray(String[]::new));
        assertThat(seen).extracting(JobEvent::id).doesNotHaveDuplicates().allMatch(id -> id.startsWith("tgevent-"));
        assertThat(job.job().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.job().fineTunedModel()).contains(OUTPUT);
    }

    @Test
    void a_job_that_ends_in_error_fails_await_with_together_s_error_event() {
        // given: the job is in status error; its last error event says why
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).willReturn(okJson(TogetherStubs.job("error"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID + "/events")).willReturn(okJson(TogetherStubs.events(
                TogetherStubs.event("00:01", "job_pending", "info", "Fine tune request created", 0, 0),
                TogetherStubs.event("00:30", "job_error", "error",
                        "Training file has 2 lines with missing 'completion' field (line 7, 19)", 0, 0)))));
        FineTuneJob job = ft.job(JOB_ID);

        // when / then
        assertThatThrownBy(() -> job.await(Duration.ofHours(1)))
                .isInstanceOf(JobFailedException.class)
                .hasMessageContaining(JOB_ID)
                .hasMessageContaining("missing 'completion' field (line 7, 19)");
        assertThat(job.job().error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("job_error"));
    }

    @Test
    void a_restarted_process_reads_the_separator_back_from_the_training_file() {
        // given: a completed job, and a new process that knows only its id
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).willReturn(okJson(TogetherStubs.job("completed"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID + "/events"))
                .willReturn(okJson(TogetherStubs.events(TogetherStubs.SUCCESS_EVENTS.toArray(String[]::new)))));
        wm.stubFor(get(urlPathEqualTo("/v1/files/" + FILE_ID + "/content")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/plain").withBody("""
                        {"prompt":"My VPN drops ->","completion":" Update the client END"}
                        {"prompt":"I forgot my password ->","completion":" Reset it at the portal END"}
                        """)));
        together.completion(" Reset it at the portal END");

        // when
        TrainedModel model = ft.job(JOB_ID).await(Duration.ofMinutes(1));
        String answer = model.complete("Outlook will not start");

        // then
        JsonNode completion = body(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/completions"))).get(0));
        assertThat(completion.get("prompt").asText()).isEqualTo("Outlook will not start ->");
        assertThat(completion.get("stop").toString()).contains("END");
        assertThat(answer).isEqualTo("Reset it at the portal");
    }

    @Test
    void pause_is_refused_with_what_to_do_instead() {
        // given
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).willReturn(okJson(TogetherStubs.job("running"))));
        FineTuneJob job = ft.job(JOB_ID);

        // when / then
        assertThatThrownBy(job::pause).isInstanceOf(FineTunerException.class)
                .hasMessageContaining("Together AI cannot pause a job").hasMessageContaining("cancel");
    }

    private static JsonNode body(LoggedRequest r) {
        return readTree(r.getBodyAsString());
    }

    private static JsonNode readTree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }
}
