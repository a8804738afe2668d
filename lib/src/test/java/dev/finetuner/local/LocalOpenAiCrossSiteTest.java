package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no key set, a web page must not reach the backend: not through DNS rebinding (a foreign {@code Host}), not
 * with a cross-site form or fetch (a foreign {@code Origin}, a body that is not the API's media type).
 */
class LocalOpenAiCrossSiteTest {
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static String fileId;

    @BeforeAll
    static void start(@TempDir Path dir) {
        local = LocalOpenAi.builder().clock(new ManualClock()).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        fileId = client.files().create(FileCreateParams.builder().purpose(FilePurpose.FINE_TUNE)
                .file(TestData.write(dir, "secret.jsonl", TestData.jsonl(TestData.reviews(10, 2)))).build()).id();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static String get(String path, String hostLine) {
        return Raw.exchange(local.port(), "GET /v1" + path + " HTTP/1.1\r\n" + hostLine + "Connection: close\r\n\r\n");
    }

    private static String createJobFromAForm(String extraHeaders) {
        String body = "{\"model\":\"babbage-002\",\"training_file\":\"" + fileId + "\"}";
        return Raw.exchange(local.port(), "POST /v1/fine_tuning/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + local.port()
                + "\r\nContent-Type: text/plain\r\n" + extraHeaders + "Content-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);
    }

    private static int jobCount() {
        return client.fineTuning().jobs().list().data().size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "evil.example:8089", "127.0.0.1.evil.example", "localhost.evil.example",
            "192.168.1.10", "[::2]:8089", "", "127.0.0.1:8089@evil.example"})
    void a_request_for_a_foreign_host_as_after_dns_rebinding_is_refused(String host) {
        // given a stored training file
        // when a page whose name now resolves to 127.0.0.1 reads it
        String answer = get("/files/" + fileId + "/content", "Host: " + host + "\r\n");
        // then
        assertThat(Raw.status(answer)).isEqualTo(403);
        JsonNode error = Raw.body(answer).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("host_not_allowed");
        assertThat(error.get("message").asText()).contains("loopback");
        assertThat(answer).doesNotContain("positive");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LocalHost:8089", "127.0.0.1", "127.0.0.1:8089", "127.8.9.10:1", "[::1]",
            "[::1]:8089"})
    void a_request_for_a_loopback_host_is_answered(String host) {
        // when
        String answer = get("/files/" + fileId, "Host: " + host + "\r\n");
        // then
        assertThat(Raw.status(answer)).isEqualTo(200);
        assertThat(Raw.body(answer).get("id").asText()).isEqualTo(fileId);
    }

    @Test
    void an_http_1_0_request_without_a_host_is_answered() {
        // when
        String answer = Raw.exchange(local.port(), "GET /v1/files/" + fileId + " HTTP/1.0\r\n\r\n");
        // then
        assertThat(Raw.status(answer)).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "http://evil.example:8089", "null", "http://127.0.0.1.evil.example"})
    void a_request_with_a_foreign_origin_is_refused_and_creates_nothing(String origin) {
        // given
        int jobsBefore = jobCount();
        // when a cross-site form posts a job
        String answer = createJobFromAForm("Origin: " + origin + "\r\n");
        // then
        assertThat(Raw.status(answer)).isEqualTo(403);
        JsonNode error = Raw.body(answer).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(jobCount()).isEqualTo(jobsBefore);
    }

    @Test
    void a_request_from_a_loopback_origin_is_answered() {
        // when a page served from the same machine (a local dashboard) reads the files
        String answer = get("/files/" + fileId, "Host: 127.0.0.1\r\nOrigin: http://localhost:3000\r\n");
        // then
        assertThat(Raw.status(answer)).isEqualTo(200);
    }

    @Test
    void a_json_route_refuses_a_body_that_is_not_application_json_and_creates_nothing() {
        // given
        int jobsBefore = jobCount();
        // when a form without an Origin (an old browser, a proxy that strips it) posts a job as text/plain
        String answer = createJobFromAForm("");
        // then
        assertThat(Raw.status(answer)).isEqualTo(415);
        JsonNode error = Raw.body(answer).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains("application/json").contains("text/plain");
        assertThat(jobCount()).isEqualTo(jobsBefore);
    }

    @Test
    void a_json_body_with_a_charset_is_taken() {
        // when
        HttpResponse<String> r = Raw.send(Raw.request(local.baseUrl() + "/uploads", "k")
                .header("Content-Type", "Application/JSON; charset=utf-8").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"bytes\":3,\"filename\":\"a.jsonl\",\"mime_type\":\"text/jsonl\",\"purpose\":\"fine-tune\"}"))
                .build());
        // then
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void a_file_upload_that_is_not_multipart_form_data_is_refused_with_415() {
        // when
        HttpResponse<String> r = Raw.send(Raw.request(local.baseUrl() + "/files", "k")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("purpose=fine-tune&file=x")).build());
        // then
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(Raw.error(r).get("message").asText()).contains("multipart/form-data");
    }
}
