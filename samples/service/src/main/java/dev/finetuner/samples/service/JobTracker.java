package dev.finetuner.samples.service;

import dev.finetuner.FineTuner;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RetryEvent;
import dev.finetuner.service.WebhookEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Follows the service's jobs in the background with the library's follower, each from the last event the
 * database holds, so a restarted service goes on exactly where it stopped; hears webhooks with the same
 * listener. Started after the context is ready (resuming every job not followed to its end), stopped before the
 * database closes: following stops without interrupting anyone (the follower notices a cancel within one poll),
 * so no write is cut in half.
 */
@Component
class JobTracker implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(JobTracker.class);

    private final FineTuner fineTuner;
    private final JobStore store;
    private final EventHub hub;
    private final ServiceSettings settings;
    private final Map<String, CompletableFuture<Job>> following = new ConcurrentHashMap<>();
    /** Polls every job followed, holding no thread while a job waits: two threads for any number of jobs. */
    private ScheduledExecutorService followers;
    private ScheduledExecutorService later;
    private volatile boolean running;

    JobTracker(FineTuner fineTuner, JobStore store, EventHub hub, ServiceSettings settings) {
        this.fineTuner = fineTuner;
        this.store = store;
        this.hub = hub;
        this.settings = settings;
    }

    @Override
    public void start() {
        java.util.concurrent.ScheduledThreadPoolExecutor pool = new java.util.concurrent.ScheduledThreadPoolExecutor(2, threads("follower-"));
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // at stop, a poll not yet due never runs
        followers = pool;
        later = Executors.newSingleThreadScheduledExecutor(threads("follow-retry-"));
        running = true;
        if (!settings.follow()) {
            LOG.info("following is off (finetuner.follow=false): jobs' ends come by webhook only");
            return;
        }
        for (JobStore.JobRow row : store.unfollowed()) {
            LOG.info("resuming fine-tuning job {} after event {}", row.id(),
                    row.lastEventId() == null ? "(none yet)" : row.lastEventId());
            follow(row.id());
        }
    }

    /** Follows a job the service just started, or resumes one, from the last event stored. */
    void follow(String jobId) {
        if (!running || !settings.follow()) {
            return;
        }
        CompletableFuture<Job> placeholder = new CompletableFuture<>();
        if (following.putIfAbsent(jobId, placeholder) != null) {
            return; // already followed: a second follower would hand every event over twice
        }
        // read once no other follower of this job can move the cursor
        String after = store.find(jobId).map(JobStore.JobRow::lastEventId).orElse(null);
        CompletableFuture<Job> future = fineTuner.connection().follower().followScheduled(jobId, after, listener(jobId), followers);
        following.replace(jobId, placeholder, future);
        future.whenComplete((job, failure) -> ended(jobId, job, failure, future));
    }

    private void ended(String jobId, Job job, Throwable failure, CompletableFuture<Job> future) {
        following.remove(jobId, future);
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause == null) {
            store.followed(job);
            hub.signal(jobId);
        } else if (!(cause instanceof CancellationException) && running) {
            LOG.warn("following fine-tuning job {} failed; resuming in {}: {}", jobId, settings.retryAfter(), cause.toString());
            try {
                later.schedule(() -> follow(jobId), settings.retryAfter().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                LOG.debug("not resuming {}: the service is stopping", jobId);
            }
        }
    }

    /**
     * Hears a verified webhook with the listener the follower uses: the job's change of status, once.
     *
     * @return the job as retrieved, or empty when this service did not start it
     */
    Optional<Job> webhook(WebhookEvent event) {
        Optional<JobStore.JobRow> row = store.find(event.jobId());
        if (row.isEmpty()) {
            return Optional.empty();
        }
        Job job = fineTuner.connection().jobs().deliver(event, JobStatus.of(row.get().status()), listener(event.jobId()));
        store.webhook(event.jobId(), event.id());
        if (!settings.follow() && job.status().isTerminal()) {
            store.followed(job); // nothing polls this job: the webhook was its end
        }
        hub.signal(event.jobId());
        return Optional.of(job);
    }

    /** The one listener of a job: what the follower and the webhooks tell goes to the database, then to streams. */
    private FollowListener listener(String jobId) {
        return new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                store.addEvent(jobId, event);
                hub.signal(jobId);
            }

            @Override
            public void onStatus(JobStatus from, JobStatus to, Job job) {
                store.status(job);
                hub.signal(jobId);
            }

            @Override
            public void onRetry(RetryEvent retry) {
                LOG.warn("fine-tuning job {}: {} failed (attempt {}), retrying in {}", jobId, retry.operation(),
                        retry.attempt(), retry.delay());
            }
        };
    }

    /** {@return whether this instance follows the job now} */
    boolean isFollowing(String jobId) {
        return following.containsKey(jobId);
    }

    @Override
    public void stop() {
        running = false;
        later.shutdownNow();
        following.values().forEach(f -> f.cancel(false));
        followers.shutdown();
        try {
            if (!followers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("some followers did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        following.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
