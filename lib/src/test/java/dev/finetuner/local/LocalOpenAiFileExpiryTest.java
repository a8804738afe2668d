package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code expires_after} on {@code POST /v1/files}: an {@code expires_at}, and the file gone once it has passed. */
class LocalOpenAiFileExpiryTest {
    private static final String LINE = "{\"prompt\":\"a ->\",\"completion\":\" b\\n\"}\n";
    private final ManualClock clock = new ManualClock();
    private LocalOpenAi local;
    private OpenAIClient client;

    @BeforeEach
    void start() {
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        client.close();
        local.close();
    }

    /** {@code POST /v1/files} with these extra form fields, as multipart. */
    private HttpResponse<String> upload(Map<String, String> fields) {
        String boundary = "----expiry";
        StringBuilder body = new StringBuilder();
        Map<String, String> all = new LinkedHashMap<>(Map.of("purpose", "fine-tune"));
        all.putAll(fields);
        all.forEach((name, value) -> body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"")
                .append(name).append("\"\r\n\r\n").append(value).append("\r\n"));
        body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.jsonl\"\r\n")
                .append("Content-Type: application/octet-stream\r\n\r\n").append(LINE).append("\r\n--").append(boundary)
                .append("--\r\n");
        return Raw.send(Raw.request(local.baseUrl() + "/files", "test")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    }

    @Test
    void a_file_with_expires_after_has_its_expires_at_and_is_gone_once_it_passes() {
        // given
        HttpResponse<String> r = upload(Map.of("expires_after[anchor]", "created_at", "expires_after[seconds]", "3600"));
        JsonNode created = Raw.json(r);
        String id = created.get("id").asText();
        // then it says when it expires
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(created.get("expires_at").asLong()).isEqualTo(created.get("created_at").asLong() + 3600);
        // and is there until then
        clock.advance(Duration.ofSeconds(3599));
        assertThat(client.files().retrieve(id).expiresAt()).hasValue(created.get("expires_at").asLong());
        // when
        clock.advance(Duration.ofSeconds(1));
        // then it is gone from retrieve, content and the list
        assertThat(catchThrowableOfType(NotFoundException.class, () -> client.files().retrieve(id))).isNotNull();
        assertThat(Raw.get(local.baseUrl() + "/files/" + id + "/content", "test").statusCode()).isEqualTo(404);
        assertThat(client.files().list(FileListParams.builder().build()).data()).extracting(FileObject::id)
                .doesNotContain(id);
    }

    @Test
    void a_file_without_expires_after_never_expires() {
        // given
        String id = Raw.json(upload(Map.of())).get("id").asText();
        // when
        clock.advance(Duration.ofDays(400));
        // then
        assertThat(client.files().retrieve(id).expiresAt()).isEmpty();
    }

    @Test
    void a_bad_anchor_or_seconds_out_of_range_are_refused() {
        // when
        HttpResponse<String> anchor = upload(Map.of("expires_after[anchor]", "last_active_at", "expires_after[seconds]", "3600"));
        HttpResponse<String> tooShort = upload(Map.of("expires_after[anchor]", "created_at", "expires_after[seconds]", "3599"));
        HttpResponse<String> tooLong = upload(Map.of("expires_after[anchor]", "created_at", "expires_after[seconds]", "2592001"));
        // then
        assertThat(anchor.statusCode()).isEqualTo(400);
        assertThat(Raw.error(anchor).get("param").asText()).isEqualTo("expires_after.anchor");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(Raw.error(tooShort).get("param").asText()).isEqualTo("expires_after.seconds");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(client.files().list(FileListParams.builder().build()).data()).isEmpty();
    }
}
