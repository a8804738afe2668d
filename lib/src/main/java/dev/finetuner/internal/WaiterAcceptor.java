package dev.finetuner.internal;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Maps what an attempt gave (a response or an exception) to what the {@link Waiter} does next, as the
 * AWS SDK v2's {@code WaiterAcceptor}: the first acceptor that matches decides; an unmatched response
 * means try again, an unmatched exception ends the wait with it.
 *
 * @param <T> the response type
 */
public interface WaiterAcceptor<T> {
    /** What a match means. */
    enum State {
        /** Done: what was waited for happened. */
        SUCCESS,
        /** Done: it will not happen. */
        FAILURE,
        /** Not yet: wait and try again. */
        RETRY
    }

    /** {@return what a match means} */
    State state();

    /**
     * {@return whether this acceptor decides on {@code response}}
     *
     * @param response what the attempt returned
     */
    default boolean matches(T response) {
        return false;
    }

    /**
     * {@return whether this acceptor decides on {@code exception}}
     *
     * @param exception what the attempt threw
     */
    default boolean matches(RuntimeException exception) {
        return false;
    }

    /**
     * Success when a response passes {@code test}.
     *
     * @param <T> the response type
     * @param test true for a response that means success
     * @return the acceptor
     */
    static <T> WaiterAcceptor<T> successOn(Predicate<? super T> test) {
        return onResponse(State.SUCCESS, test);
    }

    /**
     * Failure when a response passes {@code test}.
     *
     * @param <T> the response type
     * @param test true for a response that means failure
     * @return the acceptor
     */
    static <T> WaiterAcceptor<T> failureOn(Predicate<? super T> test) {
        return onResponse(State.FAILURE, test);
    }

    /**
     * Try again when an attempt throws an exception that passes {@code test}.
     *
     * @param <T> the response type
     * @param test true for an exception worth trying again after
     * @return the acceptor
     */
    static <T> WaiterAcceptor<T> retryOnException(Predicate<? super RuntimeException> test) {
        Objects.requireNonNull(test, "test");
        return new WaiterAcceptor<>() {
            @Override
            public State state() {
                return State.RETRY;
            }

            @Override
            public boolean matches(RuntimeException exception) {
                return test.test(exception);
            }
        };
    }

    private static <T> WaiterAcceptor<T> onResponse(State state, Predicate<? super T> test) {
        Objects.requireNonNull(test, "test");
        return new WaiterAcceptor<>() {
            @Override
            public State state() {
                return state;
            }

            @Override
            public boolean matches(T response) {
                return test.test(response);
            }
        };
    }
}
