package dev.finetuner;

import java.util.Objects;

/**
 * A webhook was refused: a header is missing, its signature does not match, its timestamp is outside the
 * tolerance, or its body is not an event this library reads. The message names what was wrong and never
 * contains the secret. An endpoint answers 400 for every {@link Reason} except
 * {@link Reason#UNSUPPORTED_EVENT}: that one was signed correctly, it is only not about a fine-tuning job,
 * so answer 2xx and ignore it (OpenAI retries a webhook that is not acknowledged).
 */
public class WebhookException extends FineTunerException {
    /** What was wrong with the webhook. */
    public enum Reason {
        /** A {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} header is absent or blank. */
        MISSING_HEADER,
        /** No signature in {@code webhook-signature} matches the body under the secret. */
        BAD_SIGNATURE,
        /** {@code webhook-timestamp} is not a number, or further from now than the tolerance. */
        BAD_TIMESTAMP,
        /** The body is signed correctly but is not a JSON event with a type and a job id. */
        MALFORMED_PAYLOAD,
        /** The body is a correctly signed event, but not one of the fine-tuning job's ends. */
        UNSUPPORTED_EVENT
    }

    /** What was wrong with the webhook. */
    private final Reason reason;

    /**
     * A refused webhook.
     *
     * @param reason what was wrong
     * @param message what was wrong in words, without the secret
     */
    public WebhookException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    // Factories, so that the service layer names only this exception class (the layering allows the root
    // package's exceptions, not their nested types).

    /**
     * {@return a refusal for a missing or blank header}
     *
     * @param message what was wrong, without the secret
     */
    public static WebhookException missingHeader(String message) {
        return new WebhookException(Reason.MISSING_HEADER, message);
    }

    /**
     * {@return a refusal for a signature that does not match}
     *
     * @param message what was wrong, without the secret
     */
    public static WebhookException badSignature(String message) {
        return new WebhookException(Reason.BAD_SIGNATURE, message);
    }

    /**
     * {@return a refusal for a timestamp that is not a number or is outside the tolerance}
     *
     * @param message what was wrong
     */
    public static WebhookException badTimestamp(String message) {
        return new WebhookException(Reason.BAD_TIMESTAMP, message);
    }

    /**
     * {@return a refusal for a signed body that is not an event this library reads}
     *
     * @param message what was wrong
     */
    public static WebhookException malformedPayload(String message) {
        return new WebhookException(Reason.MALFORMED_PAYLOAD, message);
    }

    /**
     * {@return a refusal for a correctly signed event that is not a fine-tuning job's end}
     *
     * @param message what it was
     */
    public static WebhookException unsupportedEvent(String message) {
        return new WebhookException(Reason.UNSUPPORTED_EVENT, message);
    }

    /** {@return what was wrong with the webhook} */
    public Reason reason() {
        return reason;
    }
}
