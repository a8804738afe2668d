package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import dev.finetuner.internal.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A server that echoes our secrets, answers HTML, or is no URL at all: clear errors, and nothing secret in them. */
class HostileServerTest {
    private static final String KEY = "fake-test-key-0123456789abcdefghij";
    private static final String AZURE_KEY = "azure-secret-9876543210zyxwvu";
    private static final String JOB = "/v1/fine_tuning/jobs/ftjob-abc";

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

    private OpenAiConnection connect() {
        api = OpenAiConnection.builder().apiKey(KEY).header("api-key", AZURE_KEY).baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(2)).build())
                .timing(clock).build();
        return api;
    }

    private static String everythingPrinted(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void a_server_that_echoes_the_key_in_its_error_never_makes_us_print_it() {
        // given: a 401 and then 500s whose messages quote the key and the api-key header
        String body = "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + " (header api-key " + AZURE_KEY
                + ")\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody(body)));
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> connect().jobs().retrieve("ftjob-abc"));
        // then: the message, the cause chain and the stack trace as a log would print them
        assertThat(e.getMessage()).contains("401 invalid_api_key: Incorrect API key provided: [redacted]");
        assertThat(everythingPrinted(e)).doesNotContain(KEY).doesNotContain(AZURE_KEY);
    }

    @Test
    void a_retried_500_that_echoes_the_key_is_redacted_in_every_attempt() {
        String body = "{\"error\":{\"message\":\"upstream said Bearer " + KEY + "\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":null}}";
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody(body)));

        ApiException e = catchThrowableOfType(ApiException.class, () -> connect().jobs().retrieve("ftjob-abc"));

        assertThat(e.attempts()).isEqualTo(3);
        assertThat(everythingPrinted(e)).contains("[redacted]").doesNotContain(KEY);
    }

    @Test
    void an_html_page_instead_of_json_is_an_api_error_that_points_at_the_base_url() {
        wm.stubFor(get(urlPathEqualTo(JOB)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html><body>Welcome to nginx!</body></html>")));

        assertThatThrownBy(() -> connect().jobs().retrieve("ftjob-abc")).isInstanceOf(ApiException.class)
                .hasMessageContaining("invalid_response").hasMessageContaining("not the API's JSON")
                .hasMessageContaining("check the base URL");
    }

    @Test
    void a_base_url_that_is_not_an_http_url_is_refused_when_the_connection_is_built() {
        for (String url : new String[] {"not a url", "ftp://example.com/v1", "localhost:8089/v1"}) {
            assertThatThrownBy(() -> OpenAiConnection.builder().apiKey(KEY).baseUrl(url).build())
                    .as(url).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(url)
                    .hasMessageContaining("https://api.openai.com/v1");
        }
    }
}
