package dev.finetuner.service;

import java.time.Duration;
import java.util.Objects;

/**
 * How a job is polled while followed (the API has no push). Defaults: every
 * {@link #DEFAULT_RUNNING_INTERVAL} while running, every {@link #DEFAULT_WAITING_INTERVAL} while
 * validating, queued or paused, pages of {@value #DEFAULT_PAGE_SIZE} events, and at most
 * {@value #DEFAULT_MAX_REQUESTS_PER_MINUTE} requests a minute per followed job.
 *
 * @param runningInterval the pause between polls while the job runs (and for unknown statuses)
 * @param waitingInterval the pause between polls while it waits: validating, queued or paused
 * @param pageSize events fetched per request, 1..100
 * @param maxRequestsPerMinute a cap on requests per job, whatever the intervals
 */
public record FollowOptions(Duration runningInterval, Duration waitingInterval, int pageSize, int maxRequestsPerMinute) {
    /** The default pause between polls while the job runs. */
    public static final Duration DEFAULT_RUNNING_INTERVAL = Duration.ofSeconds(5);
    /** The default pause between polls while the job validates, queues or is paused. */
    public static final Duration DEFAULT_WAITING_INTERVAL = Duration.ofSeconds(20);
    /** Events fetched per request by default. */
    public static final int DEFAULT_PAGE_SIZE = 50;
    /** The default cap on requests a minute per followed job. */
    public static final int DEFAULT_MAX_REQUESTS_PER_MINUTE = 30;

    /**
     * Checks the components: intervals not negative, page size 1 to 100, at least 2 requests a minute.
     *
     * @param runningInterval the pause between polls while the job runs (and for unknown statuses)
     * @param waitingInterval the pause between polls while it waits: validating, queued or paused
     * @param pageSize events fetched per request, 1..100
     * @param maxRequestsPerMinute a cap on requests per job, whatever the intervals
     */
    public FollowOptions {
        Objects.requireNonNull(runningInterval, "runningInterval");
        Objects.requireNonNull(waitingInterval, "waitingInterval");
        if (runningInterval.isNegative() || waitingInterval.isNegative()) {
            throw new IllegalArgumentException("poll intervals must not be negative");
        }
        if (pageSize < 1 || pageSize > 100) {
            throw new IllegalArgumentException("pageSize must be 1..100, was " + pageSize);
        }
        if (maxRequestsPerMinute < 2) {
            throw new IllegalArgumentException("maxRequestsPerMinute must be >= 2 (a poll is at least 2), was "
                    + maxRequestsPerMinute);
        }
    }

    /** {@return the defaults} */
    public static FollowOptions defaults() {
        return new FollowOptions(DEFAULT_RUNNING_INTERVAL, DEFAULT_WAITING_INTERVAL, DEFAULT_PAGE_SIZE,
                DEFAULT_MAX_REQUESTS_PER_MINUTE);
    }

    /**
     * These options with both intervals set to {@code interval} (a sped-up test backend may need milliseconds).
     *
     * @param interval the pause, not negative
     * @return the new options
     */
    public FollowOptions withInterval(Duration interval) {
        return new FollowOptions(interval, interval, pageSize, maxRequestsPerMinute);
    }

    /**
     * These options with another cap on requests a minute.
     *
     * @param max at least 2 (a poll is at least 2 requests)
     * @return the new options
     */
    public FollowOptions withMaxRequestsPerMinute(int max) {
        return new FollowOptions(runningInterval, waitingInterval, pageSize, max);
    }

    /**
     * These options with another page size.
     *
     * @param size events per request, 1 to 100
     * @return the new options
     */
    public FollowOptions withPageSize(int size) {
        return new FollowOptions(runningInterval, waitingInterval, size, maxRequestsPerMinute);
    }

    Duration intervalFor(JobStatus status) {
        return switch (status.value()) {
            case VALIDATING_FILES, QUEUED, PAUSED -> waitingInterval;
            default -> runningInterval;
        };
    }
}
