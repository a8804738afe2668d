package dev.finetuner.service;

import java.time.Duration;

/**
 * Hears what a connection does, for metrics: each request and how it ended, each retry, each poll of a
 * followed job, each job seen ending, and the tokens a preparation counted. Set one with
 * {@link OpenAiConnection.Builder#listener(ApiListener)} (or {@code FineTuner.builder().listener(...)});
 * the default, {@link #NONE}, does nothing. {@code dev.finetuner.micrometer.MicrometerMetrics} turns these
 * callbacks into Micrometer meters; this class itself knows nothing of Micrometer.
 *
 * <p>Every method does nothing by default, so new callbacks break no one (OkHttp's {@code EventListener}
 * style). Callbacks run on the thread doing the work, in the middle of it, and on several threads at once
 * (parallel upload parts, {@link JobFollower#followAll}, several jobs): be thread-safe, keep them fast, take no lock
 * another thread may hold for long, and do not throw (what one throws reaches the caller of the call
 * being made, as from a {@link FollowListener}).
 *
 * <p>Endpoints are short, fixed route names, never ids, so that they can be metric tags: {@code files.upload},
 * {@code files.list}, {@code files.retrieve}, {@code files.delete}, {@code files.content},
 * {@code uploads.create}, {@code uploads.parts}, {@code uploads.complete}, {@code jobs.create},
 * {@code jobs.retrieve}, {@code jobs.list}, {@code jobs.cancel}, {@code jobs.pause}, {@code jobs.resume},
 * {@code jobs.checkpoints}, {@code jobs.events}, {@code completions.create}, {@code chat.completions.create},
 * {@code models.list}, and for {@link OpenAiConnection#call(String, java.util.function.Supplier)} without one,
 * {@link #OTHER_ENDPOINT}.
 */
public abstract class ApiListener {
    /** A listener that ignores everything: the default. */
    public static final ApiListener NONE = new ApiListener() {
    };

    /**
     * The status of a request answered with success. The client does not say which 2xx came (the API
     * answers 200), so it is not guessed.
     */
    public static final String STATUS_SUCCESS = "2xx";
    /** The status of a request that got no answer: connection refused or reset, or a timeout. */
    public static final String STATUS_IO_ERROR = "io_error";
    /** The status of a success answer that was not the API's JSON (a proxy's HTML page, a wrong base URL). */
    public static final String STATUS_INVALID_RESPONSE = "invalid_response";
    /** The status of a request that failed in our own code before or after the exchange (e.g. reading the file to upload). */
    public static final String STATUS_CLIENT_ERROR = "client_error";
    /** The endpoint of a call made through {@link OpenAiConnection#call(String, java.util.function.Supplier)}. */
    public static final String OTHER_ENDPOINT = "other";

    /**
     * One request (one attempt: a retried call ends several) ended.
     *
     * @param endpoint the route, e.g. {@code jobs.create}
     * @param status the HTTP status of an error answer (e.g. {@code "429"}), {@link #STATUS_SUCCESS},
     *     {@link #STATUS_IO_ERROR}, {@link #STATUS_INVALID_RESPONSE} or {@link #STATUS_CLIENT_ERROR}
     * @param duration from sending to the answer read (for a streamed completion: to the stream's start),
     *     on the connection's clock
     */
    public void requestEnded(String endpoint, String status, Duration duration) {
    }

    /**
     * A request failed and will be tried again after {@link RetryEvent#delay()}; called before the pause.
     *
     * @param endpoint the route, e.g. {@code jobs.events}
     * @param retry the attempt that failed, why, and the pause
     */
    public void retried(String endpoint, RetryEvent retry) {
    }

    /**
     * A follower (following, awaiting, an event stream) polled a job once: its new events and the job.
     *
     * @param jobId the job polled
     */
    public void polled(String jobId) {
    }

    /**
     * A follower saw a job in a terminal status (succeeded, failed or cancelled). Said once per job and
     * connection, however often the job is followed or awaited afterwards (the last 10,000 jobs are
     * remembered); a job that had ended before this process followed it counts when first seen.
     *
     * @param job the job as it ended
     */
    public void jobEnded(Job job) {
    }

    /**
     * A preparation counted the tokens of the training examples it prepared for a model (once per
     * preparation and model).
     *
     * @param model the model the examples were prepared for, e.g. {@code davinci-002}
     * @param tokens the training split's billed tokens, per epoch
     */
    public void tokensPrepared(String model, long tokens) {
    }
}
