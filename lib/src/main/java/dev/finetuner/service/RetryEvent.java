package dev.finetuner.service;

import dev.finetuner.ApiException;

import java.time.Duration;
import java.util.Objects;

/**
 * A failed attempt that will be tried again.
 *
 * @param operation what was being done, e.g. {@code list events of ftjob-abc}
 * @param attempt the attempt that failed, from 1
 * @param delay how long before the next attempt
 * @param cause why it failed
 */
public record RetryEvent(String operation, int attempt, Duration delay, ApiException cause) {
    /**
     * Checks that every component is given.
     *
     * @param operation what was being done, e.g. {@code list events of ftjob-abc}
     * @param attempt the attempt that failed, from 1
     * @param delay how long before the next attempt
     * @param cause why it failed
     */
    public RetryEvent {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(cause, "cause");
    }
}
