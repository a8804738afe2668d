package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link JobsService} reading jobs back: every field of a job as the API sends it, statuses this version
 * does not know, lazy paging of the job list, cancel / pause / resume, checkpoints and event pages.
 */
class JobsServiceTest {
    private static final String JOBS = "/v1/fine_tuning/jobs";

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private OpenAiConnection api;
    private JobsService jobs;

    @BeforeEach
    void connect() {
        api = OpenAiConnection.builder().apiKey("fake-test-0123456789abcdefghij").baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20)).maxRetryAfter(Duration.ofMillis(50)).build())
                .build();
        jobs = api.jobs();
    }

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void retrieve_maps_every_field_of_a_succeeded_job() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-done")).willReturn(okJson("""
                {
                  "object": "fine_tuning.job",
                  "id": "ftjob-done",
                  "model": "gpt-4o-mini-2024-07-18",
                  "created_at": 1721764800,
                  "finished_at": 1721768400,
                  "fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:acme:helpdesk:9abc123",
                  "organization_id": "org-123",
                  "result_files": ["file-results1"],
                  "status": "succeeded",
                  "validation_file": "file-valid",
                  "training_file": "file-train",
                  "hyperparameters": {"n_epochs": 3, "batch_size": 8, "learning_rate_multiplier": 1.8},
                  "trained_tokens": 123456,
                  "error": null,
                  "user_provided_suffix": "helpdesk",
                  "seed": 42,
                  "estimated_finish": null,
                  "integrations": [],
                  "metadata": {"team": "support"},
                  "method": {"type": "supervised", "supervised": {"hyperparameters":
                    {"n_epochs": 3, "batch_size": 8, "learning_rate_multiplier": 1.8}}}
                }""")));
        // when
        Job job = jobs.retrieve("ftjob-done");
        // then
        assertThat(job.id()).isEqualTo("ftjob-done");
        assertThat(job.model()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.status().isTerminal()).isTrue();
        assertThat(job.createdAt()).isEqualTo(Instant.ofEpochSecond(1721764800));
        assertThat(job.finishedAt()).contains(Instant.ofEpochSecond(1721768400));
        assertThat(job.fineTunedModel()).contains("ft:gpt-4o-mini-2024-07-18:acme:helpdesk:9abc123");
        assertThat(job.trainingFile()).isEqualTo("file-train");
        assertThat(job.validationFile()).contains("file-valid");
        assertThat(job.error()).isEmpty();
        assertThat(job.resultFiles()).containsExactly("file-results1");
        assertThat(job.trainedTokens()).hasValue(123456);
        assertThat(job.seed()).hasValue(42);
        assertThat(job.hyperparameters().epochs()).contains(3);
        assertThat(job.hyperparameters().batchSize()).contains(8);
        assertThat(job.hyperparameters().learningRateMultiplier()).contains(1.8);
        assertThat(job.metadata()).containsExactly(Map.entry("team", "support"));
        assertThat(job.estimatedFinish()).isEmpty();
    }

    @Test
    void retrieve_maps_the_error_of_a_failed_job() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-bad")).willReturn(okJson(job("ftjob-bad", "failed", """
                "error": {"code": "invalid_training_file", "message": "The file has 3 examples; 10 are needed.",
                          "param": "training_file"},
                "finished_at": 1721768400"""))));
        // when
        Job job = jobs.retrieve("ftjob-bad");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).contains(new JobError("invalid_training_file",
                "The file has 3 examples; 10 are needed.", Optional.of("training_file")));
        assertThat(job.fineTunedModel()).isEmpty();
        assertThat(job.finishedAt()).contains(Instant.ofEpochSecond(1721768400));
    }

    @Test
    void an_error_without_a_param_maps_to_an_empty_param() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-bad")).willReturn(okJson(job("ftjob-bad", "failed", """
                "error": {"code": "server_error", "message": "Training failed.", "param": null}"""))));
        // when
        Job job = jobs.retrieve("ftjob-bad");
        // then
        assertThat(job.error()).contains(new JobError("server_error", "Training failed.", Optional.empty()));
    }

    @Test
    void the_empty_error_object_the_api_sends_for_a_job_that_has_not_failed_reads_as_no_error() {
        // given: the API sends "error": {} (not null) while a job validates or runs
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-new")).willReturn(okJson(job("ftjob-new", "validating_files", """
                "error": {}"""))));
        // when
        Job job = jobs.retrieve("ftjob-new");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.VALIDATING_FILES);
        assertThat(job.error()).isEmpty();
    }

    @Test
    void hyperparameters_the_api_reports_as_auto_read_as_empty() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-q")).willReturn(okJson(job("ftjob-q", "queued", """
                "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}"""))));
        // when
        Job job = jobs.retrieve("ftjob-q");
        // then
        assertThat(job.hyperparameters()).isEqualTo(Hyperparameters.auto());
    }

    @Test
    void a_whole_number_learning_rate_multiplier_reads_as_that_number() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-r")).willReturn(okJson(job("ftjob-r", "running", """
                "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 2}"""))));
        // when
        Job job = jobs.retrieve("ftjob-r");
        // then
        assertThat(job.hyperparameters()).isEqualTo(Hyperparameters.auto().withEpochs(3).withBatchSize(1)
                .withLearningRateMultiplier(2.0));
    }

    @Test
    void a_status_this_version_does_not_know_is_kept_as_sent_and_is_not_terminal() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-x")).willReturn(okJson(job("ftjob-x", "paused_by_admin", ""))));
        // when
        Job job = jobs.retrieve("ftjob-x");
        // then
        assertThat(job.status().value()).isEqualTo(JobStatus.Value._UNKNOWN);
        assertThat(job.status().asString()).isEqualTo("paused_by_admin");
        assertThat(job.status().isTerminal()).isFalse();
        assertThat(job.status()).isEqualTo(JobStatus.of("paused_by_admin")).isNotEqualTo(JobStatus.PAUSED);
    }

    @Test
    void paused_which_the_sdk_does_not_know_maps_to_paused() {
        // given
        wm.stubFor(get(urlEqualTo(JOBS + "/ftjob-p")).willReturn(okJson(job("ftjob-p", "paused", ""))));
        // when
        Job job = jobs.retrieve("ftjob-p");
        // then
        assertThat(job.status()).isSameAs(JobStatus.PAUSED);
        assertThat(job.status().value()).isEqualTo(JobStatus.Value.PAUSED);
        assertThat(job.status().isTerminal()).isFalse();
    }

    @Test
    void reading_the_first_page_of_jobs_does_not_request_the_second() {
        // given: two jobs on the first page, one on the second
        stubTwoPagesOfJobs();
        Iterator<Job> it = jobs.list().iterator();
        // when
        List<String> firstPage = List.of(it.next().id(), it.next().id());
        // then
        assertThat(firstPage).containsExactly("ftjob-3", "ftjob-2");
        wm.verify(1, getRequestedFor(urlPathEqualTo(JOBS)));
        wm.verify(0, getRequestedFor(urlPathEqualTo(JOBS)).withQueryParam("after", equalTo("ftjob-2")));
    }

    @Test
    void reading_past_the_first_page_requests_the_next_one_after_its_last_job() {
        // given: the first page read
        stubTwoPagesOfJobs();
        Iterator<Job> it = jobs.list().iterator();
        it.next();
        it.next();
        // when
        Job third = it.next();
        // then
        assertThat(third.id()).isEqualTo("ftjob-1");
        assertThat(third.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(it.hasNext()).isFalse();
        wm.verify(2, getRequestedFor(urlPathEqualTo(JOBS)));
        wm.verify(1, getRequestedFor(urlPathEqualTo(JOBS)).withQueryParam("after", equalTo("ftjob-2")));
    }

    @Test
    void list_reads_every_job_across_pages_in_order() {
        // given
        stubTwoPagesOfJobs();
        // when
        List<String> ids;
        try (Stream<Job> all = jobs.list()) {
            ids = all.map(Job::id).toList();
        }
        // then
        assertThat(ids).containsExactly("ftjob-3", "ftjob-2", "ftjob-1");
    }

    @Test
    void an_empty_job_list_is_an_empty_stream() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOBS)).willReturn(okJson(page(false))));
        // when
        long count = jobs.list().count();
        // then
        assertThat(count).isZero();
    }

    @Test
    void cancel_posts_to_the_jobs_cancel_path_and_returns_the_job_as_answered() {
        // given
        wm.stubFor(post(urlEqualTo(JOBS + "/ftjob-abc/cancel")).willReturn(okJson(job("ftjob-abc", "cancelled", ""))));
        // when
        Job job = jobs.cancel("ftjob-abc");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS + "/ftjob-abc/cancel")));
    }

    @Test
    void a_cancel_retried_after_a_server_error_sends_the_same_idempotency_key() {
        // given: the first attempt fails
        wm.stubFor(post(urlEqualTo(JOBS + "/ftjob-abc/cancel")).inScenario("flaky")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.serverError()).willSetStateTo("up"));
        wm.stubFor(post(urlEqualTo(JOBS + "/ftjob-abc/cancel")).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(okJson(job("ftjob-abc", "cancelled", ""))));
        // when
        Job job = jobs.cancel("ftjob-abc");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        List<String> keys = wm.findAll(postRequestedFor(urlEqualTo(JOBS + "/ftjob-abc/cancel"))).stream()
                .map(r -> r.getHeader("Idempotency-Key")).toList();
        assertThat(keys).hasSize(2).doesNotContainNull().containsOnly(keys.get(0));
    }

    @Test
    void pause_posts_to_the_jobs_pause_path() {
        // given
        wm.stubFor(post(urlEqualTo(JOBS + "/ftjob-abc/pause")).willReturn(okJson(job("ftjob-abc", "paused", ""))));
        // when
        Job job = jobs.pause("ftjob-abc");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.PAUSED);
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS + "/ftjob-abc/pause")));
    }

    @Test
    void resume_posts_to_the_jobs_resume_path() {
        // given
        wm.stubFor(post(urlEqualTo(JOBS + "/ftjob-abc/resume")).willReturn(okJson(job("ftjob-abc", "running", ""))));
        // when
        Job job = jobs.resume("ftjob-abc");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS + "/ftjob-abc/resume")));
    }

    @Test
    void a_job_id_with_a_slash_is_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.cancel("ftjob-abc/../other"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftjob-abc/../other");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void checkpoints_are_mapped_with_their_metrics() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOBS + "/ftjob-abc/checkpoints")).willReturn(okJson("""
                {
                  "object": "list",
                  "data": [
                    {
                      "object": "fine_tuning.job.checkpoint",
                      "id": "ftckpt-zz",
                      "created_at": 1721764867,
                      "fine_tuned_model_checkpoint": "ft:gpt-4o-mini-2024-07-18:acme::9abc123:ckpt-step-88",
                      "fine_tuning_job_id": "ftjob-abc",
                      "metrics": {
                        "step": 88.0,
                        "train_loss": 0.478,
                        "train_mean_token_accuracy": 0.924,
                        "valid_loss": 10.112,
                        "valid_mean_token_accuracy": 0.145,
                        "full_valid_loss": 0.567,
                        "full_valid_mean_token_accuracy": 0.944
                      },
                      "step_number": 88
                    }
                  ],
                  "first_id": "ftckpt-zz",
                  "last_id": "ftckpt-zz",
                  "has_more": false
                }""")));
        // when
        List<Checkpoint> checkpoints = jobs.checkpoints("ftjob-abc");
        // then
        assertThat(checkpoints).hasSize(1);
        Checkpoint c = checkpoints.get(0);
        assertThat(c.id()).isEqualTo("ftckpt-zz");
        assertThat(c.jobId()).isEqualTo("ftjob-abc");
        assertThat(c.model()).isEqualTo("ft:gpt-4o-mini-2024-07-18:acme::9abc123:ckpt-step-88");
        assertThat(c.step()).isEqualTo(88);
        assertThat(c.createdAt()).isEqualTo(Instant.ofEpochSecond(1721764867));
        assertThat(c.metrics().step()).hasValue(88);
        assertThat(c.metrics().trainLoss()).hasValue(0.478);
        assertThat(c.metrics().trainMeanTokenAccuracy()).hasValue(0.924);
        assertThat(c.metrics().validLoss()).hasValue(10.112);
        assertThat(c.metrics().validMeanTokenAccuracy()).hasValue(0.145);
        assertThat(c.metrics().fullValidLoss()).hasValue(0.567);
        assertThat(c.metrics().fullValidMeanTokenAccuracy()).hasValue(0.944);
    }

    @Test
    void events_sends_after_and_limit_and_maps_metrics_data() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOBS + "/ftjob-abc/events")).willReturn(okJson("""
                {
                  "object": "list",
                  "data": [
                    {
                      "object": "fine_tuning.job.event",
                      "id": "ftevent-12",
                      "created_at": 1721764900,
                      "level": "info",
                      "message": "Step 12/100: training loss=0.42, validation loss=0.51",
                      "data": {
                        "step": 12,
                        "train_loss": 0.42,
                        "valid_loss": 0.51,
                        "full_valid_loss": 0.55,
                        "train_mean_token_accuracy": 0.81,
                        "valid_mean_token_accuracy": 0.78,
                        "total_steps": 100
                      },
                      "type": "metrics"
                    },
                    {
                      "object": "fine_tuning.job.event",
                      "id": "ftevent-11",
                      "created_at": 1721764890,
                      "level": "warn",
                      "message": "Fine-tuning job started",
                      "data": {},
                      "type": "message"
                    }
                  ],
                  "has_more": true
                }""")));
        // when
        JobsService.EventPage page = jobs.events("ftjob-abc", "ftevent-13", 2);
        // then
        wm.verify(1, getRequestedFor(urlPathEqualTo(JOBS + "/ftjob-abc/events"))
                .withQueryParam("after", equalTo("ftevent-13"))
                .withQueryParam("limit", equalTo("2")));
        assertThat(page.hasMore()).isTrue();
        assertThat(page.events()).extracting(JobEvent::id).containsExactly("ftevent-12", "ftevent-11");
        JobEvent metrics = page.events().get(0);
        assertThat(metrics.createdAt()).isEqualTo(Instant.ofEpochSecond(1721764900));
        assertThat(metrics.level()).isEqualTo("info");
        assertThat(metrics.message()).isEqualTo("Step 12/100: training loss=0.42, validation loss=0.51");
        assertThat(metrics.type()).contains("metrics");
        assertThat(metrics.metrics()).contains(new JobEvent.Metrics(OptionalLong.of(12), OptionalLong.of(100),
                OptionalDouble.of(0.42), OptionalDouble.of(0.81), OptionalDouble.of(0.51), OptionalDouble.of(0.78),
                OptionalDouble.of(0.55), OptionalDouble.empty()));
        JobEvent message = page.events().get(1);
        assertThat(message.level()).isEqualTo("warn");
        assertThat(message.type()).contains("message");
        assertThat(message.metrics()).isEmpty();
    }

    @Test
    void events_without_a_cursor_sends_no_after() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOBS + "/ftjob-abc/events")).willReturn(okJson("""
                {"object": "list", "data": [], "has_more": false}""")));
        // when
        JobsService.EventPage page = jobs.events("ftjob-abc", null, 50);
        // then
        assertThat(page.events()).isEmpty();
        assertThat(page.hasMore()).isFalse();
        wm.verify(1, getRequestedFor(urlPathEqualTo(JOBS + "/ftjob-abc/events"))
                .withQueryParam("after", absent())
                .withQueryParam("limit", equalTo("50")));
    }

    @Test
    void an_event_page_limit_outside_1_to_100_is_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.events("ftjob-abc", null, 101))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    private static void stubTwoPagesOfJobs() {
        wm.stubFor(get(urlPathEqualTo(JOBS)).withQueryParam("after", absent()).willReturn(okJson(
                page(true, job("ftjob-3", "running", ""), job("ftjob-2", "succeeded", "")))));
        wm.stubFor(get(urlPathEqualTo(JOBS)).withQueryParam("after", equalTo("ftjob-2")).willReturn(okJson(
                page(false, job("ftjob-1", "cancelled", "")))));
    }

    /** A job as the API sends it; {@code extra} replaces or adds top-level fields. */
    private static String job(String id, String status, String extra) {
        String base = """
                "object": "fine_tuning.job",
                "id": "%s",
                "model": "gpt-4o-mini-2024-07-18",
                "created_at": 1721764800,
                "fine_tuned_model": null,
                "organization_id": "org-123",
                "result_files": [],
                "status": "%s",
                "validation_file": null,
                "training_file": "file-train",
                "trained_tokens": null,
                "seed": 42,
                "integrations": []""".formatted(id, status);
        String defaults = """
                "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}""";
        String finishedAt = "\"finished_at\": null";
        String error = "\"error\": null";
        if (extra.contains("\"hyperparameters\"")) {
            defaults = null;
        }
        if (extra.contains("\"finished_at\"")) {
            finishedAt = null;
        }
        if (extra.contains("\"error\"")) {
            error = null;
        }
        StringBuilder sb = new StringBuilder("{").append(base);
        for (String part : new String[] {defaults, finishedAt, error, extra}) {
            if (part != null && !part.isBlank()) {
                sb.append(",\n").append(part);
            }
        }
        return sb.append("}").toString();
    }

    private static String page(boolean hasMore, String... items) {
        return "{\"object\": \"list\", \"data\": [" + String.join(",", items) + "], \"has_more\": " + hasMore + "}";
    }
}
