package dev.finetuner.service;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Hears what happens while a job is followed. Every method does nothing by default, so new callbacks
 * break no one. Callbacks run on the following thread, in order; keep them fast. A callback that
 * throws ends the follow, and the exception reaches the caller of {@code follow}.
 */
public abstract class FollowListener {
    /** A listener that ignores everything. */
    public static final FollowListener NONE = new FollowListener() {
    };

    /** Each event of the job, once, oldest first. */
    public void onEvent(JobEvent event) {
    }

    /** The job's status changed (the first call has {@code from} null), with the job as retrieved. */
    public void onStatus(JobStatus from, JobStatus to, Job job) {
    }

    /** A metrics event's values (also delivered to {@link #onEvent}). */
    public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
    }

    /** A request failed and will be retried after {@link RetryEvent#delay()}. */
    public void onRetry(RetryEvent retry) {
    }

    /** A listener that hands each event to {@code onEvent}: {@code follow(id, FollowListener.of(log::info))}. */
    public static FollowListener of(Consumer<JobEvent> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        return new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                onEvent.accept(event);
            }
        };
    }
}
