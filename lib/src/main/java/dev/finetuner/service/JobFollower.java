package dev.finetuner.service;

import dev.finetuner.FineTunerException;
import dev.finetuner.internal.RequestBudget;
import dev.finetuner.internal.Timing;
import dev.finetuner.internal.WaitResult;
import dev.finetuner.internal.Waiter;
import dev.finetuner.internal.WaiterAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Follows a job's events to its end. The API lists events newest first, pages back in time with
 * {@code after}, and pushes nothing; the follower polls, pages back to the last event it delivered,
 * and hands every event over exactly once, oldest first, deduplicated by id. It survives dropped
 * connections, 5xx and 429 through the {@link RetryPolicy}, polls faster while the job runs than
 * while it waits, keeps to a request budget, and returns the final job when the job succeeds, fails
 * or is cancelled.
 *
 * <p>After each change of status the first polls come quickly ({@link #FIRST_INTERVAL}, then twice as
 * long each time up to the status's interval), so a job that ends in seconds is seen ending at once,
 * while a long job costs no more requests. Events that already exist are read back to back: the
 * request budget spaces polls of a job with nothing new, never the catching up on pages of events.
 *
 * <p>It resumes: {@code follow(jobId, lastEventId, listener)} continues after the last event a
 * previous run saw, which the legacy CLI could only answer with "Stream interrupted".
 *
 * <pre>{@code
 * Job done = follower.follow(job.id(), FollowListener.of(e -> log.info("{}", e.message())));
 * }</pre>
 */
public final class JobFollower {
    private static final Logger LOG = LoggerFactory.getLogger(JobFollower.class);
    /** Event ids remembered to deduplicate; older ones are guarded by the paging cursor. */
    private static final int REMEMBERED_IDS = 10_000;
    /** The requests of one poll without paging: the newest events page and the job. */
    private static final int REQUESTS_PER_POLL = 2;
    /** The pause after the first poll of each status; it doubles up to the status's interval. */
    public static final Duration FIRST_INTERVAL = Duration.ofMillis(250);

    private final JobsService jobs;
    private final FollowOptions options;
    private final Timing timing;

    JobFollower(JobsService jobs, FollowOptions options, Timing timing) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.options = Objects.requireNonNull(options, "options");
        this.timing = Objects.requireNonNull(timing, "timing");
    }

    /**
     * A follower with other options, sharing the connection.
     *
     * @param newOptions the options to poll with
     * @return the new follower
     */
    public JobFollower withOptions(FollowOptions newOptions) {
        return new JobFollower(jobs, newOptions, timing);
    }

    /** {@return the options this follower polls with} */
    public FollowOptions options() {
        return options;
    }

    /**
     * Follows from the job's first event to its end; returns the final job. Blocks.
     *
     * @param jobId the job's id
     * @param listener hears the events, status changes, metrics and retries
     * @return the job as it ended
     */
    public Job follow(String jobId, FollowListener listener) {
        return follow(jobId, null, listener);
    }

    /**
     * Follows from just after {@code afterEventId} (null: from the first event) to the job's end;
     * returns the final job. Blocks.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already seen, or null
     * @param listener hears the events, status changes, metrics and retries
     * @return the job as it ended
     */
    public Job follow(String jobId, String afterEventId, FollowListener listener) {
        return followFor(jobId, afterEventId, listener, null).job();
    }

    /**
     * Follows as {@link #follow(String, String, FollowListener)} does, for at most {@code timeout}: the job
     * is polled once more when it ends. Blocks, on the calling thread only.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already seen, or null
     * @param listener hears the events, status changes, metrics and retries
     * @param timeout the longest time to follow
     * @return the job as it ended, or as last seen when the timeout came first ({@link FollowResult#ended()})
     */
    public FollowResult follow(String jobId, String afterEventId, FollowListener listener, Duration timeout) {
        return followFor(jobId, afterEventId, listener, Objects.requireNonNull(timeout, "timeout"));
    }

    private FollowResult followFor(String jobId, String afterEventId, FollowListener listener, Duration timeout) {
        Poller poller = new Poller(jobId, afterEventId, Objects.requireNonNull(listener, "listener"), null, () -> false);
        WaitResult<Job> r = poller.waiter(timeout, JobFollower::ended, Duration.ZERO).run(poller::poll);
        return switch (r.outcome()) {
            case SUCCESS, TIMED_OUT -> new FollowResult(r.response().orElseThrow(), r.attempts(), r.elapsed());
            case FAILURE -> throw r.exception().orElseThrow();
            case STOPPED, INTERRUPTED -> throw poller.interrupted();
        };
    }

    /**
     * Follows on {@code executor}. Cancelling the returned future stops polling (within one poll
     * interval or request); it then completes as cancelled.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already seen, or null
     * @param listener hears the events, on the executor's thread
     * @param executor where the following runs
     * @return a future completing with the job as it ended, or with what ended the following
     */
    public CompletableFuture<Job> followAsync(String jobId, String afterEventId, FollowListener listener,
                                              Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        CompletableFuture<Job> future = new CompletableFuture<>();
        Poller poller = new Poller(jobId, afterEventId, listener, null, future::isDone);
        executor.execute(() -> {
            try {
                complete(future, poller, poller.waiter(null, JobFollower::ended, Duration.ZERO).run(poller::poll));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }

    /**
     * Follows one job on {@code scheduler}'s threads without holding one while it waits: each poll is
     * scheduled when the last one ends, by the job's status and its request budget, so one small scheduler
     * serves thousands of jobs, each resumed from its own last event (as a service restarted with its
     * cursors in a database does). The listener hears the job's events in order on some scheduler thread.
     * Cancelling the future stops the polling. The scheduler is the caller's to shut down.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already delivered, or null for all
     * @param listener hears the events
     * @param scheduler the threads that poll
     * @return a future completing with the job as it ended, or with what ended the following
     */
    public CompletableFuture<Job> followScheduled(String jobId, String afterEventId, FollowListener listener,
                                                  ScheduledExecutorService scheduler) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(scheduler, "scheduler");
        CompletableFuture<Job> future = new CompletableFuture<>();
        Poller poller = new Poller(jobId, afterEventId, listener, null, future::isDone);
        poller.blocking = false; // a shared scheduler thread must never sleep
        poller.waiter(null, JobFollower::ended, Duration.ZERO)
                .runScheduled(poller::poll, scheduler, r -> complete(future, poller, r));
        return future;
    }

    /**
     * Follows many jobs at once on {@code scheduler}'s threads, each from its first event, as
     * {@link #followScheduled} follows one. Listeners of different jobs may run at the same time.
     *
     * @param jobIds the jobs' ids
     * @param listeners makes the listener of each job, given its id
     * @param scheduler the threads that poll
     * @return a future per job id, completing with the final job or with what ended the following
     */
    public Map<String, CompletableFuture<Job>> followAll(Collection<String> jobIds,
            Function<String, FollowListener> listeners, ScheduledExecutorService scheduler) {
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(scheduler, "scheduler");
        Map<String, CompletableFuture<Job>> futures = new LinkedHashMap<>();
        for (String jobId : jobIds) {
            futures.put(jobId, followScheduled(jobId, null,
                    Objects.requireNonNull(listeners.apply(jobId), "listener"), scheduler));
        }
        return futures;
    }

    private static boolean ended(Job job) {
        return job.status().isTerminal();
    }

    private static void complete(CompletableFuture<Job> future, Poller poller, WaitResult<Job> r) {
        switch (r.outcome()) {
            case SUCCESS -> future.complete(r.response().orElseThrow());
            case FAILURE -> future.completeExceptionally(r.exception().orElseThrow());
            case STOPPED -> future.cancel(false); // already done (cancelled) unless the scheduler stopped it
            case INTERRUPTED -> future.completeExceptionally(poller.interrupted());
            case TIMED_OUT -> throw new IllegalStateException("no timeout was set");
        }
    }

    /**
     * The job's events as a blocking iterator, oldest first, ending when the job ends; close it to stop
     * early. {@code afterEventId} may be null.
     *
     * @param jobId the job's id
     * @param afterEventId the last event already seen, or null for all
     * @return the events, oldest first
     */
    public EventStream events(String jobId, String afterEventId) {
        return new EventStream(jobId, afterEventId);
    }

    /**
     * A job's events, pulled one poll at a time as they are consumed. Not thread-safe; close it to stop.
     */
    public final class EventStream implements Iterator<JobEvent>, AutoCloseable {
        private final ArrayDeque<JobEvent> ready = new ArrayDeque<>();
        private final Poller poller;
        private boolean closed;

        EventStream(String jobId, String afterEventId) {
            this.poller = new Poller(jobId, afterEventId, FollowListener.NONE, ready::add, () -> closed);
        }

        /** Whether another event will come; blocks, polling, until one does or the job ends. */
        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && poller.finalJob == null && !closed) {
                Duration first = poller.polls == 0 ? Duration.ZERO : poller.nextDelay();
                WaitResult<Job> r = poller.waiter(null, job -> !ready.isEmpty() || job.status().isTerminal(), first)
                        .run(poller::poll);
                switch (r.outcome()) {
                    case SUCCESS -> { }
                    case FAILURE -> throw r.exception().orElseThrow();
                    case STOPPED -> closed = true;
                    case INTERRUPTED -> {
                        closed = true;
                        throw poller.interrupted();
                    }
                    case TIMED_OUT -> throw new IllegalStateException("no timeout was set");
                }
            }
            return !ready.isEmpty();
        }

        @Override
        public JobEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        /** {@return the job as it ended; empty until it has (or when the stream was closed early)} */
        public Optional<Job> finalJob() {
            return Optional.ofNullable(poller.finalJob);
        }

        /** {@return the id of the last event handed over: what to resume after} */
        public Optional<String> lastEventId() {
            return Optional.ofNullable(poller.lastId);
        }

        /** {@return the events as a stream; closing the stream closes this} */
        public Stream<JobEvent> stream() {
            return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
                    Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** One job's polling: what was delivered, where to resume, the status, the request budget. Not thread-safe. */
    private final class Poller {
        private final String jobId;
        private final FollowListener listener;
        private final java.util.function.Consumer<JobEvent> sink;
        private final BooleanSupplier stop;
        private final LinkedHashSet<String> delivered = new LinkedHashSet<>();
        private final RequestBudget budget;
        private String lastId;
        private JobStatus status;
        private Job finalJob;
        private int polls;
        /** Polls since the status last changed: the pause ramps up with them. */
        private int pollsInStatus;
        private boolean cursorLost;
        /** False for the scheduled form, which must never sleep on a shared thread. */
        private boolean blocking = true;

        Poller(String jobId, String afterEventId, FollowListener listener, java.util.function.Consumer<JobEvent> sink,
               BooleanSupplier stop) {
            this.jobId = Objects.requireNonNull(jobId, "jobId");
            this.lastId = afterEventId;
            this.listener = listener;
            this.sink = sink;
            this.stop = stop;
            this.budget = new RequestBudget(options.maxRequestsPerMinute(), timing);
        }

        /** A waiter that polls until {@code done}, pausing by the status and the budget. */
        Waiter<Job> waiter(Duration timeout, Predicate<Job> done, Duration initialDelay) {
            return Waiter.<Job>builder(timing).name("fine-tuning job " + jobId)
                    .acceptor(WaiterAcceptor.successOn(done))
                    .delays((attempts, last) -> nextDelay())
                    .timeout(timeout)
                    .initialDelay(initialDelay)
                    .stopWhen(stop)
                    .build();
        }

        /** The pause before the next poll: ramping up to the status's interval, longer when the budget needs it. */
        Duration nextDelay() {
            Duration cap = options.intervalFor(status == null ? JobStatus.RUNNING : status);
            Duration ramp = FIRST_INTERVAL.multipliedBy(1L << Math.min(Math.max(pollsInStatus - 1, 0), 20));
            Duration interval = ramp.compareTo(cap) < 0 ? ramp : cap;
            Duration budgetWait = budget.delayFor(REQUESTS_PER_POLL);
            return budgetWait.compareTo(interval) > 0 ? budgetWait : interval;
        }

        /** One poll: new events to the listener, then the job; the last events again once it has ended. */
        Job poll() {
            polls++;
            pollsInStatus++;
            jobs.calls().listener().polled(jobId);
            fetchNewEvents();
            spend();
            Job job = jobs.retrieve(jobId, listener::onRetry);
            if (!job.status().equals(status)) {
                pollsInStatus = 1;
                LOG.info("fine-tuning job {}: {}", jobId, status == null ? job.status() : status + " -> " + job.status());
                listener.onStatus(status, job.status(), job);
                status = job.status();
            }
            if (job.status().isTerminal()) {
                fetchNewEvents(); // the last events may land after the status did
                finalJob = job;
                jobs.calls().jobEnded(job);
                LOG.info("fine-tuning job {} {}{}", jobId, job.status(),
                        job.fineTunedModel().map(m -> ": " + m).orElse(""));
            }
            return job;
        }

        private void fetchNewEvents() {
            JobsService.NewEvents news = jobs.eventsSince(jobId, lastId, options.pageSize(), listener::onRetry,
                    this::spend);
            if (lastId != null && !news.cursorFound() && !cursorLost) {
                cursorLost = true;
                LOG.warn("fine-tuning job {}: event {} was not found; delivering every event not yet delivered",
                        jobId, lastId);
            }
            for (JobEvent e : news.oldestFirst()) {
                if (delivered.add(e.id())) {
                    if (delivered.size() > REMEMBERED_IDS) {
                        delivered.remove(delivered.iterator().next());
                    }
                    listener.onEvent(e);
                    e.metrics().ifPresent(m -> listener.onMetrics(m, e));
                    if (sink != null) {
                        sink.accept(e);
                    }
                    lastId = e.id();
                }
            }
        }

        /** Counts a request against the budget, waiting first when it is spent (scheduled form: never). */
        private void spend() {
            if (!blocking) {
                budget.record();
                return;
            }
            try {
                if (!budget.acquire(stop)) {
                    throw new CancellationException("following " + jobId + " was stopped");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted();
            }
        }

        FineTunerException interrupted() {
            return new FineTunerException("following " + jobId + " was interrupted; resume after event " + lastId);
        }
    }
}
