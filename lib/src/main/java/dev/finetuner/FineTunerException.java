package dev.finetuner;

/**
 * The root of every exception finetuner throws. Unchecked; the message says what happened, where,
 * and what to do, and never contains an API key.
 */
public class FineTunerException extends RuntimeException {
    public FineTunerException(String message) {
        super(message);
    }

    public FineTunerException(String message, Throwable cause) {
        super(message, cause);
    }
}
