package dev.finetuner.micrometer;

import dev.finetuner.service.ApiListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.RetryEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Objects;

/**
 * A fine-tuner's requests, retries, polls, ended jobs and prepared tokens as Micrometer meters: an
 * {@link ApiListener} to set on the builder.
 *
 * <pre>{@code
 * FineTuner ft = FineTuner.builder().listener(new MicrometerMetrics(registry)).build();
 * }</pre>
 *
 * <table>
 * <caption>The meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>counts</th></tr>
 * <tr><td>{@value #REQUESTS}</td><td>timer</td><td>{@code endpoint}, {@code status}</td>
 *     <td>each request (each attempt of a retried call) and its duration</td></tr>
 * <tr><td>{@value #RETRIES}</td><td>counter</td><td>{@code endpoint}, {@code status}</td>
 *     <td>each failed attempt that is tried again; {@code status} says why</td></tr>
 * <tr><td>{@value #POLLS}</td><td>counter</td><td></td>
 *     <td>each poll of a followed or awaited job</td></tr>
 * <tr><td>{@value #JOBS_FINISHED}</td><td>counter</td><td>{@code status}</td>
 *     <td>each job seen ending: {@code succeeded}, {@code failed} or {@code cancelled}</td></tr>
 * <tr><td>{@value #TOKENS_PREPARED}</td><td>counter</td><td>{@code model}</td>
 *     <td>the training tokens (per epoch) of each preparation for a model</td></tr>
 * </table>
 *
 * <p>{@code endpoint} is a fixed route name such as {@code files.upload}, {@code jobs.create} or
 * {@code jobs.events} (the list is on {@link ApiListener}), never an id. {@code status} is the HTTP
 * status of an error answer ({@code 429}, {@code 500}, ...), {@code 2xx} for a success,
 * {@code io_error} when no answer came, {@code invalid_response} for a success that was not the API's
 * JSON, {@code client_error} for a failure in our own code. Job ids never become tags. Thread-safe.
 */
public final class MicrometerMetrics extends ApiListener {
    /** The request timer's name. */
    public static final String REQUESTS = "finetuner.requests";
    /** The retry counter's name. */
    public static final String RETRIES = "finetuner.retries";
    /** The follower's poll counter's name. */
    public static final String POLLS = "finetuner.follower.polls";
    /** The ended jobs counter's name. */
    public static final String JOBS_FINISHED = "finetuner.jobs.finished";
    /** The prepared tokens counter's name. */
    public static final String TOKENS_PREPARED = "finetuner.tokens.prepared";

    private final Meter.MeterProvider<Timer> requests;
    private final Meter.MeterProvider<Counter> retries;
    private final Counter polls;
    private final Meter.MeterProvider<Counter> jobsFinished;
    private final Meter.MeterProvider<Counter> tokensPrepared;

    /**
     * Meters in {@code registry}; the poll counter is registered at once, the others on first use.
     *
     * @param registry where the meters go
     */
    public MicrometerMetrics(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        this.requests = Timer.builder(REQUESTS)
                .description("Requests to the fine-tuning API, each attempt of a retried call, by endpoint and status")
                .withRegistry(registry);
        this.retries = Counter.builder(RETRIES)
                .description("Failed requests tried again, by endpoint and the status that failed")
                .withRegistry(registry);
        this.polls = Counter.builder(POLLS)
                .description("Polls of followed or awaited fine-tuning jobs")
                .register(registry);
        this.jobsFinished = Counter.builder(JOBS_FINISHED)
                .description("Fine-tuning jobs seen ending, by final status")
                .withRegistry(registry);
        this.tokensPrepared = Counter.builder(TOKENS_PREPARED)
                .description("Training tokens (per epoch) of prepared datasets, by model")
                .baseUnit("tokens")
                .withRegistry(registry);
    }

    @Override
    public void requestEnded(String endpoint, String status, Duration duration) {
        requests.withTags("endpoint", endpoint, "status", status).record(duration);
    }

    @Override
    public void retried(String endpoint, RetryEvent retry) {
        retries.withTags("endpoint", endpoint, "status", statusOf(retry)).increment();
    }

    @Override
    public void polled(String jobId) {
        polls.increment();
    }

    @Override
    public void jobEnded(Job job) {
        jobsFinished.withTag("status", job.status().asString()).increment();
    }

    @Override
    public void tokensPrepared(String model, long tokens) {
        tokensPrepared.withTag("model", model).increment(tokens);
    }

    private static String statusOf(RetryEvent retry) {
        return retry.cause().statusCode().isPresent() ? Integer.toString(retry.cause().statusCode().getAsInt())
                : ApiListener.STATUS_IO_ERROR;
    }

    @Override
    public String toString() {
        return "MicrometerMetrics";
    }
}
