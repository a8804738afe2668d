package dev.finetuner;

import dev.finetuner.completion.PromptFormat;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowResult;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A running (or finished) fine-tuning job: follow its events, wait for its model, cancel, pause or
 * resume it. Reattach to one by id with {@link FineTuner#job(String)}. Following resumes after the last
 * event this object delivered, so calling {@code follow} again never repeats an event.
 */
public final class FineTuneJob {
    private final FineTuner fineTuner;
    private final String id;
    private final PromptFormat format;
    private volatile Job last;
    private volatile String lastEventId;

    FineTuneJob(FineTuner fineTuner, Job job, PromptFormat format) {
        this.fineTuner = fineTuner;
        this.id = job.id();
        this.last = job;
        this.format = format;
    }

    /** {@return the job id, e.g. {@code ftjob-abc}} */
    public String id() {
        return id;
    }

    /** {@return the job as last seen (no request)} */
    public Job job() {
        return last;
    }

    /** {@return the job's status now (one request)} */
    public JobStatus status() {
        last = fineTuner.connection().jobs().retrieve(id);
        return last.status();
    }

    /** {@return the prompt format the model will be called with} */
    public PromptFormat format() {
        return format;
    }

    /**
     * Follows the job's events (from after the last one this object delivered) to its end; blocks.
     *
     * @param listener hears the events, status changes, metrics and retries
     * @return the job as it ended
     */
    public Job follow(FollowListener listener) {
        Objects.requireNonNull(listener, "listener");
        last = fineTuner.connection().follower().follow(id, lastEventId, tracking(listener));
        return last;
    }

    /**
     * {@code listener}, then this object's own bookkeeping (the last event delivered, the job as last
     * seen), through {@link FollowListener#all}, which forwards every callback: none can be dropped here.
     */
    FollowListener tracking(FollowListener listener) {
        return FollowListener.all(listener, new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                lastEventId = event.id();
            }

            @Override
            public void onStatus(JobStatus from, JobStatus to, Job job) {
                last = job;
            }
        });
    }

    /**
     * Waits, on the calling thread, for the job to end or for {@code timeout} to pass, following it
     * quietly (from after the last event this object delivered). The job is polled once more when the
     * timeout ends. A timeout is an outcome, not an exception: the job goes on, and can be awaited again.
     *
     * @param timeout the longest wait
     * @return how the wait ended: succeeded, failed, cancelled or timed out
     * @throws ApiException when polling failed beyond the retry policy
     * @throws FineTunerException when the thread was interrupted (its flag stays set; the job goes on)
     */
    public JobOutcome awaitOutcome(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        FollowResult r = fineTuner.connection().follower().follow(id, lastEventId, tracking(FollowListener.NONE), timeout);
        Job job = r.job();
        last = job;
        if (!r.ended()) {
            return new JobOutcome.TimedOut(job, r.polls(), r.elapsed());
        }
        return endedOutcome(job, r.polls(), r.elapsed());
    }

    /**
     * The outcome of a job that has ended (a terminal status): its model, its error or its cancellation.
     * Shared by {@link #awaitOutcome} and {@link FineTuner#outcome}, so a webhook and a wait agree.
     */
    JobOutcome endedOutcome(Job job, int polls, Duration elapsed) {
        last = job;
        if (job.status().equals(JobStatus.CANCELLED)) {
            return new JobOutcome.Cancelled(job, polls, elapsed);
        }
        return modelOf(job).<JobOutcome>map(m -> new JobOutcome.Succeeded(m, job, polls, elapsed))
                .orElseGet(() -> new JobOutcome.Failed(job.error(), job, polls, elapsed));
    }

    /**
     * Waits, on the calling thread, for the job's model: {@link #awaitOutcome} with the outcomes other
     * than success as exceptions.
     *
     * @param timeout the longest wait
     * @return the trained model
     * @throws JobFailedException when it failed or was cancelled
     * @throws AwaitTimeoutException when it has not ended within {@code timeout} (it goes on)
     */
    public TrainedModel await(Duration timeout) {
        JobOutcome outcome = awaitOutcome(timeout);
        if (outcome instanceof JobOutcome.Succeeded s) {
            return s.model();
        }
        if (outcome instanceof JobOutcome.TimedOut t) {
            throw new AwaitTimeoutException(id, timeout, t.lastStatus().asString());
        }
        throw failure(outcome.job());
    }

    /**
     * Waits on the fine-tuner's executor; the future completes with the model or fails as {@link #await} does.
     *
     * @return a future of the trained model
     */
    public CompletableFuture<TrainedModel> awaitAsync() {
        return awaitAsync(fineTuner.executor());
    }

    /**
     * Waits on {@code executor}; the future completes with the model or fails as {@link #await} does.
     * Cancelling it stops the polling.
     *
     * @param executor where the waiting runs
     * @return a future of the trained model
     */
    public CompletableFuture<TrainedModel> awaitAsync(Executor executor) {
        return fineTuner.connection().follower().followAsync(id, lastEventId, tracking(FollowListener.NONE), executor)
                .thenApply(job -> {
                    last = job;
                    return modelOf(job).orElseThrow(() -> failure(job));
                });
    }

    /** The model of a job that succeeded with one. */
    private Optional<TrainedModel> modelOf(Job job) {
        return job.status().equals(JobStatus.SUCCEEDED)
                ? job.fineTunedModel().map(m -> new TrainedModel(fineTuner, m, format, Optional.of(job)))
                : Optional.empty();
    }

    /** Why an ended job has no model. */
    private JobFailedException failure(Job job) {
        if (job.status().equals(JobStatus.CANCELLED)) {
            return new JobFailedException(id, "cancelled", "the job was cancelled", null);
        }
        return job.error().map(e -> new JobFailedException(id, e.code(), e.message(), e.param().orElse(null)))
                .orElseGet(() -> new JobFailedException(id, null, "the job ended as " + job.status()
                        + " without a model", null));
    }

    /**
     * The job's training curves: from its result file once it has one, else from its metric events so far.
     *
     * @return the training curves so far
     */
    public TrainingMetrics metrics() {
        return metricsOf(fineTuner, fineTuner.connection().jobs().retrieve(id));
    }

    static TrainingMetrics metricsOf(FineTuner fineTuner, Job job) {
        if (!job.resultFiles().isEmpty()) {
            return TrainingMetrics.fromResultFile(fineTuner.connection().files().download(job.resultFiles().get(0)));
        }
        return TrainingMetrics.fromEvents(fineTuner.connection().jobs().allEvents(job.id()));
    }

    /**
     * Asks the API to cancel the job.
     *
     * @return the job as the API answered
     */
    public Job cancel() {
        last = fineTuner.connection().jobs().cancel(id);
        return last;
    }

    /**
     * Pauses the job.
     *
     * @return the job as the API answered
     */
    public Job pause() {
        last = fineTuner.connection().jobs().pause(id);
        return last;
    }

    /**
     * Resumes a paused job.
     *
     * @return the job as the API answered
     */
    public Job resume() {
        last = fineTuner.connection().jobs().resume(id);
        return last;
    }

    @Override
    public String toString() {
        return "FineTuneJob[" + id + ", " + last.status() + "]";
    }
}
