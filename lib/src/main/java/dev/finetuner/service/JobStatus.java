package dev.finetuner.service;

import java.util.Map;
import java.util.Objects;

/**
 * A fine-tuning job's status: an open value class, so a status the API adds later is kept as it came
 * ({@link #asString()}), reads as {@link Value#_UNKNOWN} and counts as not finished.
 */
public final class JobStatus {
    /** The files are being validated. */
    public static final JobStatus VALIDATING_FILES = new JobStatus("validating_files", Value.VALIDATING_FILES);
    /** Waiting to start. */
    public static final JobStatus QUEUED = new JobStatus("queued", Value.QUEUED);
    /** Training. */
    public static final JobStatus RUNNING = new JobStatus("running", Value.RUNNING);
    /** Paused; {@code resume} continues it. */
    public static final JobStatus PAUSED = new JobStatus("paused", Value.PAUSED);
    /** Ended with a fine-tuned model. */
    public static final JobStatus SUCCEEDED = new JobStatus("succeeded", Value.SUCCEEDED);
    /** Ended with an error. */
    public static final JobStatus FAILED = new JobStatus("failed", Value.FAILED);
    /** Cancelled before it ended. */
    public static final JobStatus CANCELLED = new JobStatus("cancelled", Value.CANCELLED);

    private static final Map<String, JobStatus> KNOWN = Map.of(
            "validating_files", VALIDATING_FILES, "queued", QUEUED, "running", RUNNING, "paused", PAUSED,
            "succeeded", SUCCEEDED, "failed", FAILED, "cancelled", CANCELLED);

    /** The statuses this version knows, and {@code _UNKNOWN} for any other. */
    public enum Value {
        /** The files are being validated. */
        VALIDATING_FILES,
        /** Waiting to start. */
        QUEUED,
        /** Training. */
        RUNNING,
        /** Paused; {@code resume} continues it. */
        PAUSED,
        /** Ended with a fine-tuned model. */
        SUCCEEDED,
        /** Ended with an error. */
        FAILED,
        /** Cancelled before it ended. */
        CANCELLED,
        /** A status this version does not know. */
        _UNKNOWN
    }

    private final String raw;
    private final Value value;

    private JobStatus(String raw, Value value) {
        this.raw = raw;
        this.value = value;
    }

    /**
     * {@return the status for a value the API sent; unknown values are kept}
     *
     * @param raw the status as the API sent it, e.g. {@code running}
     */
    public static JobStatus of(String raw) {
        Objects.requireNonNull(raw, "status");
        JobStatus known = KNOWN.get(raw); // exact: asString() is what the API sent
        return known != null ? known : new JobStatus(raw, Value._UNKNOWN);
    }

    /** {@return the known value, or {@link Value#_UNKNOWN}} */
    public Value value() {
        return value;
    }

    /** {@return the status exactly as the API sent it} */
    public String asString() {
        return raw;
    }

    /** {@return true for succeeded, failed and cancelled: nothing more will happen. Unknown statuses are not terminal} */
    public boolean isTerminal() {
        return value == Value.SUCCEEDED || value == Value.FAILED || value == Value.CANCELLED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobStatus s && s.raw.equals(raw);
    }

    @Override
    public int hashCode() {
        return raw.hashCode();
    }

    @Override
    public String toString() {
        return raw;
    }
}
