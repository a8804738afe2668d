package dev.finetuner.service;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.Headers;
import com.openai.models.webhooks.WebhookVerificationParams;
import dev.finetuner.WebhookException;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Webhooks#verify}: a fixed vector pins the Standard Webhooks HMAC scheme (its signature was made
 * with {@code openssl dgst -sha256 -hmac}, not with this code), and each way a webhook can be wrong is
 * refused with its own reason and a message without the secret.
 */
class WebhooksVerifyTest {
    /** {@code whsec_} + base64 of the 32 bytes {@code finetuner-fixed-test-secret-32by}. */
    static final String SECRET = "whsec_ZmluZXR1bmVyLWZpeGVkLXRlc3Qtc2VjcmV0LTMyYnk=";
    static final String ID = "msg_2Kt1";
    static final long TIMESTAMP = 1750861210L;
    static final String BODY = "{\"object\":\"event\",\"id\":\"evt_685c059ae3a481909bdc86819b066fb6\","
            + "\"type\":\"fine_tuning.job.succeeded\",\"created_at\":1750861210,\"data\":{\"id\":\"ftjob-abc123\"}}";
    /** printf '%s' "msg_2Kt1.1750861210.$BODY" | openssl dgst -sha256 -hmac finetuner-fixed-test-secret-32by -binary | base64 */
    static final String SIGNATURE = "v1,9RtNWQrRZag9FmIKbh1vlX0MMpGyL9rEry5xeS5iSPg=";

    private final Webhooks webhooks = Webhooks.verifier(SECRET)
            .withClock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP + 60), ZoneOffset.UTC));

    private static Map<String, String> headers(String id, long timestamp, String signature) {
        return Map.of("webhook-id", id, "webhook-timestamp", Long.toString(timestamp), "webhook-signature", signature);
    }

    @Test
    void a_real_shaped_payload_signed_with_a_known_secret_verifies_and_reads_as_the_jobs_end() {
        // when
        WebhookEvent event = webhooks.verify(headers(ID, TIMESTAMP, SIGNATURE), BODY);
        // then
        assertThat(event).isEqualTo(new WebhookEvent("evt_685c059ae3a481909bdc86819b066fb6",
                "fine_tuning.job.succeeded", "ftjob-abc123", Instant.ofEpochSecond(1750861210L), JobStatus.SUCCEEDED));
    }

    @Test
    void header_names_are_matched_in_any_case_and_any_one_of_several_signatures_may_match() {
        // given
        Map<String, String> headers = Map.of("Webhook-Id", ID, "WEBHOOK-TIMESTAMP", Long.toString(TIMESTAMP),
                "Webhook-Signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + SIGNATURE);
        // when
        WebhookEvent event = webhooks.verify(headers, BODY);
        // then
        assertThat(event.jobId()).isEqualTo("ftjob-abc123");
    }

    @Test
    void openai_java_accepts_the_same_vector_so_both_implement_one_scheme() {
        // given
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("unused").baseUrl("http://127.0.0.1:9/v1").build();
        try {
            Headers headers = Headers.builder().put("webhook-id", ID).put("webhook-timestamp", Long.toString(TIMESTAMP))
                    .put("webhook-signature", SIGNATURE).build();
            // when / then: no exception
            client.webhooks().verifySignature(WebhookVerificationParams.builder().payload(BODY).headers(headers)
                    .secret(SECRET).tolerance(Duration.ofDays(365_000)).build());
        } finally {
            client.close();
        }
    }

    @Test
    void a_tampered_body_is_refused_as_a_bad_signature() {
        String tampered = BODY.replace("ftjob-abc123", "ftjob-evil99");
        assertThatThrownBy(() -> webhooks.verify(headers(ID, TIMESTAMP, SIGNATURE), tampered))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.BAD_SIGNATURE))
                .hasMessageContaining("no v1 signature").hasMessageContaining(ID);
    }

    @Test
    void another_secret_is_refused_as_a_bad_signature_and_the_message_shows_neither_secret() {
        String other = "whsec_" + Base64.getEncoder().encodeToString("another-secret-of-32-bytes-long!".getBytes());
        Webhooks wrong = Webhooks.verifier(other).withClock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC));
        assertThatThrownBy(() -> wrong.verify(headers(ID, TIMESTAMP, SIGNATURE), BODY))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.BAD_SIGNATURE))
                .message().doesNotContain(other.substring(6)).doesNotContain(SECRET.substring(6))
                .doesNotContain("whsec_");
        assertThat(wrong.toString()).doesNotContain(other.substring(6));
    }

    @Test
    void a_missing_signature_header_is_refused_naming_the_header() {
        Map<String, String> headers = Map.of("webhook-id", ID, "webhook-timestamp", Long.toString(TIMESTAMP));
        assertThatThrownBy(() -> webhooks.verify(headers, BODY))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.MISSING_HEADER))
                .hasMessageContaining("webhook-signature");
    }

    @Test
    void a_correctly_signed_timestamp_older_than_the_tolerance_is_refused_as_a_possible_replay() {
        // given: signed correctly, but six minutes before "now"
        long old = TIMESTAMP;
        Webhooks later = Webhooks.verifier(SECRET)
                .withClock(Clock.fixed(Instant.ofEpochSecond(old + 360), ZoneOffset.UTC));
        // when / then
        assertThatThrownBy(() -> later.verify(headers(ID, old, SIGNATURE), BODY))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.BAD_TIMESTAMP))
                .hasMessageContaining("360 s behind").hasMessageContaining("tolerance of 300 s");
    }

    @Test
    void a_correctly_signed_event_of_another_kind_is_refused_as_unsupported_not_as_forged() throws Exception {
        // given
        String body = "{\"object\":\"event\",\"id\":\"evt_1\",\"type\":\"batch.completed\",\"created_at\":1750861210,"
                + "\"data\":{\"id\":\"batch_1\"}}";
        // when / then
        assertThatThrownBy(() -> webhooks.verify(headers(ID, TIMESTAMP, sign(ID, TIMESTAMP, body)), body))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.UNSUPPORTED_EVENT))
                .hasMessageContaining("batch.completed");
    }

    @Test
    void a_correctly_signed_body_that_is_not_json_is_refused_as_malformed() throws Exception {
        String body = "not json";
        assertThatThrownBy(() -> webhooks.verify(headers(ID, TIMESTAMP, sign(ID, TIMESTAMP, body)), body))
                .isInstanceOfSatisfying(WebhookException.class,
                        e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.MALFORMED_PAYLOAD));
    }

    @Test
    void a_secret_that_is_not_base64_is_refused_without_showing_it() {
        assertThatThrownBy(() -> Webhooks.verifier("whsec_not*base64!secretvalue"))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("secretvalue");
    }

    private static String sign(String id, long timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
    }
}
