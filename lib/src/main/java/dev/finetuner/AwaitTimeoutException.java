package dev.finetuner;

import java.time.Duration;

/** Waiting for a job ended before the job did; the job goes on, and can be awaited or followed again. */
public class AwaitTimeoutException extends FineTunerException {
    private final String jobId;
    private final Duration waited;
    private final String lastStatus;

    public AwaitTimeoutException(String jobId, Duration waited, String lastStatus) {
        super("fine-tuning job " + jobId + " was still " + lastStatus + " after " + waited
                + "; it goes on: await or follow it again, or cancel it");
        this.jobId = jobId;
        this.waited = waited;
        this.lastStatus = lastStatus;
    }

    /** The job waited for. */
    public String jobId() {
        return jobId;
    }

    /** How long was waited. */
    public Duration waited() {
        return waited;
    }

    /** The job's status when waiting stopped. */
    public String lastStatus() {
        return lastStatus;
    }
}
