package dev.finetuner.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.WebhookException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies and reads OpenAI's fine-tuning webhooks ({@code fine_tuning.job.succeeded}, {@code .failed},
 * {@code .cancelled}), so a service can hear of its jobs' ends instead of polling them. The scheme is
 * Standard Webhooks': {@code webhook-signature} carries {@code v1,<base64 HMAC-SHA256>} of
 * {@code "<webhook-id>.<webhook-timestamp>.<body>"} under the secret (given as {@code whsec_<base64>}),
 * and a timestamp further than {@link #DEFAULT_TOLERANCE} from now is refused, so a captured webhook
 * cannot be replayed later.
 *
 * <pre>{@code
 * Webhooks webhooks = Webhooks.verifier(System.getenv("OPENAI_WEBHOOK_SECRET"));
 * WebhookEvent event = webhooks.verify(headers, body);   // WebhookException when refused
 * JobOutcome outcome = fineTuner.outcome(event);         // Succeeded, Failed or Cancelled
 * }</pre>
 *
 * <p>Immutable and thread-safe. It needs no client and makes no request. The signature is checked with
 * the JDK's {@code javax.crypto.Mac} and compared in constant time.
 */
public final class Webhooks {
    /** How far a webhook's timestamp may be from now, either way: 5 minutes, as in openai-java. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
    /** The environment variable {@link #fromEnv()} reads. */
    public static final String SECRET_VARIABLE = "OPENAI_WEBHOOK_SECRET";

    private static final String PREFIX = "whsec_";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] key;
    private final Duration tolerance;
    private final Clock clock;

    private Webhooks(byte[] key, Duration tolerance, Clock clock) {
        this.key = key;
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /**
     * A verifier for the endpoint whose signing secret this is, with {@link #DEFAULT_TOLERANCE}.
     *
     * @param secret the secret as OpenAI shows it, {@code whsec_<base64>} (the base64 alone is taken too)
     * @return the verifier
     * @throws IllegalArgumentException when the secret is blank or not base64 (the message does not show it)
     */
    public static Webhooks verifier(String secret) {
        Objects.requireNonNull(secret, "secret");
        String b64 = secret.strip().startsWith(PREFIX) ? secret.strip().substring(PREFIX.length()) : secret.strip();
        if (b64.isEmpty()) {
            throw new IllegalArgumentException("the webhook secret is empty; give the whsec_... secret of the endpoint");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the webhook secret is not whsec_ followed by base64 ("
                    + b64.length() + " characters after the prefix); copy it again from the endpoint's settings");
        }
        return new Webhooks(key, DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    /**
     * A verifier for the secret in {@value #SECRET_VARIABLE}.
     *
     * @return the verifier
     * @throws IllegalStateException when the variable is not set
     * @throws IllegalArgumentException when its value is not a secret
     */
    public static Webhooks fromEnv() {
        String secret = System.getenv(SECRET_VARIABLE);
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException(SECRET_VARIABLE + " is not set; set it to the endpoint's whsec_... secret");
        }
        return verifier(secret);
    }

    /**
     * {@return a copy that accepts timestamps up to {@code tolerance} from now}
     *
     * @param tolerance positive
     */
    public Webhooks withTolerance(Duration tolerance) {
        Objects.requireNonNull(tolerance, "tolerance");
        if (tolerance.isNegative() || tolerance.isZero()) {
            throw new IllegalArgumentException("the tolerance must be positive, was " + tolerance);
        }
        return new Webhooks(key, tolerance, clock);
    }

    /**
     * {@return a copy that reads "now" from {@code clock} (for tests with a fixed timestamp)}
     *
     * @param clock the clock
     */
    public Webhooks withClock(Clock clock) {
        return new Webhooks(key, tolerance, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Checks a webhook's signature and timestamp, then reads it.
     *
     * @param headers the request's headers; names in any case (a multi-valued map: join or take the first value)
     * @param body the request's body exactly as received, as UTF-8 text (not re-serialized)
     * @return the event
     * @throws WebhookException when a header is missing, the signature does not match, the timestamp is
     *         outside the tolerance, the body is not an event, or the event is not a fine-tuning job's end
     *         ({@link WebhookException#reason()} says which)
     */
    public WebhookEvent verify(Map<String, String> headers, String body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        String id = header(headers, "webhook-id");
        String timestamp = header(headers, "webhook-timestamp");
        String signatures = header(headers, "webhook-signature");
        checkTimestamp(timestamp);
        byte[] expected = sign(id, timestamp, body);
        boolean matched = false;
        for (String candidate : signatures.trim().split(" +")) {
            int comma = candidate.indexOf(',');
            if (comma < 0 || !candidate.substring(0, comma).equals("v1")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(candidate.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            matched |= MessageDigest.isEqual(expected, given);
        }
        if (!matched) {
            throw WebhookException.badSignature("webhook " + id + ": no v1 signature in webhook-signature "
                    + "matches the body under this secret (a changed body, another endpoint's secret, or a body "
                    + "re-serialized before verifying: pass it exactly as received)");
        }
        return read(id, body);
    }

    private static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && h.getValue() != null && !h.getValue().isBlank()) {
                return h.getValue();
            }
        }
        throw WebhookException.missingHeader("the webhook has no " + name + " header; is this request from "
                + "OpenAI, and does the endpoint pass on every header?");
    }

    private void checkTimestamp(String timestamp) {
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            throw WebhookException.badTimestamp("webhook-timestamp is not a number of seconds: '"
                    + abbreviate(timestamp) + "'");
        }
        Instant sent = Instant.ofEpochSecond(seconds);
        Duration off = Duration.between(sent, clock.instant());
        if (off.abs().compareTo(tolerance) > 0) {
            throw WebhookException.badTimestamp("webhook-timestamp " + sent + " is "
                    + off.abs().toSeconds() + " s " + (off.isNegative() ? "ahead of" : "behind") + " this clock, "
                    + "more than the tolerance of " + tolerance.toSeconds() + " s: refused as a possible replay "
                    + "(or this machine's clock is off)");
        }
    }

    /** The v1 signature: HMAC-SHA256 of {@code id.timestamp.body}. */
    private byte[] sign(String id, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    private static WebhookEvent read(String id, String body) {
        JsonNode event;
        try {
            event = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw WebhookException.malformedPayload("webhook " + id + " is signed but its body is not JSON: "
                    + e.getOriginalMessage());
        }
        if (event == null || !event.isObject() || !event.path("type").isTextual()) {
            throw WebhookException.malformedPayload("webhook " + id + " is signed but its body is not an "
                    + "event with a \"type\"");
        }
        String type = event.get("type").asText();
        JobStatus status = WebhookEvent.statusOf(type);
        if (status == null) {
            throw WebhookException.unsupportedEvent("webhook " + id + " is a signed " + abbreviate(type)
                    + " event, not a fine-tuning job's end (" + WebhookEvent.SUCCEEDED + ", .failed, .cancelled); "
                    + "acknowledge it and ignore it, or unsubscribe the endpoint from it");
        }
        JsonNode jobId = event.path("data").path("id");
        if (!jobId.isTextual() || jobId.asText().isBlank()) {
            throw WebhookException.malformedPayload("webhook " + id + " (" + type + ") has no data.id, "
                    + "the job's id");
        }
        String eventId = event.path("id").isTextual() ? event.get("id").asText() : id;
        Instant createdAt = event.path("created_at").canConvertToLong()
                ? Instant.ofEpochSecond(event.get("created_at").asLong()) : Instant.EPOCH;
        return new WebhookEvent(eventId, type, jobId.asText(), createdAt, status);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    @Override
    public String toString() {
        return "Webhooks[tolerance " + tolerance + ", secret hidden]";
    }
}
