package dev.finetuner.service;

import java.time.Instant;
import java.util.Objects;

/**
 * A verified fine-tuning webhook ({@link Webhooks#verify}): the event's id (the same on every delivery of
 * it, so a service can drop repeats), its type, the job it is about, when it happened, and the job's
 * terminal status. Retrieve the job for the rest, e.g. with {@code FineTuner.outcome(event)}.
 *
 * @param id the event id, e.g. {@code evt_abc}; also the {@code webhook-id} header
 * @param type e.g. {@code fine_tuning.job.succeeded}
 * @param jobId the job, e.g. {@code ftjob-abc}
 * @param createdAt when the event happened
 * @param status the status the job ended with: succeeded, failed or cancelled
 */
public record WebhookEvent(String id, String type, String jobId, Instant createdAt, JobStatus status) {
    /** The type sent when a job succeeded. */
    public static final String SUCCEEDED = "fine_tuning.job.succeeded";
    /** The type sent when a job failed. */
    public static final String FAILED = "fine_tuning.job.failed";
    /** The type sent when a job was cancelled. */
    public static final String CANCELLED = "fine_tuning.job.cancelled";

    /**
     * Checks that every component is given and that the status is terminal.
     *
     * @param id the event id, e.g. {@code evt_abc}; also the {@code webhook-id} header
     * @param type e.g. {@code fine_tuning.job.succeeded}
     * @param jobId the job, e.g. {@code ftjob-abc}
     * @param createdAt when the event happened
     * @param status the status the job ended with: succeeded, failed or cancelled
     */
    public WebhookEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(status, "status");
        if (!status.isTerminal()) {
            throw new IllegalArgumentException("a job's webhook is about its end, status was " + status);
        }
    }

    /**
     * {@return the job status a fine-tuning webhook type stands for, or null for any other type}
     *
     * @param type the event type, e.g. {@code fine_tuning.job.failed}
     */
    static JobStatus statusOf(String type) {
        return switch (type) {
            case SUCCEEDED -> JobStatus.SUCCEEDED;
            case FAILED -> JobStatus.FAILED;
            case CANCELLED -> JobStatus.CANCELLED;
            default -> null;
        };
    }
}
