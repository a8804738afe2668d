package dev.finetuner.service;

import dev.finetuner.FineTunerException;
import dev.finetuner.internal.PromptEndings;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;

import dev.finetuner.internal.Timing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Fine-tuning jobs: create (with an idempotency key, so a retried create never makes two jobs),
 * retrieve, list, cancel, pause, resume, checkpoints and event pages. Every call is retried by the
 * connection's {@link RetryPolicy} and fails with {@link dev.finetuner.ApiException}. Thread-safe.
 */
public final class JobsService {
    private static final Logger LOG = LoggerFactory.getLogger(JobsService.class);

    private final Backend backend;
    private final Calls calls;
    private final FollowOptions followOptions;
    private final Timing timing;

    private final FilesService files;

    JobsService(Backend backend, Calls calls, FollowOptions followOptions, Timing timing, FilesService files) {
        this.backend = backend;
        this.calls = calls;
        this.followOptions = followOptions;
        this.timing = timing;
        this.files = files;
    }

    /** The calls this service makes, and the connection's listener with them. */
    Calls calls() {
        return calls;
    }

    /** The largest training file read to find its prompt format (a completion model's files are small). */
    static final long MAX_FORMAT_READ_BYTES = 64L << 20;

    /**
     * Follows the job's events from just after {@code afterEventId} (null: from the first) to its end;
     * returns the final job. Blocks. See {@link JobFollower} for the async and iterator forms.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already seen, or null
     * @param listener hears the events, status changes, metrics and retries
     * @return the job as it ended
     */
    public Job follow(String jobId, String afterEventId, FollowListener listener) {
        return new JobFollower(this, followOptions, timing).follow(jobId, afterEventId, listener);
    }

