package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link JobsService#create(JobRequest)} sends: the create-job body with only what was set, an
 * {@code Idempotency-Key} that stays the same across retries, and nothing at all when the request breaks
 * one of the API's limits.
 */
class JobsServiceCreateTest {
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
        wm.stubFor(post(urlEqualTo(JOBS)).willReturn(okJson(queuedJob("ftjob-abc123"))));
    }

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void a_request_with_only_model_and_training_file_sends_only_those_and_a_supervised_method_on_auto() {
        // given
        JobRequest request = JobRequest.builder("gpt-4o-mini-2024-07-18", "file-train").build();
        // when
        Job job = jobs.create(request);
        // then: nothing else, and every hyperparameter left to the API
        assertThat(job.id()).isEqualTo("ftjob-abc123");
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(equalToJson("""
                {
                  "model": "gpt-4o-mini-2024-07-18",
                  "training_file": "file-train",
                  "method": {"type": "supervised", "supervised": {"hyperparameters": {}}}
                }""")));
    }

    @Test
    void every_field_set_on_a_supervised_request_is_sent_under_its_api_name() {
        // given
        JobRequest request = JobRequest.builder("gpt-4o-mini-2024-07-18", "file-train")
                .validationFile("file-valid")
                .suffix("helpdesk")
                .seed(42)
                .putMetadata("team", "support")
                .putMetadata("run", "r1")
                .hyperparameters(Hyperparameters.auto().withEpochs(4).withBatchSize(8).withLearningRateMultiplier(0.5))
                .build();
        // when
        jobs.create(request);
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(equalToJson("""
                {
                  "model": "gpt-4o-mini-2024-07-18",
                  "training_file": "file-train",
                  "validation_file": "file-valid",
                  "suffix": "helpdesk",
                  "seed": 42,
                  "metadata": {"team": "support", "run": "r1"},
                  "method": {
                    "type": "supervised",
                    "supervised": {
                      "hyperparameters": {"n_epochs": 4, "batch_size": 8, "learning_rate_multiplier": 0.5}
                    }
                  }
                }""")));
    }

    @Test
    void hyperparameters_left_on_auto_are_not_sent() {
        // given: only the number of epochs chosen
        JobRequest request = JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withEpochs(2)).build();
        // when
        jobs.create(request);
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(equalToJson("""
                {
                  "model": "davinci-002",
                  "training_file": "file-train",
                  "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}}
                }""")));
    }

    @Test
    void a_dpo_request_sends_method_dpo_with_beta_among_its_hyperparameters() {
        // given
        JobRequest request = JobRequest.builder("gpt-4o-2024-08-06", "file-prefs")
                .method(JobRequest.Method.DPO)
                .hyperparameters(Hyperparameters.auto().withBeta(0.1).withEpochs(2))
                .build();
        // when
        jobs.create(request);
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(equalToJson("""
                {
                  "model": "gpt-4o-2024-08-06",
                  "training_file": "file-prefs",
                  "method": {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2, "beta": 0.1}}}
                }""")));
    }

    @Test
    void a_wandb_project_is_sent_as_a_wandb_integration() {
        // given
        JobRequest request = JobRequest.builder("davinci-002", "file-train").wandbProject("ft-runs").build();
        // when
        jobs.create(request);
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(equalToJson("""
                {
                  "model": "davinci-002",
                  "training_file": "file-train",
                  "integrations": [{"type": "wandb", "wandb": {"project": "ft-runs"}}],
                  "method": {"type": "supervised", "supervised": {"hyperparameters": {}}}
                }""")));
    }

    @Test
    void every_create_carries_an_idempotency_key() {
        // given
        JobRequest request = JobRequest.builder("davinci-002", "file-train").build();
        // when
        jobs.create(request);
        // then: the request's own key, a random one since none was given
        assertThat(request.idempotencyKey()).isNotBlank();
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS))
                .withHeader("Idempotency-Key", equalTo(request.idempotencyKey())));
    }

    @Test
    void two_requests_built_without_a_key_get_different_keys() {
        // given
        JobRequest first = JobRequest.builder("davinci-002", "file-train").build();
        JobRequest second = JobRequest.builder("davinci-002", "file-train").build();
        // when
        jobs.create(first);
        jobs.create(second);
        // then
        List<String> keys = wm.findAll(postRequestedFor(urlEqualTo(JOBS))).stream()
                .map(r -> r.getHeader("Idempotency-Key")).toList();
        assertThat(keys).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void a_retried_create_makes_one_job_and_sends_the_same_idempotency_key_with_both_attempts() {
        // given: the first create fails with a 500, the second succeeds
        wm.stubFor(post(urlEqualTo(JOBS)).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(serverError().withHeader("x-request-id", "req_first")).willSetStateTo("up"));
        wm.stubFor(post(urlEqualTo(JOBS)).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(okJson(queuedJob("ftjob-once"))));
        // when
        Job job = jobs.create(JobRequest.builder("davinci-002", "file-train").build());
        // then
        assertThat(job.id()).isEqualTo("ftjob-once");
        List<String> keys = wm.findAll(postRequestedFor(urlEqualTo(JOBS))).stream()
                .map(r -> r.getHeader("Idempotency-Key")).toList();
        assertThat(keys).hasSize(2).doesNotContainNull().containsOnly(keys.get(0));
    }

    @Test
    void a_key_the_caller_gives_is_sent_as_is() {
        // given: a key derived from the caller's own run, so a repeated create returns the same job
        JobRequest request = JobRequest.builder("davinci-002", "file-train").idempotencyKey("order-42-train").build();
        // when
        jobs.create(request);
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withHeader("Idempotency-Key", equalTo("order-42-train")));
    }

    @Test
    void a_request_is_sent_with_the_api_key_as_a_bearer_token() {
        // given
        JobRequest request = JobRequest.builder("davinci-002", "file-train").build();
        // when
        jobs.create(request);
        // then
        LoggedRequest sent = wm.findAll(postRequestedFor(urlEqualTo(JOBS))).get(0);
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer fake-test-0123456789abcdefghij");
        wm.verify(postRequestedFor(urlEqualTo(JOBS)).withHeader("Content-Type", matching("application/json.*")));
    }

    @Test
    void a_create_answered_with_the_empty_error_object_of_a_new_job_returns_the_job() {
        // given: as the API answers a create, "error": {} while the job validates its files
        wm.stubFor(post(urlEqualTo(JOBS)).willReturn(okJson(queuedJob("ftjob-new")
                .replace("\"status\": \"queued\"", "\"status\": \"validating_files\"")
                .replace("\"error\": null", "\"error\": {}"))));
        // when
        Job job = jobs.create(JobRequest.builder("davinci-002", "file-train").build());
        // then
        assertThat(job.id()).isEqualTo("ftjob-new");
        assertThat(job.status()).isEqualTo(JobStatus.VALIDATING_FILES);
        assertThat(job.error()).isEmpty();
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)));
    }

    @Test
    void a_suffix_over_64_characters_is_refused_before_anything_is_sent() {
        // given
        String suffix = "s".repeat(65);
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train").suffix(suffix).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("suffix")
                .hasMessageContaining("64");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void a_suffix_of_exactly_64_characters_is_accepted() {
        // given
        String suffix = "s".repeat(64);
        // when
        jobs.create(JobRequest.builder("davinci-002", "file-train").suffix(suffix).build());
        // then
        wm.verify(1, postRequestedFor(urlEqualTo(JOBS)).withRequestBody(
                matchingJsonPath("$.suffix", equalTo(suffix))));
    }

    @Test
    void seventeen_metadata_pairs_are_refused_before_anything_is_sent() {
        // given
        JobRequest.Builder builder = JobRequest.builder("davinci-002", "file-train");
        for (int i = 1; i <= 17; i++) {
            builder.putMetadata("key" + i, "value" + i);
        }
        // when / then
        assertThatThrownBy(() -> jobs.create(builder.build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata")
                .hasMessageContaining("16");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void zero_epochs_are_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withEpochs(0)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n_epochs");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void fifty_one_epochs_are_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withEpochs(51)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n_epochs")
                .hasMessageContaining("51");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void a_batch_size_of_257_is_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withBatchSize(257)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch_size")
                .hasMessageContaining("257");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void a_learning_rate_multiplier_of_zero_is_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withLearningRateMultiplier(0)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learning_rate_multiplier");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void beta_on_a_supervised_request_is_refused_before_anything_is_sent() {
        // when / then
        assertThatThrownBy(() -> jobs.create(JobRequest.builder("davinci-002", "file-train")
                .hyperparameters(Hyperparameters.auto().withBeta(0.1)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta")
                .hasMessageContaining("DPO");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    private static String queuedJob(String id) {
        return """
                {
                  "object": "fine_tuning.job",
                  "id": "%s",
                  "model": "gpt-4o-mini-2024-07-18",
                  "created_at": 1721764800,
                  "finished_at": null,
                  "fine_tuned_model": null,
                  "organization_id": "org-123",
                  "result_files": [],
                  "status": "queued",
                  "validation_file": null,
                  "training_file": "file-train",
                  "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
                  "trained_tokens": null,
                  "error": null,
                  "seed": 42,
                  "estimated_finish": null,
                  "integrations": [],
                  "metadata": null,
                  "method": {"type": "supervised", "supervised": {"hyperparameters":
                    {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}}}
                }""".formatted(id);
    }
}
