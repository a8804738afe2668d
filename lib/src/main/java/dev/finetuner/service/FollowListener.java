package dev.finetuner.service;

import java.util.List;
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

    /**
     * Each event of the job, once, oldest first.
     *
     * @param event the event
     */
    public void onEvent(JobEvent event) {
    }

    /**
     * The job's status changed (the first call has {@code from} null), with the job as retrieved.
     *
     * @param from the status before, or null on the first call
     * @param to the status now
     * @param job the job as retrieved
     */
    public void onStatus(JobStatus from, JobStatus to, Job job) {
    }

    /**
     * A metrics event's values (also delivered to {@link #onEvent}).
     *
     * @param metrics the values
     * @param event the event that carried them
     */
    public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
    }

    /**
     * A request failed and will be retried after {@link RetryEvent#delay()}.
     *
     * @param retry the failed request and the wait before the next attempt
     */
    public void onRetry(RetryEvent retry) {
    }

    /**
     * A listener that hands every callback to each of {@code listeners}, in order (when one throws, the
     * later ones do not hear that callback). Every callback of this class is forwarded here, next to
     * where it is declared, and a test checks each by reflection: wrapping a listener in this cannot
     * drop a callback added later.
     *
     * @param listeners the listeners, in order
     * @return the listener
     */
    public static FollowListener all(FollowListener... listeners) {
        return new All(List.of(listeners));
    }

    /**
     * {@return a listener that hands each event to {@code onEvent}: {@code follow(id, FollowListener.of(log::info))}}
     *
     * @param onEvent gets each event
     */
    public static FollowListener of(Consumer<JobEvent> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        return new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                onEvent.accept(event);
            }
        };
    }

    private static final class All extends FollowListener {
        private final List<FollowListener> listeners;

        All(List<FollowListener> listeners) {
            this.listeners = listeners;
        }

        @Override
        public void onEvent(JobEvent event) {
            for (FollowListener l : listeners) {
                l.onEvent(event);
            }
        }

        @Override
        public void onStatus(JobStatus from, JobStatus to, Job job) {
            for (FollowListener l : listeners) {
                l.onStatus(from, to, job);
            }
        }

        @Override
        public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
            for (FollowListener l : listeners) {
                l.onMetrics(metrics, event);
            }
        }

        @Override
        public void onRetry(RetryEvent retry) {
            for (FollowListener l : listeners) {
                l.onRetry(retry);
            }
        }
    }
}
