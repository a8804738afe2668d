package dev.finetuner.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Waiter}'s wait ended, what the last attempt gave, how many attempts were made and how
 * long it took (on the waiter's {@link Timing}).
 *
 * @param outcome how it ended
 * @param last what the last attempt gave; empty when it was stopped before the first
 * @param attempts attempts made
 * @param elapsed from the start to the end of the wait
 * @param <T> the response type
 */
public record WaitResult<T>(Outcome outcome, Optional<ResponseOrException<T>> last, int attempts, Duration elapsed) {
    /** How a wait ended. */
    public enum Outcome {
        /** An acceptor said success. */
        SUCCESS,
        /** An acceptor said failure, or an attempt threw an exception no acceptor matched. */
        FAILURE,
        /** The timeout passed with the last attempt still saying "not yet". */
        TIMED_OUT,
        /** The stop condition became true. */
        STOPPED,
        /** The waiting thread was interrupted (its interrupt flag is set again). */
        INTERRUPTED
    }

    /**
     * Checks that the outcome, last attempt (maybe empty) and elapsed time are given.
     *
     * @param outcome how it ended
     * @param last what the last attempt gave; empty when it was stopped before the first
     * @param attempts attempts made
     * @param elapsed from the start to the end of the wait
     */
    public WaitResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(last, "last");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** {@return the last response, empty when there was none or the last attempt threw} */
    public Optional<T> response() {
        return last.flatMap(ResponseOrException::response);
    }

    /** {@return the exception the last attempt threw, if it did} */
    public Optional<RuntimeException> exception() {
        return last.flatMap(ResponseOrException::exception);
    }
}
