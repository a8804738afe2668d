package dev.finetuner.service;

import com.openai.core.JsonValue;
import com.openai.core.http.Headers;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import dev.finetuner.ApiException;
import dev.finetuner.FineTunerException;
import dev.finetuner.QuotaException;
import dev.finetuner.internal.Timing;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import com.openai.core.Page;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Every API call goes through here: translated into our exceptions once, retried by one resilience4j
 * {@link Retry} built from the {@link RetryPolicy} (the SDK's own retries are off), and logged. The
 * pauses between attempts and the {@link RetryPolicy#maxElapsed()} deadline are taken on the
 * connection's {@link Timing}, so a test on a manual clock sees exact pauses and never waits.
 */
final class Calls {
    private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

    /** The most of a server's own text that goes into an exception message. */
    static final int MAX_DETAIL = 500;

    private final RetryPolicy policy;
    private final Timing timing;
    /** What we send that must never come back out: the key, secret headers. Longest first. */
    private final List<String> secrets;
    private final java.util.concurrent.atomic.AtomicLong attemptsMade = new java.util.concurrent.atomic.AtomicLong();
    private final ApiListener listener;
    /** Jobs already told to {@link ApiListener#jobEnded}, so that awaiting a job again does not count it again. */
    private final Set<String> endedJobs = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_ENDED_JOBS;
        }
    });
    /** How many ended jobs {@link #jobEnded} remembers. */
    static final int REMEMBERED_ENDED_JOBS = 10_000;

    Calls(RetryPolicy policy, Timing timing) {
        this(policy, timing, List.of());
    }

    Calls(RetryPolicy policy, Timing timing, java.util.Collection<String> secrets) {
        this(policy, timing, secrets, ApiListener.NONE);
    }

    Calls(RetryPolicy policy, Timing timing, java.util.Collection<String> secrets, ApiListener listener) {
        this.policy = policy;
        this.timing = timing;
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
        this.secrets = secrets.stream().filter(s -> s != null && s.length() >= 4).distinct()
                .sorted(java.util.Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** {@code text} with every secret we send replaced, so that a server echoing one cannot make us print it. */
    String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, "[redacted]");
        }
        return out;
    }

    /** Requests sent so far, retries included. */
    long attemptsMade() {
        return attemptsMade.get();
    }

    RetryPolicy policy() {
        return policy;
    }

    ApiListener listener() {
        return listener;
    }

    /** Tells the listener that a follower saw {@code job} ended, the first time this connection sees it. */
    void jobEnded(Job job) {
        boolean first;
        synchronized (endedJobs) {
            first = endedJobs.add(job.id());
        }
        if (first) {
            listener.jobEnded(job);
        }
    }

    /**
     * Runs {@code call}, retrying what is worth retrying; {@code onRetry} hears of each retry. The
     * connection's {@link ApiListener} hears of each attempt's end and each retry under {@code endpoint}, a
     * fixed route name such as {@code jobs.events} (never an id: it becomes a metric tag).
     */
    <T> T call(String endpoint, String operation, Supplier<T> call, Consumer<RetryEvent> onRetry) {
        long deadline = timing.nanoTime() + policy.maxElapsed().toNanos();
        int[] attempts = {0};
        RetryConfig config = RetryConfig.<T>custom()
                .maxAttempts(policy.maxAttempts())
                .retryOnException(t -> t instanceof ApiException a && a.isRetryable()
                        && timing.nanoTime() < deadline)
                .intervalBiFunction((Integer attempt, Either<Throwable, T> outcome) -> {
                    ApiException cause = (ApiException) outcome.getLeft();
                    Duration wait = policy.backoff(attempt, cause.retryAfter().orElse(null),
                            ThreadLocalRandom.current().nextDouble());
                    long left = deadline - timing.nanoTime();
                    if (wait.toNanos() > left) {
                        wait = Duration.ofNanos(Math.max(0, left)); // the last try happens before the deadline
                    }
                    if (refused(cause)) {
                        // nobody listening: each attempt says the same, and the last error says it once more
                        // (with the attempts); a retry listener still hears of each
                        LOG.debug("{} failed (attempt {} of {}), retrying in {} ms: {}", operation, attempt,
                                policy.maxAttempts(), wait.toMillis(), cause.getMessage());
                    } else {
                        LOG.warn("{} failed (attempt {} of {}), retrying in {} ms: {}", operation, attempt,
                                policy.maxAttempts(), wait.toMillis(), cause.getMessage());
                    }
                    RetryEvent event = new RetryEvent(operation, attempt, wait, cause);
                    listener.retried(endpoint, event);
                    if (onRetry != null) {
                        onRetry.accept(event);
                    }
                    // resilience4j sleeps with Thread.sleep and has no hook for another sleeper: the pause
                    // is taken here, on our Timing, and resilience4j is told to wait no longer
                    try {
                        timing.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw cause; // ends the retries with what failed last
                    }
                    return 0L;
                })
                .build();
        Retry retry = Retry.of(operation, config);
        try {
            return Retry.decorateSupplier(retry, () -> {
                attempts[0]++;
                attemptsMade.incrementAndGet();
                LOG.debug("{} (attempt {})", operation, attempts[0]);
                long start = timing.nanoTime();
                T result;
                try {
                    result = call.get();
                } catch (RuntimeException e) {
                    RuntimeException translated = translate(e, 1, operation);
                    listener.requestEnded(endpoint, status(translated), Duration.ofNanos(timing.nanoTime() - start));
                    throw translated;
                }
                listener.requestEnded(endpoint, ApiListener.STATUS_SUCCESS, Duration.ofNanos(timing.nanoTime() - start));
                return result;
            }).get();
        } catch (ApiException e) {
            throw attempts[0] > 1 ? withAttempts(e, attempts[0]) : e;
        }
    }

    <T> T call(String endpoint, String operation, Supplier<T> call) {
        return call(endpoint, operation, call, null);
    }

    /** The {@link ApiListener} status of a failed attempt, as {@link #translate} made it. */
    static String status(RuntimeException e) {
        if (e instanceof ApiException a) {
            if (a.statusCode().isPresent()) {
                return Integer.toString(a.statusCode().getAsInt());
            }
            return "invalid_response".equals(a.code().orElse(null)) ? ApiListener.STATUS_INVALID_RESPONSE
                    : ApiListener.STATUS_IO_ERROR;
        }
        return ApiListener.STATUS_CLIENT_ERROR;
    }

    /**
     * Every item of a paginated list, fetched page by page as the stream is consumed (the first page
     * too: nothing is requested until the stream is read), each page request retried as any call.
     */
    <T> Stream<T> items(String endpoint, String operation, Supplier<? extends Page<T>> first) {
        Iterator<T> it = new Iterator<>() {
            private Page<T> page;
            private int index;

            @Override
            public boolean hasNext() {
                if (page == null) {
                    page = call(endpoint, operation, first);
                }
                while (index >= page.items().size()) {
                    if (!page.hasNextPage()) {
                        return false;
                    }
                    Page<T> current = page;
                    page = call(endpoint, operation, current::nextPage);
                    index = 0;
                }
                return true;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.items().get(index++);
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    /** True when the connection was refused: no server listens at the base URL. */
    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** A key for one POST, made outside the retry so that every attempt sends the same one. */
    static String idempotencyKey() {
        return "finetuner-" + UUID.randomUUID();
    }

    private static ApiException withAttempts(ApiException e, int attempts) {
        if (e instanceof QuotaException) {
            return new QuotaException(e.statusCode().orElse(0), e.code().orElse(null), e.param().orElse(null),
                    e.requestId().orElse(null), attempts, e.detail(), e.getCause());
        }
        return new ApiException(e.statusCode().orElse(0), e.code().orElse(null), e.param().orElse(null),
                e.requestId().orElse(null), e.isRetryable(), attempts, e.retryAfter().orElse(null), e.detail(),
                e.getCause());
    }

    /**
     * Our exception for whatever the SDK threw. A server's own words are redacted of our secrets and cut
     * short, and the SDK's exception is kept as the cause only in a redacted copy (its message can hold
     * the server's answer whole).
     */
    RuntimeException translate(RuntimeException e, int attempts, String operation) {
        if (e instanceof FineTunerException) {
            return e;
        }
        if (e instanceof OpenAIServiceException s) {
            int status = s.statusCode();
            String code = s.code().orElse(null);
            String message = shorten(redact(messageOf(s)));
            String requestId = first(s.headers(), "x-request-id");
            RuntimeException cause = redacted(e);
            if ("insufficient_quota".equals(code)) {
                return new QuotaException(status, code, s.param().orElse(null), requestId, attempts, message, cause);
            }
            boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
            return new ApiException(status, code, s.param().orElse(null), requestId, retryable, attempts,
                    retryAfter(s.headers()), message, cause);
        }
        if (e instanceof OpenAIIoException) {
            return new ApiException(0, null, null, null, true, attempts, null,
                    shorten(redact(e.getCause() != null ? e.getCause().toString() : String.valueOf(e.getMessage()))),
                    redacted(e));
        }
        if (e instanceof com.openai.errors.OpenAIException) {
            // a 2xx answer that is not the API's JSON (an HTML page from a proxy, a wrong base URL)
            return new ApiException(0, "invalid_response", null, null, false, attempts, null, "the answer to "
                    + operation + " is not the API's JSON; check the base URL (" + shorten(redact(e.getMessage())) + ")",
                    redacted(e));
        }
        return e;
    }

    static String shorten(String s) {
        return s == null || s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "... (" + s.length() + " characters)";
    }

    /** The SDK's exception as a cause that carries its type, redacted message and stack, but not the secrets. */
    private RuntimeException redacted(RuntimeException e) {
        String message = redact(e.getMessage());
        if (java.util.Objects.equals(message, e.getMessage())) {
            return e;
        }
        RuntimeException copy = new RuntimeException(e.getClass().getName() + ": " + message);
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    private static String messageOf(OpenAIServiceException s) {
        try {
            JsonValue body = s.body();
            @SuppressWarnings("unchecked")
            Map<String, Object> map = body.convert(Map.class);
            if (map != null && map.get("message") instanceof String m) {
                return m;
            }
        } catch (RuntimeException ignored) {
            // a body that is not the API's error object: fall back to the SDK's message
        }
        String m = s.getMessage();
        if (m == null) {
            return "HTTP " + s.statusCode();
        }
        String prefix = s.statusCode() + ": "; // the SDK's message starts with the status we show anyway
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private static String first(Headers headers, String name) {
        List<String> v = headers.values(name);
        return v.isEmpty() ? null : v.get(0);
    }

    /** {@code retry-after-ms}, or {@code Retry-After} in seconds or as an HTTP date. */
    static Duration retryAfter(Headers headers) {
        return retryAfter(first(headers, "retry-after-ms"), first(headers, "retry-after"));
    }

    /** {@code retry-after-ms}, or {@code Retry-After} in seconds or as an HTTP date; each may be null. */
    static Duration retryAfter(String ms, String ra) {
        try {
            if (ms != null) {
                return Duration.ofMillis((long) Double.parseDouble(ms.trim()));
            }
            if (ra == null) {
                return null;
            }
            ra = ra.trim();
            if (ra.matches("\\d+(\\.\\d+)?")) {
                return Duration.ofMillis((long) (Double.parseDouble(ra) * 1000));
            }
            ZonedDateTime at = ZonedDateTime.parse(ra, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (RuntimeException e) {
            return null; // an unreadable Retry-After: fall back to our own backoff
        }
    }
}
