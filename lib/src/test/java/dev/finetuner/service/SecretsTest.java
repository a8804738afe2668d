package dev.finetuner.service;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The API key stays secret: it is in no exception a failed call throws (message, causes, stack trace)
 * and in no {@code toString()} of the values a user logs.
 */
class SecretsTest {
    private static final String KEY = "fake-test-SECRET-0123456789abcdefghij";
    private static final String JOB = "/v1/fine_tuning/jobs/ftjob-abc";

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private OpenAiConnection api;

    @BeforeEach
    void connect() {
        api = OpenAiConnection.builder().apiKey(KEY).baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20)).maxRetryAfter(Duration.ofMillis(50)).build())
                .build();
    }

    @AfterEach
    void close() {
        api.close();
    }

    /** Everything a log line could show of an exception: every message, every cause, the stack trace. */
    private static String everything(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        StringBuilder sb = new StringBuilder(out.toString());
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append('\n').append(c).append('\n').append(c.getMessage());
        }
        return sb.toString();
    }

    @Test
    void a_rejected_key_is_not_in_the_exception() {
        // given: the API answers 401, quoting the key masked as it does
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error": {"message": "Incorrect API key provided: sk-test-***********************ghij.\
                         You can find your API key at https://platform.openai.com/account/api-keys.",
                         "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}""")));
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> api.jobs().retrieve("ftjob-abc"));
        // then
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).hasValue(401);
        assertThat(everything(e)).doesNotContain(KEY).doesNotContain("SECRET");
    }

    @Test
    void a_server_error_after_retries_does_not_carry_the_key() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withStatus(500).withHeader("x-request-id", "req_1")));
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> api.jobs().retrieve("ftjob-abc"));
        // then
        assertThat(e.attempts()).isEqualTo(2);
        assertThat(everything(e)).doesNotContain(KEY).doesNotContain("SECRET");
    }

    @Test
    void a_reset_connection_does_not_carry_the_key() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> api.jobs().retrieve("ftjob-abc"));
        // then
        assertThat(e.statusCode()).isEmpty();
        assertThat(everything(e)).doesNotContain(KEY).doesNotContain("SECRET");
    }

    @Test
    void the_connection_and_its_retry_policy_print_without_the_key() {
        // when
        String connection = api.toString();
        String policy = api.retryPolicy().toString();
        // then
        assertThat(connection).contains(wm.baseUrl()).doesNotContain(KEY).doesNotContain("SECRET");
        assertThat(policy).startsWith("RetryPolicy[").doesNotContain(KEY);
    }

    @Test
    void a_connection_with_the_key_in_a_header_prints_without_it() {
        // given: Azure OpenAI's api-key header
        try (OpenAiConnection azure = OpenAiConnection.builder().apiKey(KEY).header("api-key", KEY)
                .baseUrl(wm.baseUrl() + "/v1").build()) {
            // when
            String printed = azure.toString();
            // then
            assertThat(printed).doesNotContain(KEY).doesNotContain("SECRET");
        }
    }

    @Test
    void a_job_and_a_job_request_print_without_the_key() {
        // given
        wm.stubFor(get(urlEqualTo(JOB)).willReturn(okJson("""
                {
                  "object": "fine_tuning.job", "id": "ftjob-abc", "model": "davinci-002", "created_at": 1721764800,
                  "finished_at": null, "fine_tuned_model": null, "organization_id": "org-123", "result_files": [],
                  "status": "running", "validation_file": null, "training_file": "file-train",
                  "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 2},
                  "trained_tokens": null, "error": null, "seed": 42
                }""")));
        JobRequest request = JobRequest.builder("davinci-002", "file-train").suffix("helpdesk").build();
        // when
        Job job = api.jobs().retrieve("ftjob-abc");
        // then
        assertThat(job.toString()).contains("ftjob-abc").doesNotContain(KEY).doesNotContain("SECRET");
        assertThat(request.toString()).contains("helpdesk").doesNotContain(KEY).doesNotContain("SECRET");
    }
}
