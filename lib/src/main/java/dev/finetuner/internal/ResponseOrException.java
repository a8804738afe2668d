package dev.finetuner.internal;

import java.util.Objects;
import java.util.Optional;

/**
 * What one attempt of a {@link Waiter} gave: a response or the exception it threw, never both.
 *
 * @param <T> the response type
 */
public final class ResponseOrException<T> {
    private final T response;
    private final RuntimeException exception;

    private ResponseOrException(T response, RuntimeException exception) {
        this.response = response;
        this.exception = exception;
    }

    /**
     * {@return an attempt that answered (null is an answer too)}
     *
     * @param <T> the response type
     * @param response what the attempt returned
     */
    public static <T> ResponseOrException<T> ofResponse(T response) {
        return new ResponseOrException<>(response, null);
    }

    /**
     * {@return an attempt that threw}
     *
     * @param <T> the response type
     * @param exception what the attempt threw
     */
    public static <T> ResponseOrException<T> ofException(RuntimeException exception) {
        return new ResponseOrException<>(null, Objects.requireNonNull(exception, "exception"));
    }

    /** {@return the response, empty when the attempt threw (or answered null)} */
    public Optional<T> response() {
        return Optional.ofNullable(response);
    }

    /** {@return the exception, empty when the attempt answered} */
    public Optional<RuntimeException> exception() {
        return Optional.ofNullable(exception);
    }

    /** {@return the response, or the exception thrown} */
    public T orThrow() {
        if (exception != null) {
            throw exception;
        }
        return response;
    }

    @Override
    public String toString() {
        return exception != null ? "exception " + exception : "response " + response;
    }
}
