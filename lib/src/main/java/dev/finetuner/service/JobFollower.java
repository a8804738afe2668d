package dev.finetuner.service;

import dev.finetuner.FineTunerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
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

    private final JobsService jobs;
    private final FollowOptions options;

    JobFollower(JobsService jobs, FollowOptions options) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A follower with other options, sharing the connection. */
    public JobFollower withOptions(FollowOptions newOptions) {
        return new JobFollower(jobs, newOptions);
    }

    /** The options this follower polls with. */
    public FollowOptions options() {
        return options;
    }

    /** Follows from the job's first event to its end; returns the final job. Blocks. */
    public Job follow(String jobId, FollowListener listener) {
        return follow(jobId, null, listener);
    }

    /**
     * Follows from just after {@code afterEventId} (null: from the first event) to the job's end;
     * returns the final job. Blocks.
     */
    public Job follow(String jobId, String afterEventId, FollowListener listener) {
        Objects.requireNonNull(listener, "listener");
        try (EventStream events = new EventStream(jobId, afterEventId, listener, () -> false)) {
            while (events.hasNext()) {
                events.next(); // delivered to the listener by the stream
            }
            return events.finalJob().orElseThrow();
        }
    }

    /**
     * Follows on {@code executor}. Cancelling the returned future stops polling (within one poll
     * interval or request); it then completes as cancelled.
     */
    public CompletableFuture<Job> followAsync(String jobId, String afterEventId, FollowListener listener,
                                              Executor executor) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(executor, "executor");
        CompletableFuture<Job> future = new CompletableFuture<>();
        executor.execute(() -> {
            try (EventStream events = new EventStream(jobId, afterEventId, listener, future::isDone)) {
                while (events.hasNext()) {
                    events.next();
                }
                events.finalJob().ifPresent(future::complete);
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }

    /**
     * Follows many jobs at once on {@code scheduler}'s threads, holding none while a job waits: each
     * job's next poll is scheduled when its last one ends, by its status and its request budget. A
     * job's listener (made by {@code listeners} for its id) hears its events in order on some scheduler
     * thread; listeners of different jobs may run at the same time. Cancelling a job's future stops its
     * polling. The scheduler is the caller's to shut down.
     *
     * @return a future per job id, completing with the final job or with what ended the following
     */
    public java.util.Map<String, CompletableFuture<Job>> followAll(java.util.Collection<String> jobIds,
            java.util.function.Function<String, FollowListener> listeners,
            java.util.concurrent.ScheduledExecutorService scheduler) {
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(scheduler, "scheduler");
        java.util.Map<String, CompletableFuture<Job>> futures = new java.util.LinkedHashMap<>();
        for (String jobId : jobIds) {
            CompletableFuture<Job> future = new CompletableFuture<>();
            EventStream stream = new EventStream(jobId, null, Objects.requireNonNull(listeners.apply(jobId), "listener"),
                    future::isDone);
            stream.blocking = false;
            futures.put(jobId, future);
            scheduler.execute(() -> step(stream, future, scheduler));
        }
        return futures;
    }

    private static void step(EventStream stream, CompletableFuture<Job> future,
                             java.util.concurrent.ScheduledExecutorService scheduler) {
        if (future.isDone()) {
            return;
        }
        try {
            long next = stream.pollScheduled();
            if (next < 0) {
                future.complete(stream.finalJob().orElseThrow());
            } else {
                scheduler.schedule(() -> step(stream, future, scheduler), next, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
    }

    /**
     * The job's events as a blocking iterator, oldest first, ending when the job ends; close it to stop
     * early. {@code afterEventId} may be null.
     */
    public EventStream events(String jobId, String afterEventId) {
        return new EventStream(jobId, afterEventId, FollowListener.NONE, () -> false);
    }

    /**
     * A job's events, pulled one poll at a time as they are consumed. Not thread-safe; close it to stop.
     */
    public final class EventStream implements Iterator<JobEvent>, AutoCloseable {
        private final String jobId;
        private final FollowListener listener;
        private final BooleanSupplier stopRequested;
        private final ArrayDeque<JobEvent> ready = new ArrayDeque<>();
        private final LinkedHashSet<String> delivered = new LinkedHashSet<>();
        private final ArrayDeque<Long> requestTimes = new ArrayDeque<>();
        private String lastId;
        private JobStatus status;
        private Job finalJob;
        private boolean finished;
        private boolean closed;
        private boolean polledOnce;
        private boolean cursorLost;
        /** False for the scheduled form, which must never sleep on a shared thread. */
        private boolean blocking = true;

        EventStream(String jobId, String afterEventId, FollowListener listener, BooleanSupplier stopRequested) {
            Objects.requireNonNull(jobId, "jobId");
            this.jobId = jobId;
            this.lastId = afterEventId;
            this.listener = listener;
            this.stopRequested = stopRequested;
        }

        /** Whether another event will come; blocks, polling, until one does or the job ends. */
        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && !finished && !closed) {
                if (stopRequested.getAsBoolean()) {
                    closed = true;
                    break;
                }
                if (polledOnce) {
                    pause(options.intervalFor(status == null ? JobStatus.RUNNING : status));
                    if (closed || stopRequested.getAsBoolean()) {
                        closed = true;
                        break;
                    }
                }
                poll();
                polledOnce = true;
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

        /** The job as it ended; empty until it has (or when the stream was closed early). */
        public Optional<Job> finalJob() {
            return Optional.ofNullable(finalJob);
        }

        /** The id of the last event handed over: what to resume after. */
        public Optional<String> lastEventId() {
            return Optional.ofNullable(lastId);
        }

        /** The events as a stream; closing the stream closes this. */
        public Stream<JobEvent> stream() {
            return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
                    Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
        }

        @Override
        public void close() {
            closed = true;
        }

        private void poll() {
            fetchNewEvents();
            budget();
            Job job = jobs.retrieve(jobId, listener::onRetry);
            if (!job.status().equals(status)) {
                LOG.info("fine-tuning job {}: {}", jobId, status == null ? job.status() : status + " -> " + job.status());
                listener.onStatus(status, job.status(), job);
                status = job.status();
            }
            if (job.status().isTerminal()) {
                fetchNewEvents(); // the last events may land after the status did
                finalJob = job;
                finished = true;
                LOG.info("fine-tuning job {} {}{}", jobId, job.status(),
                        job.fineTunedModel().map(m -> ": " + m).orElse(""));
            }
        }

        /** Pages back from the newest event to the last one delivered, then delivers oldest first. */
        private void fetchNewEvents() {
            List<JobEvent> newestFirst = new ArrayList<>();
            String after = null;
            boolean found = false;
            while (true) {
                budget();
                JobsService.EventPage page = jobs.events(jobId, after, options.pageSize(), listener::onRetry);
                for (JobEvent e : page.events()) {
                    if (e.id().equals(lastId)) {
                        found = true;
                        break;
                    }
                    newestFirst.add(e);
                }
                if (found || !page.hasMore() || page.events().isEmpty()) {
                    break;
                }
                after = page.events().get(page.events().size() - 1).id();
            }
            if (lastId != null && !found && !cursorLost) {
                cursorLost = true;
                LOG.warn("fine-tuning job {}: event {} was not found; delivering every event not yet delivered",
                        jobId, lastId);
            }
            for (int i = newestFirst.size() - 1; i >= 0; i--) {
                JobEvent e = newestFirst.get(i);
                if (delivered.add(e.id())) {
                    if (delivered.size() > REMEMBERED_IDS) {
                        delivered.remove(delivered.iterator().next());
                    }
                    listener.onEvent(e);
                    e.metrics().ifPresent(m -> listener.onMetrics(m, e));
                    ready.add(e);
                    lastId = e.id();
                }
            }
        }

        /** Waits, if needed, so that no more than the allowed requests go out in any minute. */
        private void budget() {
            long now = System.nanoTime();
            long minute = Duration.ofMinutes(1).toNanos();
            while (!requestTimes.isEmpty() && now - requestTimes.peek() >= minute) {
                requestTimes.poll();
            }
            if (requestTimes.size() >= options.maxRequestsPerMinute() && blocking) {
                long wait = minute - (now - requestTimes.peek());
                LOG.debug("fine-tuning job {}: request budget spent, waiting {} ms", jobId, wait / 1_000_000);
                pause(Duration.ofNanos(wait));
                requestTimes.poll();
            }
            requestTimes.add(System.nanoTime());
        }

        /** In scheduled mode: how long until the budget allows a poll of about {@code requests} requests. */
        private long budgetDelayNanos(int requests) {
            long now = System.nanoTime();
            long minute = Duration.ofMinutes(1).toNanos();
            while (!requestTimes.isEmpty() && now - requestTimes.peek() >= minute) {
                requestTimes.poll();
            }
            int over = requestTimes.size() + requests - options.maxRequestsPerMinute();
            if (over <= 0) {
                return 0;
            }
            return minute - (now - requestTimes.stream().skip(Math.min(over, requestTimes.size()) - 1L).findFirst()
                    .orElse(now));
        }

        /**
         * One poll, for the scheduled form: fetch new events, retrieve the job, and say how long to wait
         * before the next (negative when the job has ended).
         */
        long pollScheduled() {
            poll();
            polledOnce = true;
            if (finished) {
                return -1;
            }
            long interval = options.intervalFor(status == null ? JobStatus.RUNNING : status).toNanos();
            return Math.max(interval, budgetDelayNanos(2));
        }

        /** Sleeps in short slices, so that a cancel or close is noticed quickly. */
        private void pause(Duration d) {
            long end = System.nanoTime() + d.toNanos();
            while (!closed && !stopRequested.getAsBoolean()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(Math.min(left, 50_000_000L));
                if (Thread.interrupted()) {
                    closed = true;
                    Thread.currentThread().interrupt();
                    throw new FineTunerException("following " + jobId + " was interrupted; resume after event "
                            + lastId);
                }
            }
        }
    }
}
