package dev.finetuner.service;

import java.time.Duration;
import java.util.Objects;

/**
 * How failed calls are retried: 408, 409, 429 (waiting what {@code Retry-After} asks, up to
 * {@link #maxRetryAfter()}), 5xx and connection errors, with exponential backoff and jitter, a bounded
 * number of attempts and a bounded total time. Quota, validation and authentication errors are never
 * retried. Immutable.
 *
 * <p>Defaults: {@value #DEFAULT_MAX_ATTEMPTS} attempts, backoff from {@link #DEFAULT_INITIAL_BACKOFF}
 * doubling up to {@link #DEFAULT_MAX_BACKOFF} with {@value #DEFAULT_JITTER} jitter, a server's
 * {@code Retry-After} honoured up to {@link #DEFAULT_MAX_RETRY_AFTER}, everything within
 * {@link #DEFAULT_MAX_ELAPSED}.
 *
 * <pre>{@code
 * RetryPolicy patient = RetryPolicy.defaults().withMaxAttempts(8);
 * }</pre>
 */
public final class RetryPolicy {
    /** Attempts in all by default, the first included. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** The pause before the first retry by default. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
    /** The longest pause between two attempts by default. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    /** The factor each pause is multiplied by for the next, by default. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** The share of each pause taken off at random by default. */
    public static final double DEFAULT_JITTER = 0.25;
    /** The longest {@code Retry-After} honoured by default. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);
    /** The longest time one call may take with its retries by default. */
    public static final Duration DEFAULT_MAX_ELAPSED = Duration.ofMinutes(3);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;
    private final Duration maxRetryAfter;
    private final Duration maxElapsed;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.multiplier = b.multiplier;
        this.jitter = b.jitter;
        this.maxRetryAfter = b.maxRetryAfter;
        this.maxElapsed = b.maxElapsed;
    }

    /** {@return the defaults} */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /** {@return a policy of one attempt and no retry} */
    public static RetryPolicy none() {
        return builder().maxAttempts(1).build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding this policy's values} */
    public Builder toBuilder() {
        return new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff)
                .multiplier(multiplier).jitter(jitter).maxRetryAfter(maxRetryAfter).maxElapsed(maxElapsed);
    }

    /**
     * This policy with another number of attempts.
     *
     * @param attempts attempts in all, the first included, at least 1
     * @return the new policy
     */
    public RetryPolicy withMaxAttempts(int attempts) {
        return toBuilder().maxAttempts(attempts).build();
    }

    /** {@return the attempts in all, the first included (1 = no retry)} */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** {@return the pause before the first retry} */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** {@return the longest pause between two attempts} */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** {@return the factor each pause is multiplied by for the next} */
    public double multiplier() {
        return multiplier;
    }

    /** {@return the share of each pause taken off at random, 0 to 1} */
    public double jitter() {
        return jitter;
    }

    /** {@return the longest {@code Retry-After} honoured; a longer one is waited this long} */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /** {@return the longest time one call may take with its retries} */
    public Duration maxElapsed() {
        return maxElapsed;
    }

    /**
     * The wait before attempt {@code attempt + 1}: the server's {@code Retry-After} when it gave one
     * (capped), else {@code initialBackoff * multiplier^(attempt-1)} (capped), less up to
     * {@code jitter} of it at random.
     *
     * @param random a number in [0, 1)
     * @param attempt the attempt that failed, counting from 1
     * @param retryAfter the server's {@code Retry-After}, or null when it gave none
     * @return the wait, never negative
     */
    Duration backoff(int attempt, Duration retryAfter, double random) {
        if (retryAfter != null) {
            return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
        }
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        millis = Math.min(millis, maxBackoff.toMillis());
        millis -= millis * jitter * random;
        return Duration.ofMillis(Math.max(0, Math.round(millis)));
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff + ".." + maxBackoff
                + " x" + multiplier + ", jitter=" + jitter + ", maxRetryAfter=" + maxRetryAfter
                + ", maxElapsed=" + maxElapsed + "]";
    }

    /** Builds a {@link RetryPolicy}; setters reject bad values at once. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private double multiplier = DEFAULT_MULTIPLIER;
        private double jitter = DEFAULT_JITTER;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
        private Duration maxElapsed = DEFAULT_MAX_ELAPSED;

        private Builder() {
        }

        /**
         * Attempts in all, the first included (1 = no retry).
         *
         * @param attempts attempts in all, at least 1 (default {@value #DEFAULT_MAX_ATTEMPTS})
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, was " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The pause before the first retry; not above {@link #maxBackoff(Duration)} when built.
         *
         * @param d a duration, not negative (default {@link #DEFAULT_INITIAL_BACKOFF})
         * @return this builder
         */
        public Builder initialBackoff(Duration d) {
            this.initialBackoff = nonNegative(d, "initialBackoff");
            return this;
        }

        /**
         * The longest pause between two attempts.
         *
         * @param d a duration, not negative (default {@link #DEFAULT_MAX_BACKOFF})
         * @return this builder
         */
        public Builder maxBackoff(Duration d) {
            this.maxBackoff = nonNegative(d, "maxBackoff");
            return this;
        }

        /**
         * The factor each pause is multiplied by for the next.
         *
         * @param m the factor, at least 1 (default {@value #DEFAULT_MULTIPLIER})
         * @return this builder
         */
        public Builder multiplier(double m) {
            if (!(m >= 1)) {
                throw new IllegalArgumentException("multiplier must be >= 1, was " + m);
            }
            this.multiplier = m;
            return this;
        }

        /**
         * The share of each backoff taken off at random, 0 (none) to 1.
         *
         * @param j the share (default {@value #DEFAULT_JITTER})
         * @return this builder
         */
        public Builder jitter(double j) {
            if (!(j >= 0 && j <= 1)) {
                throw new IllegalArgumentException("jitter must be in [0, 1], was " + j);
            }
            this.jitter = j;
            return this;
        }

        /**
         * The longest {@code Retry-After} honoured; a longer one is waited this long.
         *
         * @param d a duration, not negative (default {@link #DEFAULT_MAX_RETRY_AFTER})
         * @return this builder
         */
        public Builder maxRetryAfter(Duration d) {
            this.maxRetryAfter = nonNegative(d, "maxRetryAfter");
            return this;
        }

        /**
         * The longest time one call may take with its retries; no retry starts after it.
         *
         * @param d a duration, not negative (default {@link #DEFAULT_MAX_ELAPSED})
         * @return this builder
         */
        public Builder maxElapsed(Duration d) {
            this.maxElapsed = nonNegative(d, "maxElapsed");
            return this;
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + d);
            }
            return d;
        }

        /**
         * {@return the policy}
         *
         * @throws IllegalArgumentException when the initial backoff exceeds the maximum backoff
         */
        public RetryPolicy build() {
            if (initialBackoff.compareTo(maxBackoff) > 0) {
                throw new IllegalArgumentException("initialBackoff " + initialBackoff + " exceeds maxBackoff " + maxBackoff);
            }
            return new RetryPolicy(this);
        }
    }
}
