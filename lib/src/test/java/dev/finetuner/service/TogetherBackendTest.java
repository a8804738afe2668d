package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.finetuner.ApiException;
import dev.finetuner.QuotaException;
import dev.finetuner.TogetherStubs;
import dev.finetuner.internal.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.finetuner.TogetherStubs.JOB_ID;
import static dev.finetuner.TogetherStubs.event;
import static dev.finetuner.TogetherStubs.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Together AI backend under the same services as OpenAI's: its events (no ids, one list) followed
 * exactly once, its error bodies as {@link ApiException}s, its statuses on ours, and what it cannot do
 * refused clearly. WireMock stubs follow Together's OpenAPI document.
 */
class TogetherBackendTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String KEY = "tgp_v1_secret-0123456789abcdefghij";
    private static final String JOB = "/v1/fine-tunes/" + JOB_ID;

    private final ManualClock clock = new ManualClock();
    private final List<OpenAiConnection> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(OpenAiConnection::close);
    }

    private OpenAiConnection together() {
        OpenAiConnection c = OpenAiConnection.builder().backend("together").apiKey(KEY).baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).maxRetryAfter(Duration.ofMillis(50)).build())
                .timing(clock).build();
        opened.add(c);
        return c;
    }

    private static final String E1 = event("00:01", "job_pending", "info", "Fine tune request created", 0, 0);
    private static final String E2 = event("00:05", "job_start", "info", "Job started", 0, 0);
    private static final String E3 = event("01:00", "warning", "warning", "Dataset has 3 duplicate rows", 0, 0);
    private static final String E4 = event("04:00", "epoch_complete", "info", "Epoch completed, at step 10", 10, 20);
    private static final String E5 = event("07:00", "epoch_complete", "info", "Epoch completed, at step 20", 20, 20);
    private static final String E6 = event("08:00", "job_complete", "legacy_info", "Job finished", 0, 0);

    /** A job in {@code status}, then completed; its events as {@code firstEvents} at the first poll, then {@code laterEvents}. */
    private void jobThenCompleted(String status, String firstEvents, String laterEvents) {
        wm.stubFor(get(urlPathEqualTo(JOB)).inScenario("job").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(TogetherStubs.job(status))).willSetStateTo("ended"));
        wm.stubFor(get(urlPathEqualTo(JOB)).inScenario("job").whenScenarioStateIs("ended")
                .willReturn(okJson(TogetherStubs.job("completed"))));
        wm.stubFor(get(urlPathEqualTo(JOB + "/events")).inScenario("events").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(firstEvents)).willSetStateTo("later"));
        wm.stubFor(get(urlPathEqualTo(JOB + "/events")).inScenario("events").whenScenarioStateIs("later")
                .willReturn(okJson(laterEvents)));
    }

    @Test
    void events_that_appear_between_polls_are_each_delivered_once_in_time_order_with_repeats_kept() {
        // given: the second poll lists the old events again, out of order, plus new ones and an exact repeat
        jobThenCompleted("running", events(E1, E2), events(E2, E1, E3, E4, E4, E5, E6));
        List<JobEvent> seen = new ArrayList<>();

        // when
        Job done = together().follower().follow(JOB_ID, null, FollowListener.of(seen::add));

        // then
        assertThat(seen).extracting(JobEvent::message).containsExactly("Fine tune request created",
                "Job started", "Dataset has 3 duplicate rows", "Epoch completed, at step 10",
                "Epoch completed, at step 10", "Epoch completed, at step 20", "Job finished");
        assertThat(seen).extracting(JobEvent::id).doesNotHaveDuplicates();
        assertThat(seen).extracting(JobEvent::level)
                .containsExactly("info", "info", "warn", "info", "info", "info", "info");
        assertThat(seen.get(3).metrics()).hasValueSatisfying(m -> {
            assertThat(m.step()).hasValue(10);
            assertThat(m.totalSteps()).hasValue(20);
        });
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void a_new_process_resumes_after_the_last_event_id_it_was_given() {
        // given: a first follower saw the first two events
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(okJson(TogetherStubs.job("completed"))));
        wm.stubFor(get(urlPathEqualTo(JOB + "/events")).willReturn(okJson(events(E1, E2, E3, E4, E5, E6))));
        List<JobEvent> all = together().jobs().allEvents(JOB_ID);
        String lastSeen = all.get(1).id();
        List<JobEvent> seen = new ArrayList<>();

        // when: another connection resumes after that id
        together().follower().follow(JOB_ID, lastSeen, FollowListener.of(seen::add));

        // then
        assertThat(seen).extracting(JobEvent::id).containsExactlyElementsOf(
                all.subList(2, all.size()).stream().map(JobEvent::id).toList());
    }

    @Test
    void statuses_map_onto_ours_and_unknown_ones_are_kept_unfinished() {
        // given
        String[][] cases = {{"pending", "queued"}, {"queued", "queued"}, {"running", "running"},
                {"compressing", "running"}, {"uploading", "running"}, {"completed", "succeeded"},
                {"cancelled", "cancelled"}, {"cancel_requested", "cancel_requested"}};
        for (String[] c : cases) {
            wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(okJson(TogetherStubs.job(c[0]))));
            // when
            Job job = together().jobs().retrieve(JOB_ID);
            // then
            assertThat(job.status().asString()).as(c[0]).isEqualTo(c[1]);
            assertThat(job.status().isTerminal()).as(c[0]).isEqualTo(List.of("completed", "cancelled").contains(c[0]));
        }
    }

    @Test
    void a_401_is_not_retried_and_says_what_together_said_without_the_key() {
        // given: Together's ErrorData for a bad key, echoing it
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withHeader("x-request-id", "req-tg-401")
                .withBody(TogetherStubs.error("Invalid API key provided: " + KEY, "invalid_request_error",
                        "invalid_api_key"))));

        // when
        ApiException e = catchThrowableOfType(() -> together().jobs().retrieve(JOB_ID), ApiException.class);

        // then
        assertThat(e.statusCode()).hasValue(401);
        assertThat(e.code()).contains("invalid_api_key");
        assertThat(e.requestId()).contains("req-tg-401");
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).contains("Invalid API key provided").doesNotContain(KEY);
        wm.verify(1, getRequestedFor(urlPathEqualTo(JOB)));
    }

    @Test
    void a_429_is_retried_after_the_wait_together_asks_for() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOB)).inScenario("limited").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0.03")
                        .withHeader("Content-Type", "application/json")
                        .withBody(TogetherStubs.error("Rate limit exceeded", "rate_limit", null)))
                .willSetStateTo("ok"));
        wm.stubFor(get(urlPathEqualTo(JOB)).inScenario("limited").whenScenarioStateIs("ok")
                .willReturn(okJson(TogetherStubs.job("running"))));

        // when
        Job job = together().jobs().retrieve(JOB_ID);

        // then
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        wm.verify(2, getRequestedFor(urlPathEqualTo(JOB)));
        assertThat(clock.sleeps()).contains(Duration.ofMillis(30));
    }

    @Test
    void a_400_on_create_names_together_s_message_and_code_and_is_not_retried() {
        // given
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody(TogetherStubs.error("n_epochs must be between 1 and 20", "invalid_request_error", null))));
        JobRequest request = JobRequest.builder(TogetherStubs.MODEL, TogetherStubs.FILE_ID)
                .hyperparameters(Hyperparameters.auto().withEpochs(50)).build();

        // when / then
        assertThatThrownBy(() -> together().jobs().create(request)).isInstanceOf(ApiException.class)
                .hasMessageStartingWith("400 invalid_request_error: n_epochs must be between 1 and 20");
        wm.verify(1, postRequestedFor(urlPathEqualTo("/v1/fine-tunes")));
    }

    @Test
    void a_402_for_exhausted_credit_is_a_quota_exception() {
        // given
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(aResponse().withStatus(402)
                .withHeader("Content-Type", "application/json")
                .withBody(TogetherStubs.error("Credit limit exceeded", "invalid_request_error", null))));

        // when / then
        assertThatThrownBy(() -> together().jobs().create(JobRequest.builder(TogetherStubs.MODEL, "file-x").build()))
                .isInstanceOf(QuotaException.class).hasMessageContaining("Credit limit exceeded");
        wm.verify(1, postRequestedFor(urlPathEqualTo("/v1/fine-tunes")));
    }

    @Test
    void a_create_retried_after_a_500_returns_the_job_the_first_attempt_made_instead_of_a_second() {
        // given: the create made the job but answered 500; the job list shows it
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody(TogetherStubs.error("Internal server error", "server_error", null))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson("{\"data\":[" + TogetherStubs.job("pending")
                .replace("2026-12-02T10:00:00.000Z", java.time.Instant.now().toString()) + "]}")));

        // when
        Job job = together().jobs().create(JobRequest.builder(TogetherStubs.MODEL, TogetherStubs.FILE_ID).build());

        // then
        assertThat(job.id()).isEqualTo(JOB_ID);
        wm.verify(1, postRequestedFor(urlPathEqualTo("/v1/fine-tunes")));
    }

    @Test
    void an_html_page_with_status_200_is_an_invalid_response_naming_the_base_url() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html>login</html>")));

        // when
        ApiException e = catchThrowableOfType(() -> together().jobs().retrieve(JOB_ID), ApiException.class);

        // then
        assertThat(e.code()).contains("invalid_response");
        assertThat(e.getMessage()).contains("check the base URL");
    }

    @Test
    void lora_options_are_refused_by_the_openai_shape_before_anything_is_sent() {
        // given
        OpenAiConnection openAi = OpenAiConnection.builder().apiKey("test").baseUrl(wm.baseUrl() + "/v1").build();
        opened.add(openAi);
        JobRequest request = JobRequest.builder("gpt-4o-mini-2024-07-18", "file-x").lora(new Lora(8, 16, 0)).build();

        // when / then
        assertThatThrownBy(() -> openAi.jobs().create(request)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LoRA options are Together AI's");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void cancel_posts_to_together_s_cancel_route_and_the_job_is_not_finished_until_cancelled() {
        // given: Together answers with the truncated job, cancel requested
        wm.stubFor(post(urlPathEqualTo(JOB + "/cancel")).willReturn(okJson(TogetherStubs.job("cancel_requested"))));

        // when
        Job job = together().jobs().cancel(JOB_ID);

        // then
        assertThat(job.status().asString()).isEqualTo("cancel_requested");
        assertThat(job.status().isTerminal()).isFalse();
        wm.verify(1, postRequestedFor(urlPathEqualTo(JOB + "/cancel")));
    }

    @Test
    void checkpoints_are_listed_newest_first_with_their_step_and_path() {
        // given
        wm.stubFor(get(urlPathEqualTo(JOB + "/checkpoints")).willReturn(okJson("""
                {"data":[{"step":10,"path":"s3://together/ft-5c2b/checkpoint-10","created_at":"2026-12-02T10:04:00Z",
                  "checkpoint_type":"Intermediate"},
                 {"step":20,"path":"s3://together/ft-5c2b/checkpoint-20","created_at":"2026-12-02T10:07:00Z",
                  "checkpoint_type":"Final"}]}""")));

        // when
        List<Checkpoint> checkpoints = together().jobs().checkpoints(JOB_ID);

        // then
        assertThat(checkpoints).extracting(Checkpoint::step).containsExactly(20L, 10L);
        assertThat(checkpoints.get(0).id()).isEqualTo(JOB_ID + ":20");
        assertThat(checkpoints.get(0).model()).isEqualTo("s3://together/ft-5c2b/checkpoint-20");
    }

    @Test
    void an_unknown_backend_name_is_refused_with_the_names_there_are() {
        assertThatThrownBy(() -> OpenAiConnection.builder().backend("togther"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown backend \"togther\"").hasMessageContaining("\"together\"");
    }

    @Test
    void the_connection_says_which_backend_it_speaks_and_never_shows_the_key() {
        // when
        OpenAiConnection c = together();

        // then
        assertThat(c.backend()).isEqualTo("together");
        assertThat(c.toString()).contains("backend=together").doesNotContain(KEY);
    }
}
