package dev.finetuner.service;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One event of a fine-tuning job: a message, or a metrics event with typed {@link #metrics()}.
 *
 * @param id e.g. {@code ftevent-abc}; the cursor to resume following after
 * @param createdAt when it happened
 * @param level {@code info}, {@code warn} or {@code error} (kept as sent)
 * @param message the text, e.g. "Step 12/100: training loss=0.42"
 * @param type {@code message} or {@code metrics} (kept as sent), if given
 * @param metrics the metric values of a metrics event
 */
public record JobEvent(String id, Instant createdAt, String level, String message, Optional<String> type,
                       Optional<Metrics> metrics) {
    /**
     * Checks that every component is given (an empty {@code Optional}, never null).
     *
     * @param id e.g. {@code ftevent-abc}; the cursor to resume following after
     * @param createdAt when it happened
     * @param level {@code info}, {@code warn} or {@code error} (kept as sent)
     * @param message the text, e.g. "Step 12/100: training loss=0.42"
     * @param type {@code message} or {@code metrics} (kept as sent), if given
     * @param metrics the metric values of a metrics event
     */
    public JobEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Training metrics at a step; each value is empty when the event did not carry it.
     *
     * @param step the step
     * @param totalSteps the steps the job will take
     * @param trainLoss the training loss of the step's batch
     * @param trainMeanTokenAccuracy the token accuracy on that batch
     * @param validLoss the loss on a validation batch
     * @param validMeanTokenAccuracy the token accuracy on that batch
     * @param fullValidLoss the loss on the whole validation file (at epoch ends)
     * @param fullValidMeanTokenAccuracy the token accuracy on the whole validation file
     */
    public record Metrics(OptionalLong step, OptionalLong totalSteps, OptionalDouble trainLoss,
                          OptionalDouble trainMeanTokenAccuracy, OptionalDouble validLoss,
                          OptionalDouble validMeanTokenAccuracy, OptionalDouble fullValidLoss,
                          OptionalDouble fullValidMeanTokenAccuracy) {
        /**
         * Checks that every component is given (an empty {@code Optional}, never null).
         *
         * @param step the step
         * @param totalSteps the steps the job will take
         * @param trainLoss the training loss of the step's batch
         * @param trainMeanTokenAccuracy the token accuracy on that batch
         * @param validLoss the loss on a validation batch
         * @param validMeanTokenAccuracy the token accuracy on that batch
         * @param fullValidLoss the loss on the whole validation file (at epoch ends)
         * @param fullValidMeanTokenAccuracy the token accuracy on the whole validation file
         */
        public Metrics {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(totalSteps, "totalSteps");
            Objects.requireNonNull(trainLoss, "trainLoss");
            Objects.requireNonNull(trainMeanTokenAccuracy, "trainMeanTokenAccuracy");
            Objects.requireNonNull(validLoss, "validLoss");
            Objects.requireNonNull(validMeanTokenAccuracy, "validMeanTokenAccuracy");
            Objects.requireNonNull(fullValidLoss, "fullValidLoss");
            Objects.requireNonNull(fullValidMeanTokenAccuracy, "fullValidMeanTokenAccuracy");
        }
    }
}
