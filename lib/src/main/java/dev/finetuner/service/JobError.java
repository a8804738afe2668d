package dev.finetuner.service;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a job failed, as the API says it.
 *
 * @param code e.g. {@code invalid_training_file}
 * @param message what went wrong
 * @param param the parameter at fault, e.g. {@code training_file}
 */
public record JobError(String code, String message, Optional<String> param) {
    /**
     * Checks that every component is given (an empty {@code Optional}, never null).
     *
     * @param code e.g. {@code invalid_training_file}
     * @param message what went wrong
     * @param param the parameter at fault, e.g. {@code training_file}
     */
    public JobError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(param, "param");
    }
}
