package dev.finetuner;

import dev.finetuner.service.Job;
import dev.finetuner.service.JobError;
import dev.finetuner.service.JobStatus;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How waiting for a fine-tuning job ended ({@link FineTuneJob#awaitOutcome}): it succeeded with a model,
 * failed with its error, was cancelled, or the timeout came first and the job goes on. Each names the job
 * as last seen, how many times it was polled and how long the wait took.
 *
 * <pre>{@code
 * JobOutcome outcome = job.awaitOutcome(Duration.ofHours(6));
 * if (outcome instanceof JobOutcome.Succeeded s) {
 *     deploy(s.model());
 * } else if (outcome instanceof JobOutcome.Failed f) {
 *     log.error("{} failed: {}", outcome.jobId(), f.error());
 * }
 * log.info("{} polls in {}", outcome.polls(), outcome.elapsed());
 * }</pre>
 */
public sealed interface JobOutcome {
    /** {@return the job as the last poll saw it} */
    Job job();

    /** {@return how many times the job was retrieved while waiting} */
    int polls();

    /** {@return how long the wait took} */
    Duration elapsed();

    /** {@return the job's id, e.g. {@code ftjob-abc}} */
    default String jobId() {
        return job().id();
    }

    /**
     * The job succeeded.
     *
     * @param model the trained model, called with the job's prompt format
     */
    record Succeeded(TrainedModel model, Job job, int polls, Duration elapsed) implements JobOutcome {
        /**
         * Checks that the model, job and elapsed time are given and that the job was polled at least once.
         *
         * @param model the trained model, called with the job's prompt format
         * @param job the job as the last poll saw it
         * @param polls how many times the job was retrieved while waiting (at least 1)
         * @param elapsed how long the wait took
         */
        public Succeeded {
            Objects.requireNonNull(model, "model");
            requireValid(job, polls, elapsed);
        }
    }

    /**
     * The job failed (or ended without a model).
     *
     * @param error the job's error, as the API gave it; empty when it gave none
     */
    record Failed(Optional<JobError> error, Job job, int polls, Duration elapsed) implements JobOutcome {
        /**
         * Checks that the error (maybe empty), job and elapsed time are given and that the job was polled at
         * least once.
         *
         * @param error the job's error, as the API gave it; empty when it gave none
         * @param job the job as the last poll saw it
         * @param polls how many times the job was retrieved while waiting (at least 1)
         * @param elapsed how long the wait took
         */
        public Failed {
            Objects.requireNonNull(error, "error");
            requireValid(job, polls, elapsed);
        }
    }

    /** The job was cancelled. */
    record Cancelled(Job job, int polls, Duration elapsed) implements JobOutcome {
        /**
         * Checks that the job and elapsed time are given and that the job was polled at least once.
         *
         * @param job the job as the last poll saw it
         * @param polls how many times the job was retrieved while waiting (at least 1)
         * @param elapsed how long the wait took
         */
        public Cancelled {
            requireValid(job, polls, elapsed);
        }
    }

    /** The timeout came before the job ended; it goes on, and can be awaited again. */
    record TimedOut(Job job, int polls, Duration elapsed) implements JobOutcome {
        /**
         * Checks that the job and elapsed time are given and that the job was polled at least once.
         *
         * @param job the job as the last poll saw it
         * @param polls how many times the job was retrieved while waiting (at least 1)
         * @param elapsed how long the wait took
         */
        public TimedOut {
            requireValid(job, polls, elapsed);
        }

        /** {@return the job's status when waiting stopped} */
        public JobStatus lastStatus() {
            return job.status();
        }
    }

    private static void requireValid(Job job, int polls, Duration elapsed) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(elapsed, "elapsed");
        if (polls < 1) {
            throw new IllegalArgumentException("an outcome follows at least one poll, was " + polls);
        }
    }
}
