package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link JobsService#deliver}: a verified webhook reaches the same {@link FollowListener} the follower
 * calls, as a change of status with the job as retrieved, once per change.
 */
class JobsServiceDeliverTest {
    private static final String JOB = "/v1/fine_tuning/jobs/ftjob-hook";

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private OpenAiConnection api;
    private final StatusLog heard = new StatusLog();

    /** Records each status change and retry as a line. */
    static final class StatusLog extends FollowListener {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void onStatus(JobStatus from, JobStatus to, Job job) {
            lines.add(from + " -> " + to + " " + job.id() + " " + job.fineTunedModel().orElse("-"));
        }

        @Override
        public void onRetry(RetryEvent retry) {
            lines.add("retry " + retry.attempt());
        }
    }

    @BeforeEach
    void connect() {
        api = OpenAiConnection.builder().apiKey("fake-test-0123456789abcdefghij").baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20)).build())
                .build();
    }

    @AfterEach
    void close() {
        api.close();
    }

    private static WebhookEvent succeeded() {
        return new WebhookEvent("evt_1", WebhookEvent.SUCCEEDED, "ftjob-hook", Instant.ofEpochSecond(1721768400),
                JobStatus.SUCCEEDED);
    }

    private static String job(String status, String model) {
        return """
                {"object": "fine_tuning.job", "id": "ftjob-hook", "model": "davinci-002", "created_at": 1721764800,
                 "finished_at": null, "fine_tuned_model": %s, "organization_id": "org-1", "result_files": [],
                 "status": "%s", "validation_file": null, "training_file": "file-train", "trained_tokens": null,
                 "seed": 42, "error": null, "integrations": [],
                 "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}}
                """.formatted(model == null ? "null" : "\"" + model + "\"", status);
    }

    @Test
    void a_webhook_is_heard_as_the_change_from_the_stored_status_with_the_job_as_retrieved() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(okJson(job("succeeded", "ft:davinci-002:org::abc"))));
        // when
        Job job = api.jobs().deliver(succeeded(), JobStatus.RUNNING, heard);
        // then
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(heard.lines).containsExactly("running -> succeeded ftjob-hook ft:davinci-002:org::abc");
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_repeated_delivery_of_an_end_already_stored_calls_nothing() {
        // given: the service stored "succeeded" when the first delivery (or its follower) reported it
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(okJson(job("succeeded", "ft:davinci-002:org::abc"))));
        // when
        Job job = api.jobs().deliver(succeeded(), JobStatus.SUCCEEDED, heard);
        // then
        assertThat(job.fineTunedModel()).contains("ft:davinci-002:org::abc");
        assertThat(heard.lines).isEmpty();
    }

    @Test
    void with_no_stored_status_the_change_comes_from_null_as_a_first_poll_reports_it() {
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(okJson(job("succeeded", "ft:davinci-002:org::abc"))));
        // when
        api.jobs().deliver(succeeded(), null, heard);
        // then
        assertThat(heard.lines).containsExactly("null -> succeeded ftjob-hook ft:davinci-002:org::abc");
    }

    @Test
    void a_job_that_does_not_read_as_ended_yet_is_reported_as_retrieved_not_as_the_webhook_says() {
        // given: the webhook arrived before the job's own record caught up
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(okJson(job("running", null))));
        // when
        Job job = api.jobs().deliver(succeeded(), JobStatus.QUEUED, heard);
        // then
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(heard.lines).containsExactly("queued -> running ftjob-hook -");
    }

    @Test
    void a_failed_retrieval_is_retried_and_the_listener_hears_the_retry_before_the_status() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(serverError()).willSetStateTo("up"));
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(okJson(job("succeeded", "ft:davinci-002:org::abc"))));
        // when
        api.jobs().deliver(succeeded(), JobStatus.RUNNING, heard);
        // then
        assertThat(heard.lines).containsExactly("retry 1", "running -> succeeded ftjob-hook ft:davinci-002:org::abc");
    }

    @Test
    void a_job_the_api_does_not_know_fails_with_its_404_and_the_listener_hears_no_status() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                .withBody("{\"error\": {\"message\": \"No such job: ftjob-hook\", \"type\": \"invalid_request_error\","
                        + " \"code\": \"not_found\", \"param\": null}}")));
        // when / then
        assertThatThrownBy(() -> api.jobs().deliver(succeeded(), JobStatus.RUNNING, heard))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.statusCode()).hasValue(404));
        assertThat(heard.lines).isEmpty();
    }
}
