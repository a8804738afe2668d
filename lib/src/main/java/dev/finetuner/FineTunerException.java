package dev.finetuner;

/**
 * The root of every exception finetuner throws. Unchecked; the message says what happened, where,
 * and what to do, and never contains an API key.
 */
public class FineTunerException extends RuntimeException {
    /**
     * An exception with a message that says what happened, where, and what to do.
     *
     * @param message what happened, where, and what to do
     */
    public FineTunerException(String message) {
        super(message);
    }

    /**
     * The same, keeping the exception that caused it.
     *
     * @param message what happened, where, and what to do
     * @param cause the exception that caused it
     */
    public FineTunerException(String message, Throwable cause) {
        super(message, cause);
    }
}
