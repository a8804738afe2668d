package dev.finetuner.service;

import java.time.Duration;
import java.util.Objects;

/**
 * How a follow with a timeout ended ({@link JobFollower#follow(String, String, FollowListener, Duration)}).
 *
 * @param job the job as it ended, or, when the timeout came first, as the last poll saw it
 * @param polls how many times the job was retrieved
 * @param elapsed how long the follow took
 */
public record FollowResult(Job job, int polls, Duration elapsed) {
    /**
     * Checks that the job and elapsed time are given.
     *
     * @param job the job as it ended, or, when the timeout came first, as the last poll saw it
     * @param polls how many times the job was retrieved
     * @param elapsed how long the follow took
     */
    public FollowResult {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** {@return whether the job ended (succeeded, failed or was cancelled); false when the timeout came first} */
    public boolean ended() {
        return job.status().isTerminal();
    }
}
