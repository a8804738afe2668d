package dev.finetuner.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Faults a {@link LocalOpenAi} injects, for reliability tests: rate limits, server errors, dropped
 * connections, slow and malformed responses, jobs that fail mid-run and fine-tuned models that are not
 * ready yet. Immutable; the counting happens in the backend, so one plan can serve several backends.
 *
 * <p>A request fault applies to requests whose {@code "METHOD /path"} (the path without its query, e.g.
 * {@code "POST /v1/fine_tuning/jobs"}) contains a match of its regular expression, and fires for the
 * first {@code n} of them ({@link #times(int)}), for each with a probability ({@link #probability(double)},
 * drawn from a generator seeded with {@link Builder#seed(long)}), or always. Rules are tried in the order
 * added; a delay is served first and does not stop a later rule from also firing.
 *
 * <pre>{@code
 * FaultPlan plan = FaultPlan.builder()
 *         .rateLimit("POST /v1/fine_tuning/jobs$", Duration.ofSeconds(1), FaultPlan.times(2))
 *         .serverError("GET /v1/files", 503, FaultPlan.probability(0.2))
 *         .dropConnection("/events", FaultPlan.times(1))
 *         .delay("/v1/models", Duration.ofMillis(300), FaultPlan.always())
 *         .malformedBody("GET /v1/fine_tuning/jobs/", FaultPlan.times(1))
 *         .failJobs(FaultPlan.times(1))            // the first job created fails half-way through training
 *         .modelNotFoundFor(3)                    // each new fine-tuned model answers 404 to its first 3 calls
 *         .build();
 * }</pre>
 */
public final class FaultPlan {
    /** The seed of the generator that draws probabilities, unless {@link Builder#seed(long)} sets one. */
    public static final long DEFAULT_SEED = 7;

    private static final FaultPlan NONE = builder().build();

    private final List<Rule> rules;
    private final Occurrence failJobs;
    private final int modelNotFoundCalls;
    private final long seed;

    private FaultPlan(Builder b) {
        this.rules = List.copyOf(b.rules);
        this.failJobs = b.failJobs;
        this.modelNotFoundCalls = b.modelNotFoundCalls;
        this.seed = b.seed;
    }

    /** {@return a plan with no faults: the default} */
    public static FaultPlan none() {
        return NONE;
    }

    /** {@return a builder for a plan with no faults yet} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The first {@code n} matching requests (or jobs).
     *
     * @param n how many, 0 or more
     * @return the occurrence
     */
    public static Occurrence times(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("times must be >= 0, was " + n);
        }
        return new Occurrence(n, 0);
    }

    /**
     * Each matching request (or job) with this probability, in [0, 1].
     *
     * @param p the probability, drawn from the plan's seeded generator
     * @return the occurrence
     */
    public static Occurrence probability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], was " + p);
        }
        return new Occurrence(-1, p);
    }

    /** {@return every matching request (or job)} */
    public static Occurrence always() {
        return probability(1);
    }

    List<Rule> rules() {
        return rules;
    }

    Occurrence failJobs() {
        return failJobs;
    }

    int modelNotFoundCalls() {
        return modelNotFoundCalls;
    }

    long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "FaultPlan[rules=" + rules + ", failJobs=" + failJobs + ", modelNotFoundFor=" + modelNotFoundCalls + "]";
    }

    /**
     * How often a fault fires.
     *
     * @param times fire for the first {@code times} matches; -1 when a probability decides
     * @param probability the chance of each match, when {@code times} is -1
     */
    public record Occurrence(int times, double probability) {
        /**
         * Checks the values; use {@link FaultPlan#times(int)}, {@link FaultPlan#probability(double)} or
         * {@link FaultPlan#always()}.
         *
         * @param times fire for the first {@code times} matches; -1 when a probability decides
         * @param probability the chance of each match, when {@code times} is -1
         */
        public Occurrence {
            if (times < -1 || !(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("bad occurrence: times=" + times + ", probability=" + probability);
            }
        }

        @Override
        public String toString() {
            return times >= 0 ? times + " time(s)" : "p=" + probability;
        }
    }

    /** The kinds of request fault. */
    enum Kind { RATE_LIMIT, SERVER_ERROR, DROP_CONNECTION, DELAY, MALFORMED_BODY }

    /** One request fault. */
    record Rule(Pattern request, Kind kind, int status, Duration duration, Occurrence occurrence) {
        @Override
        public String toString() {
            return kind + "(" + request.pattern() + ", " + occurrence + ")";
        }
    }

    /** Builds a {@link FaultPlan}; every setter rejects bad values at once. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private Occurrence failJobs = times(0);
        private int modelNotFoundCalls;
        private long seed = DEFAULT_SEED;

        private Builder() {
        }

        /**
         * Answers 429 with {@code Retry-After} (whole seconds, rounded up) and {@code retry-after-ms}.
         *
         * @param requestRegex a regular expression found in {@code "METHOD /path"}
         * @param retryAfter the wait the answer asks for, not negative
         * @param when which matching requests it answers
         * @return this builder
         */
        public Builder rateLimit(String requestRegex, Duration retryAfter, Occurrence when) {
            Objects.requireNonNull(retryAfter, "retryAfter");
            if (retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter must not be negative");
            }
            return add(requestRegex, Kind.RATE_LIMIT, 429, retryAfter, when);
        }

        /**
         * Answers a 5xx status (500, 502, 503 or 504) with the API's server-error body.
         *
         * @param requestRegex a regular expression found in {@code "METHOD /path"}
         * @param status the status, 500 to 599
         * @param when which matching requests it answers
         * @return this builder
         */
        public Builder serverError(String requestRegex, int status, Occurrence when) {
            if (status < 500 || status > 599) {
                throw new IllegalArgumentException("a server error is 5xx, was " + status);
            }
            return add(requestRegex, Kind.SERVER_ERROR, status, Duration.ZERO, when);
        }

        /**
         * Closes the connection without any response (after reading nothing of the request body).
         *
         * @param requestRegex a regular expression found in {@code "METHOD /path"}
         * @param when which matching requests it drops
         * @return this builder
         */
        public Builder dropConnection(String requestRegex, Occurrence when) {
            return add(requestRegex, Kind.DROP_CONNECTION, 0, Duration.ZERO, when);
        }

        /**
         * Waits this long before handling the request.
         *
         * @param requestRegex a regular expression found in {@code "METHOD /path"}
         * @param delay how long, not negative
         * @param when which matching requests it delays
         * @return this builder
         */
        public Builder delay(String requestRegex, Duration delay, Occurrence when) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative");
            }
            return add(requestRegex, Kind.DELAY, 0, delay, when);
        }

        /**
         * Handles the request, then sends only the first half of the JSON body (with its status).
         *
         * @param requestRegex a regular expression found in {@code "METHOD /path"}
         * @param when which matching requests it answers
         * @return this builder
         */
        public Builder malformedBody(String requestRegex, Occurrence when) {
            return add(requestRegex, Kind.MALFORMED_BODY, 0, Duration.ZERO, when);
        }

        /**
         * Jobs, in creation order, that fail half-way through training with a {@code server_error}.
         *
         * @param when which jobs fail (default: none)
         * @return this builder
         */
        public Builder failJobs(Occurrence when) {
            this.failJobs = Objects.requireNonNull(when, "when");
            return this;
        }

        /**
         * Every fine-tuned model answers 404 ({@code model_not_found}) to its first {@code calls}
         * completion or chat completion requests after its job succeeded, as a new model sometimes does.
         *
         * @param calls how many calls answer 404, 0 or more (default 0)
         * @return this builder
         */
        public Builder modelNotFoundFor(int calls) {
            if (calls < 0) {
                throw new IllegalArgumentException("calls must be >= 0, was " + calls);
            }
            this.modelNotFoundCalls = calls;
            return this;
        }

        /**
         * Seeds the generator that draws {@link #probability(double)} faults.
         *
         * @param seed the seed (default {@value FaultPlan#DEFAULT_SEED})
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** {@return the plan} */
        public FaultPlan build() {
            return new FaultPlan(this);
        }

        private Builder add(String regex, Kind kind, int status, Duration duration, Occurrence when) {
            Objects.requireNonNull(regex, "requestRegex");
            Objects.requireNonNull(when, "when");
            rules.add(new Rule(Pattern.compile(regex), kind, status, duration, when));
            return this;
        }
    }
}