    /**
     * Hands a verified webhook to {@code listener} as following the job would have: the job is retrieved
     * once (a retry reaches {@link FollowListener#onRetry}) and, when its status is not {@code from},
     * {@link FollowListener#onStatus onStatus(from, status, job)} is called, so one listener serves a
     * service that polls and one that takes webhooks. Pass the status the service last stored as
     * {@code from}: a repeated delivery, or an end the follower already reported, then calls nothing. The
     * retrieved job decides, not the webhook, in the rare case that it does not read as ended yet.
     *
     * <pre>{@code
     * WebhookEvent event = webhooks.verify(headers, body);
     * jobs.deliver(event, storedStatus(event.jobId()), listener);   // the listener the follower uses
     * }</pre>
     *
     * @param event a verified webhook ({@link Webhooks#verify})
     * @param from the job's status as last known, or null when not known
     * @param listener hears the change of status, and the retries of the retrieval
     * @return the job as retrieved
     * @throws dev.finetuner.ApiException when retrieving the job failed beyond the retry policy
     */
    public Job deliver(WebhookEvent event, JobStatus from, FollowListener listener) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(listener, "listener");
        Job job = retrieve(event.jobId(), listener::onRetry);
        if (!job.status().equals(from)) {
            LOG.info("fine-tuning job {} (webhook {}): {}", job.id(), event.id(),
                    from == null ? job.status() : from + " -> " + job.status());
            listener.onStatus(from, job.status(), job);
        }
        if (job.status().isTerminal()) {
            calls.jobEnded(job);
        }
        return job;
    }

    /**
     * Creates a job. The request's idempotency key is sent with every attempt.
     *
     * @param request the job to create
     * @return the job as created
     */
    public Job create(JobRequest request) {
        Objects.requireNonNull(request, "request");
        Job job = backend.createJob(withPromptFormat(request));
        LOG.info("created fine-tuning job {} on {} (training file {})", job.id(), job.model(), job.trainingFile());
        return job;
    }

    /**
     * A completion-model job with no prompt format in its metadata gets the one its training file was
     * written with, so that the model is later called as it was trained; a chat model needs none.
     */
    private JobRequest withPromptFormat(JobRequest r) {
        BaseModel base = BaseModel.named(r.model());
        boolean completionModel = base.known() && base.format() == ExampleFormat.COMPLETION;
        if (!completionModel || files == null || r.metadata().containsKey(PromptEndings.SEPARATOR_KEY)
                || r.metadata().size() > JobRequest.MAX_METADATA - 2) {
            return r;
        }
        try {
            FileInfo f = files.retrieve(r.trainingFile());
            if (f.bytes() > MAX_FORMAT_READ_BYTES) {
                LOG.info("training file {} is {} bytes: its prompt format is not read; set {} in the metadata",
                        f.id(), f.bytes(), PromptEndings.SEPARATOR_KEY);
                return r;
            }
            return PromptEndings.metadataOfJsonl(files.download(r.trainingFile())).map(r::withMetadata).orElse(r);
        } catch (FineTunerException e) {
            // the create goes on: the API itself says what is wrong with the file, if anything
            LOG.warn("could not read the prompt format of training file {}: {}", r.trainingFile(), e.getMessage());
            return r;
        }
    }

    /**
     * {@return the job as it is now}
     *
     * @param jobId the job's id
     */
    public Job retrieve(String jobId) {
        requireId(jobId);
        return backend.retrieveJob(jobId, null);
    }

    /** The job as it is now, telling {@code onRetry} of each retry. */
    Job retrieve(String jobId, Consumer<RetryEvent> onRetry) {
        return backend.retrieveJob(jobId, onRetry);
    }

    /** {@return every job of the organization, newest first, fetched page by page as the stream is consumed} */
    public Stream<Job> list() {
        return backend.listJobs();
    }

    /**
     * {@return the job that trained {@code modelId}, searched among the organization's jobs, newest first}
     *
     * @param modelId the fine-tuned model's id
     */
    public Optional<Job> findByModel(String modelId) {
        Objects.requireNonNull(modelId, "modelId");
        return backend.findByModel(modelId);
    }

    /**
     * Asks the API to cancel the job; returns it as the API answered.
     *
     * @param jobId the job's id
     * @return the job as the API answered, usually {@code cancelled}
     */
    public Job cancel(String jobId) {
        requireId(jobId);
        Job job = backend.cancelJob(jobId);
        LOG.info("cancel requested for fine-tuning job {}: now {}", jobId, job.status());
        return job;
    }

    /**
     * Pauses a running job (status {@code paused}); {@link #resume(String)} continues it.
     *
     * @param jobId the job's id
     * @return the job as the API answered
     */
    public Job pause(String jobId) {
        requireId(jobId);
        return backend.pauseJob(jobId);
    }

    /**
     * Resumes a paused job.
     *
     * @param jobId the job's id
     * @return the job as the API answered
     */
    public Job resume(String jobId) {
        requireId(jobId);
        return backend.resumeJob(jobId);
    }

    /**
     * {@return the job's checkpoints, newest first (all pages)}
     *
     * @param jobId the job's id
     */
    public List<Checkpoint> checkpoints(String jobId) {
        requireId(jobId);
        return backend.checkpoints(jobId);
    }

    /**
     * One page of the job's events, newest first: the newest {@code limit} when {@code after} is null,
     * else the {@code limit} events just older than the event {@code after}.
     *
     * @param jobId the job's id
     * @param after the id of the event to page back from, or null for the newest
     * @param limit how many events at most
     * @return the page, newest first
     */
    public EventPage events(String jobId, String after, int limit) {
        return events(jobId, after, limit, null);
    }

    EventPage events(String jobId, String after, int limit, Consumer<RetryEvent> onRetry) {
        requireId(jobId);
        if (limit < 1 || limit > 100) {
            throw new IllegalArgumentException("limit must be 1..100, was " + limit);
        }
        return backend.events(jobId, after, limit, onRetry);
    }

    /**
     * {@return every event of the job, oldest first (all pages, read now)}
     *
     * @param jobId the job's id
     */
    public List<JobEvent> allEvents(String jobId) {
        return eventsSince(jobId, null, 100, null, () -> { }).oldestFirst();
    }

    /**
     * The one way to page: the events newer than {@code lastId} (every event when null), oldest first,
     * read by paging back from the newest page until {@code lastId} is met or the pages end.
     *
     * @param beforeFirstRequest runs before the first page request (the follower's request budget): the
     *     pages after it hold events that already exist, and are read back to back
     */
    NewEvents eventsSince(String jobId, String lastId, int pageSize, Consumer<RetryEvent> onRetry,
                          Runnable beforeFirstRequest) {
        List<JobEvent> newestFirst = new ArrayList<>();
        String after = null;
        beforeFirstRequest.run();
        while (true) {
            EventPage page = events(jobId, after, pageSize, onRetry);
            for (JobEvent e : page.events()) {
                if (e.id().equals(lastId)) {
                    java.util.Collections.reverse(newestFirst);
                    return new NewEvents(newestFirst, true);
                }
                newestFirst.add(e);
            }
            if (!page.hasMore() || page.events().isEmpty()) {
                java.util.Collections.reverse(newestFirst);
                return new NewEvents(newestFirst, false);
            }
            after = page.events().get(page.events().size() - 1).id();
        }
    }

    /**
     * Events read by {@link #eventsSince}.
     *
     * @param oldestFirst the events newer than the cursor
     * @param cursorFound whether the cursor event was met (when not, the list holds every event)
     */
    record NewEvents(List<JobEvent> oldestFirst, boolean cursorFound) {
    }

    /**
     * A page of events.
     *
     * @param events newest first
     * @param hasMore whether older events exist beyond this page
     */
    public record EventPage(List<JobEvent> events, boolean hasMore) {
        /**
         * Keeps an unmodifiable copy of the events.
         *
         * @param events newest first
         * @param hasMore whether older events exist beyond this page
         */
        public EventPage {
            events = List.copyOf(events);
        }
    }

    private static void requireId(String id) {
        Objects.requireNonNull(id, "jobId");
        if (id.isBlank() || id.contains("/")) {
            throw new IllegalArgumentException("not a job id: \"" + id + "\"");
        }
    }
}
