package dev.finetuner.service;

import java.time.Instant;
import java.util.Objects;

/**
 * A model saved during training (the API keeps the last few epochs'), usable like the final model.
 *
 * @param id e.g. {@code ftckpt-abc}
 * @param jobId the job it belongs to
 * @param model the checkpoint's model id, callable for completions
 * @param step the training step it was taken at
 * @param createdAt when
 * @param metrics the losses and accuracies at that step
 */
public record Checkpoint(String id, String jobId, String model, long step, Instant createdAt, JobEvent.Metrics metrics) {
    /**
     * Checks that every component is given.
     *
     * @param id e.g. {@code ftckpt-abc}
     * @param jobId the job it belongs to
     * @param model the checkpoint's model id, callable for completions
     * @param step the training step it was taken at
     * @param createdAt when
     * @param metrics the losses and accuracies at that step
     */
    public Checkpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(metrics, "metrics");
    }
}
