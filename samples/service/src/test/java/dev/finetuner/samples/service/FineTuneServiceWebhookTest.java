package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks instead of polling ({@code finetuner.follow=false}): the backend's signed {@code fine_tuning.job.succeeded}
 * reaches {@code POST /webhooks/openai} over HTTP, is verified with the endpoint's secret and updates the job's row
 * through the follower's listener; a webhook with a bad signature is refused and changes nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class FineTuneServiceWebhookTest {
    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("the-endpoint-secret-of-this-test".getBytes(StandardCharsets.UTF_8));
    /** The service's port, fixed before it starts: the backend must know where to send its webhooks. */
    private static final int PORT = freePort();
    private static final LocalOpenAi BACKEND = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
            .webhook(URI.create("http://127.0.0.1:" + PORT + "/webhooks/openai"), SECRET).build();

    private final Http http = new Http(PORT);

    @DynamicPropertySource
    static void service(DynamicPropertyRegistry p) {
        p.add("server.port", () -> PORT);
        p.add("spring.datasource.url", () -> "jdbc:h2:mem:webhooks;DB_CLOSE_DELAY=-1");
        p.add("finetuner.base-url", BACKEND::baseUrl);
        p.add("finetuner.api-key", () -> "test");
        p.add("finetuner.webhook-secret", () -> SECRET);
        p.add("finetuner.follow", () -> "false");
    }

    @AfterAll
    static void stopBackend() {
        BACKEND.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Signs as Standard Webhooks does: v1, base64 HMAC-SHA256 of "id.timestamp.body". */
    private static Map<String, String> signed(String id, String body, String secret) throws Exception {
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String signature = Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        return Map.of("webhook-id", id, "webhook-timestamp", timestamp, "webhook-signature", "v1," + signature,
                "Content-Type", "application/json");
    }

    private static String succeeded(String eventId, String jobId) {
        return "{\"object\":\"event\",\"id\":\"" + eventId + "\",\"type\":\"fine_tuning.job.succeeded\","
                + "\"created_at\":" + Instant.now().getEpochSecond() + ",\"data\":{\"id\":\"" + jobId + "\"}}";
    }

    @Test
    void the_backends_signed_webhook_ends_a_job_nobody_polls_and_a_bad_signature_changes_nothing() throws Exception {
        // given: a job started through the service, which does not poll it
        Http.Answer created = http.upload("reviews.csv", Datasets.reviewsCsv(60));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();

        // when: the backend's webhook arrives
        await().atMost(Duration.ofSeconds(60)).until(() -> http.job(id).get("status").asText().equals("succeeded"));

        // then: the row says what the webhook told, through the listener, without a single event polled
        JsonNode job = http.job(id);
        String delivered = job.get("lastWebhookId").asText();
        assertThat(delivered).startsWith("evt_");
        assertThat(job.get("fineTunedModel").asText()).startsWith("ft:davinci-002");
        assertThat(job.get("followed").asBoolean()).isTrue();
        assertThat(job.get("events").asInt()).isZero();
        // and its stream ends at once, with the status the webhook brought
        Sse end = Sse.parse(http.get("/fine-tunes/" + id + "/events", Map.of()).body()).get(0);
        assertThat(end.name()).isEqualTo("end");
        assertThat(end.data()).contains("\"status\":\"succeeded\"");

        // when: a webhook signed with another secret claims the job again
        String forged = succeeded("evt_forged", id);
        Http.Answer refused = http.post("/webhooks/openai", signed("evt_forged", forged,
                "whsec_" + Base64.getEncoder().encodeToString("not-the-secret-of-this-endpoint!".getBytes(StandardCharsets.UTF_8))),
                forged);
        // then: 401, and the row is as it was
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().get("detail").asText()).contains("signature");
        assertThat(http.job(id).get("lastWebhookId").asText()).isEqualTo(delivered);

        // when: the body is changed after signing
        Http.Answer tampered = http.post("/webhooks/openai", signed("evt_again", succeeded("evt_again", id), SECRET),
                succeeded("evt_again", "ftjob-someone-elses"));
        // then
        assertThat(tampered.status()).isEqualTo(401);

        // when: a request without the webhook headers
        Http.Answer unsigned = http.post("/webhooks/openai", Map.of("Content-Type", "application/json"), forged);
        // then
        assertThat(unsigned.status()).isEqualTo(400);

        // when: a correctly signed repeat of the end arrives (OpenAI redelivers until it gets a 2xx)
        String repeat = succeeded("evt_repeat", id);
        Http.Answer accepted = http.post("/webhooks/openai", signed("evt_repeat", repeat, SECRET), repeat);
        // then: acknowledged and recorded, the job unchanged
        assertThat(accepted.status()).isEqualTo(200);
        JsonNode after = http.job(id);
        assertThat(after.get("lastWebhookId").asText()).isEqualTo("evt_repeat");
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(after.get("fineTunedModel").asText()).isEqualTo(job.get("fineTunedModel").asText());
    }
}
