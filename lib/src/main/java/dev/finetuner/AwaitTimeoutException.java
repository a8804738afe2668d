package dev.finetuner;

import java.time.Duration;

/**
 * Waiting ended before what was waited for did (a job to end, a file to be processed); it goes on, and
 * can be awaited again.
 */
public class AwaitTimeoutException extends FineTunerException {
    /** The id of what was waited for. */
    private final String id;
    /** How long was waited. */
    private final Duration waited;
    /** The status when waiting stopped. */
    private final String lastStatus;

    /**
     * A wait for a fine-tuning job that timed out.
     *
     * @param jobId the job's id
     * @param waited how long was waited
     * @param lastStatus the job's status when waiting stopped
     */
    public AwaitTimeoutException(String jobId, Duration waited, String lastStatus) {
        this("fine-tuning job", jobId, waited, lastStatus, "await or follow it again, or cancel it");
    }

    /**
     * @param what what was waited for, e.g. {@code "file"}
     * @param id its id
     * @param waited how long was waited
     * @param lastStatus its status when waiting stopped
     * @param advice what the caller can do now
     */
    public AwaitTimeoutException(String what, String id, Duration waited, String lastStatus, String advice) {
        super(what + " " + id + " was still " + lastStatus + " after " + waited + "; it goes on: " + advice);
        this.id = id;
        this.waited = waited;
        this.lastStatus = lastStatus;
    }

    /** {@return the id of what was waited for (a job or a file)} */
    public String id() {
        return id;
    }

    /** {@return how long was waited} */
    public Duration waited() {
        return waited;
    }

    /** {@return the job's status when waiting stopped} */
    public String lastStatus() {
        return lastStatus;
    }
}
