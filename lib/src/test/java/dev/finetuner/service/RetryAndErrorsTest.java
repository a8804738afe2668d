package dev.finetuner.service;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import dev.finetuner.internal.ManualClock;
import dev.finetuner.QuotaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * How calls fail and are retried under a {@link RetryPolicy}: what is retried (429, 5xx, dropped
 * connections) and what is not (400, 401, 404, quota), what the resulting {@link ApiException} tells the
 * user, the time bound, and the policy's own arithmetic.
 */
class RetryAndErrorsTest {
    private static final String JOB = "/v1/fine_tuning/jobs/ftjob-abc";
    private static final String QUEUED_JOB = """
            {
              "object": "fine_tuning.job", "id": "ftjob-abc", "model": "davinci-002", "created_at": 1721764800,
              "finished_at": null, "fine_tuned_model": null, "organization_id": "org-123", "result_files": [],
              "status": "queued", "validation_file": null, "training_file": "file-train",
              "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
              "trained_tokens": null, "error": null, "seed": 42
            }""";

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ManualClock clock = new ManualClock();
    private OpenAiConnection api;

    @AfterEach
    void close() {
        if (api != null) {
            api.close();
        }
    }

    private JobsService jobs(RetryPolicy policy) {
        api = OpenAiConnection.builder().apiKey("fake-test-0123456789abcdefghij").baseUrl(wm.baseUrl() + "/v1")
                .retry(policy).timing(clock).build();
        return api.jobs();
    }

