package dev.finetuner;

import dev.finetuner.completion.PromptFormat;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /** The job id, e.g. {@code ftjob-abc}. */
    public String id() {
        return id;
    }

    /** The job as last seen (no request). */
    public Job job() {
        return last;
    }

    /** The job's status now (one request). */
    public JobStatus status() {
        last = fineTuner.connection().jobs().retrieve(id);
        return last.status();
    }

    /** The prompt format the model will be called with. */
    public PromptFormat format() {
        return format;
    }

    /** Follows the job's events (from after the last one this object delivered) to its end; blocks. */
    public Job follow(FollowListener listener) {
        Objects.requireNonNull(listener, "listener");
        last = fineTuner.connection().follower().follow(id, lastEventId, tracking(listener));
        return last;
    }

    private FollowListener tracking(FollowListener listener) {
        return new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                listener.onEvent(event);
                lastEventId = event.id();
            }

            @Override
            public void onStatus(JobStatus from, JobStatus to, Job job) {
                last = job;
                listener.onStatus(from, to, job);
            }

            @Override
            public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
                listener.onMetrics(metrics, event);
            }

            @Override
            public void onRetry(dev.finetuner.service.RetryEvent retry) {
                listener.onRetry(retry);
            }
        };
    }

    /**
     * Waits for the job to end, following it quietly.
     *
     * @throws JobFailedException when it failed or was cancelled
     * @throws AwaitTimeoutException when it has not ended within {@code timeout} (it goes on)
     */
    public TrainedModel await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "finetuner-await-" + id);
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<Job> future = fineTuner.connection().follower()
                .followAsync(id, lastEventId, tracking(FollowListener.NONE), thread);
        try {
            return modelOf(future.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AwaitTimeoutException(id, timeout, last.status().asString());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new FineTunerException("waiting for job " + id + " was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new FineTunerException(e.getCause().toString(), e);
        } finally {
            thread.shutdownNow();
        }
    }

    /** Waits on the fine-tuner's executor; the future completes with the model or fails as {@link #await} does. */
    public CompletableFuture<TrainedModel> awaitAsync() {
        return awaitAsync(fineTuner.executor());
    }

    /** Waits on {@code executor}; the future completes with the model or fails as {@link #await} does. */
    public CompletableFuture<TrainedModel> awaitAsync(Executor executor) {
        return fineTuner.connection().follower().followAsync(id, lastEventId, tracking(FollowListener.NONE), executor)
                .thenApply(this::modelOf);
    }

    private TrainedModel modelOf(Job job) {
        last = job;
        if (job.status().equals(JobStatus.SUCCEEDED) && job.fineTunedModel().isPresent()) {
            return new TrainedModel(fineTuner, job.fineTunedModel().get(), format, java.util.Optional.of(job));
        }
        if (job.status().equals(JobStatus.CANCELLED)) {
            throw new JobFailedException(id, "cancelled", "the job was cancelled", null);
        }
        throw job.error().map(e -> new JobFailedException(id, e.code(), e.message(), e.param().orElse(null)))
                .orElseGet(() -> new JobFailedException(id, null, "the job ended as " + job.status()
                        + " without a model", null));
    }

    /**
     * The job's training curves: from its result file once it has one, else from its metric events so far.
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

    /** Asks the API to cancel the job. */
    public Job cancel() {
        last = fineTuner.connection().jobs().cancel(id);
        return last;
    }

    /** Pauses the job. */
    public Job pause() {
        last = fineTuner.connection().jobs().pause(id);
        return last;
    }

    /** Resumes a paused job. */
    public Job resume() {
        last = fineTuner.connection().jobs().resume(id);
        return last;
    }

    @Override
    public String toString() {
        return "FineTuneJob[" + id + ", " + last.status() + "]";
    }
}