    private static RetryPolicy.Builder fast() {
        return RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(20))
                .maxRetryAfter(Duration.ofMillis(50));
    }

    private static String error(String message, String type, String param, String code) {
        return """
                {"error": {"message": "%s", "type": "%s", "param": %s, "code": %s}}""".formatted(message, type,
                param == null ? "null" : '"' + param + '"', code == null ? "null" : '"' + code + '"');
    }

    @Test
    void a_429_with_retry_after_is_retried_and_the_call_succeeds() {
        // given: rate limited once, asked to wait 30 ms
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("limited").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0.03")
                        .withHeader("Content-Type", "application/json")
                        .withBody(error("Rate limit reached for requests", "requests", null, "rate_limit_exceeded")))
                .willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("limited").whenScenarioStateIs("ok").willReturn(okJson(QUEUED_JOB)));
        JobsService jobs = jobs(fast().maxAttempts(3).build());
        // when
        Job job = jobs.retrieve("ftjob-abc");
        // then
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        wm.verify(2, getRequestedFor(urlEqualTo(JOB)));
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(30));
    }

    @Test
    void a_429_that_persists_fails_with_the_code_the_request_id_and_the_wait_the_server_asked_for() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0.03")
                .withHeader("x-request-id", "req_abc").withHeader("Content-Type", "application/json")
                .withBody(error("Rate limit reached", "requests", null, "rate_limit_exceeded"))));
        JobsService jobs = jobs(fast().maxAttempts(3).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.getMessage()).isEqualTo("429 rate_limit_exceeded: Rate limit reached (request id req_abc, 3 attempts)");
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.retryAfter()).contains(Duration.ofMillis(30));
        wm.verify(3, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_retry_after_longer_than_max_retry_after_is_waited_only_that_long() {
        // given: the server asks for two minutes; the policy honours at most 50 ms
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("slow down").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")
                        .withHeader("Content-Type", "application/json")
                        .withBody(error("Rate limit reached", "requests", null, "rate_limit_exceeded")))
                .willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("slow down").whenScenarioStateIs("ok").willReturn(okJson(QUEUED_JOB)));
        JobsService jobs = jobs(fast().maxAttempts(2).build());
        // when
        Job job = jobs.retrieve("ftjob-abc");
        // then
        assertThat(job.id()).isEqualTo("ftjob-abc");
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(50));
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503})
    void a_server_error_that_persists_is_tried_max_attempts_times_then_fails_with_what_support_needs(int status) {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(status)
                .withHeader("x-request-id", "req_abc123").withHeader("Content-Type", "application/json")
                .withBody(error("The server had an error while processing your request.", "server_error", null, null))));
        JobsService jobs = jobs(fast().maxAttempts(4).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).hasValue(status);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.attempts()).isEqualTo(4);
        assertThat(e.requestId()).contains("req_abc123");
        assertThat(e.getMessage())
                .isEqualTo(status + ": The server had an error while processing your request."
                        + " (request id req_abc123, 4 attempts)");
        wm.verify(4, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_5xx_without_a_json_body_names_its_status_once() {
        // given: a proxy's bare 502
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(502).withHeader("x-request-id", "req_p")
                .withBody("Bad Gateway")));
        JobsService jobs = jobs(fast().maxAttempts(2).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.statusCode()).hasValue(502);
        assertThat(e.getMessage()).startsWith("502: ").doesNotContain("502: 502");
    }

    @Test
    void an_api_message_ending_in_parentheses_survives_the_retries_whole() {
        // given: the API's usual 500 message, which ends in "(...)", from a server that sends no x-request-id
        String message = "The server had an error while processing your request. Sorry about that!"
                + " (Please include the request ID req_9f2 in your email.)";
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json")
                .withBody(error(message, "server_error", null, null))));
        JobsService jobs = jobs(fast().maxAttempts(2).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(e.getMessage()).isEqualTo("500: " + message + " (2 attempts)");
    }

    @Test
    void a_400_is_not_retried_and_names_the_parameter_at_fault() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(400)
                .withHeader("x-request-id", "req_400").withHeader("Content-Type", "application/json")
                .withBody(error("Model gpt-5 is not available for fine-tuning or does not exist.",
                        "invalid_request_error", "model", "model_not_available"))));
        JobsService jobs = jobs(fast().maxAttempts(4).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.statusCode()).hasValue(400);
        assertThat(e.param()).contains("model");
        assertThat(e.code()).contains("model_not_available");
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.getMessage()).isEqualTo("400 model_not_available: Model gpt-5 is not available for fine-tuning"
                + " or does not exist. (param model, request id req_400)");
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_401_is_not_retried() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody(error("Incorrect API key provided: sk-test-***ghij.", "invalid_request_error", null,
                        "invalid_api_key"))));
        JobsService jobs = jobs(fast().maxAttempts(4).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.statusCode()).hasValue(401);
        assertThat(e.code()).contains("invalid_api_key");
        assertThat(e.isRetryable()).isFalse();
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_404_is_not_retried() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody(error("Could not find fine tune: ftjob-abc", "invalid_request_error", "id", null))));
        JobsService jobs = jobs(fast().maxAttempts(4).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.statusCode()).hasValue(404);
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).contains("Could not find fine tune: ftjob-abc");
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void insufficient_quota_is_a_quota_exception_and_is_not_retried() {
        // given: a 429 that waiting does not cure
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0.01")
                .withHeader("x-request-id", "req_q").withHeader("Content-Type", "application/json")
                .withBody(error("You exceeded your current quota, please check your plan and billing details.",
                        "insufficient_quota", null, "insufficient_quota"))));
        JobsService jobs = jobs(fast().maxAttempts(4).build());
        // when
        QuotaException e = catchThrowableOfType(QuotaException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).hasValue(429);
        assertThat(e.code()).contains("insufficient_quota");
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.requestId()).contains("req_q");
        assertThat(e.getMessage()).contains("You exceeded your current quota");
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_dropped_connection_is_retried_and_the_call_succeeds_when_it_comes_back() {
        // given: the first connection is reset
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("reset").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo(JOB)).inScenario("reset").whenScenarioStateIs("ok").willReturn(okJson(QUEUED_JOB)));
        JobsService jobs = jobs(fast().maxAttempts(3).build());
        // when
        Job job = jobs.retrieve("ftjob-abc");
        // then
        assertThat(job.id()).isEqualTo("ftjob-abc");
        wm.verify(2, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_connection_that_keeps_dropping_fails_with_no_status_code_after_max_attempts() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        JobsService jobs = jobs(fast().maxAttempts(3).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEmpty();
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.getMessage()).startsWith("connection failed: ").endsWith("(3 attempts)");
        wm.verify(3, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void max_elapsed_bounds_the_total_time_of_a_call_and_its_retries() {
        // given: a server that always fails, 1000 attempts allowed but only 100 ms
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(500)));
        JobsService jobs = jobs(RetryPolicy.builder().maxAttempts(1000).initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(20)).jitter(0).maxElapsed(Duration.ofMillis(100)).build());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then: tries at 0, 20, ... 100 ms
        assertThat(e).isNotNull();
        assertThat(e.attempts()).isEqualTo(6);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(100));
        wm.verify(6, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void a_policy_of_none_tries_once() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(503)));
        JobsService jobs = jobs(RetryPolicy.none());
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> jobs.retrieve("ftjob-abc"));
        // then
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.isRetryable()).isTrue();
        wm.verify(1, getRequestedFor(urlEqualTo(JOB)));
    }

    @Test
    void backoff_doubles_from_the_initial_backoff_and_is_capped_at_the_max() {
        // given
        RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(1000)).multiplier(2).jitter(0.25).build();
        // when: no jitter drawn (random 0)
        // then
        assertThat(policy.backoff(1, null, 0)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2, null, 0)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(3, null, 0)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(4, null, 0)).isEqualTo(Duration.ofMillis(800));
        assertThat(policy.backoff(5, null, 0)).isEqualTo(Duration.ofMillis(1000));
        assertThat(policy.backoff(30, null, 0)).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void jitter_takes_off_at_most_its_share_of_the_backoff() {
        // given
        RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(1000)).jitter(0.25).build();
        // when
        Duration most = policy.backoff(3, null, 0.0);
        Duration middle = policy.backoff(3, null, 0.5);
        Duration least = policy.backoff(3, null, 0.999_999);
        // then: 400 ms less 0..25 %
        assertThat(most).isEqualTo(Duration.ofMillis(400));
        assertThat(middle).isEqualTo(Duration.ofMillis(350));
        assertThat(least).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void a_servers_retry_after_is_waited_as_given_up_to_max_retry_after() {
        // given
        RetryPolicy policy = RetryPolicy.builder().maxRetryAfter(Duration.ofSeconds(60)).build();
        // when
        Duration short_ = policy.backoff(1, Duration.ofSeconds(2), 0.9);
        Duration long_ = policy.backoff(1, Duration.ofMinutes(10), 0.9);
        // then: no jitter on what the server asked, and never more than the cap
        assertThat(short_).isEqualTo(Duration.ofSeconds(2));
        assertThat(long_).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void the_defaults_are_the_documented_constants() {
        // when
        RetryPolicy policy = RetryPolicy.defaults();
        // then
        assertThat(policy.maxAttempts()).isEqualTo(RetryPolicy.DEFAULT_MAX_ATTEMPTS).isEqualTo(5);
        assertThat(policy.initialBackoff()).isEqualTo(RetryPolicy.DEFAULT_INITIAL_BACKOFF);
        assertThat(policy.maxBackoff()).isEqualTo(RetryPolicy.DEFAULT_MAX_BACKOFF);
        assertThat(policy.multiplier()).isEqualTo(RetryPolicy.DEFAULT_MULTIPLIER);
        assertThat(policy.jitter()).isEqualTo(RetryPolicy.DEFAULT_JITTER);
        assertThat(policy.maxRetryAfter()).isEqualTo(RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
        assertThat(policy.maxElapsed()).isEqualTo(RetryPolicy.DEFAULT_MAX_ELAPSED);
        assertThat(policy.withMaxAttempts(8).maxAttempts()).isEqualTo(8);
        assertThat(policy.withMaxAttempts(8).maxBackoff()).isEqualTo(RetryPolicy.DEFAULT_MAX_BACKOFF);
    }

    @Test
    void the_builder_refuses_zero_attempts() {
        // when / then
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
    }

    @Test
    void the_builder_refuses_negative_durations() {
        // when / then
        assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialBackoff");
        assertThatThrownBy(() -> RetryPolicy.builder().maxBackoff(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> RetryPolicy.builder().maxRetryAfter(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetryAfter");
        assertThatThrownBy(() -> RetryPolicy.builder().maxElapsed(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxElapsed");
    }

    @Test
    void the_builder_refuses_a_multiplier_below_one_and_jitter_outside_zero_to_one() {
        // when / then
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(-0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    }

    @Test
    void the_builder_refuses_an_initial_backoff_above_the_max() {
        // given
        RetryPolicy.Builder builder = RetryPolicy.builder().initialBackoff(Duration.ofSeconds(10))
                .maxBackoff(Duration.ofSeconds(1));
        // when / then
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initialBackoff").hasMessageContaining("maxBackoff");
    }
}
