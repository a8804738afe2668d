package dev.finetuner;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call to the fine-tuning API failed: an HTTP error, or the connection itself. Carries what a support
 * ticket needs, and the message shows it on one line, e.g.
 * {@code 429 rate_limit_exceeded: Rate limit reached (request id req_abc, 5 attempts)}.
 * Never contains the API key.
 */
public class ApiException extends FineTunerException {
    /** The HTTP status, 0 when no response arrived. */
    private final int statusCode;
    /** The API's error code, or null. */
    private final String code;
    /** The request parameter at fault, or null. */
    private final String param;
    /** The {@code x-request-id} of the response, or null. */
    private final String requestId;
    /** Whether trying again may succeed. */
    private final boolean retryable;
    /** How many attempts were made. */
    private final int attempts;
    /** The wait the server asked for, or null. */
    private final java.time.Duration retryAfter;
    /** The API's message, or what went wrong. */
    private final String detail;

    /**
     * @param statusCode the HTTP status, or 0 when no response arrived (a connection error or timeout)
     * @param code the API's error code, e.g. {@code rate_limit_exceeded}, or null
     * @param param the request parameter at fault, or null
     * @param requestId the {@code x-request-id} of the response, or null
     * @param retryable whether trying again may succeed
     * @param attempts how many attempts were made
     * @param detail the API's message, or what went wrong
     * @param cause the exception that caused it, or null
     */
    public ApiException(int statusCode, String code, String param, String requestId, boolean retryable, int attempts,
                        String detail, Throwable cause) {
        this(statusCode, code, param, requestId, retryable, attempts, null, detail, cause);
    }

    /**
     * As above, with the wait the server asked for ({@code Retry-After}), or null.
     *
     * @param statusCode the HTTP status, or 0 when no response arrived (a connection error or timeout)
     * @param code the API's error code, e.g. {@code rate_limit_exceeded}, or null
     * @param param the request parameter at fault, or null
     * @param requestId the {@code x-request-id} of the response, or null
     * @param retryable whether trying again may succeed
     * @param attempts how many attempts were made
     * @param retryAfter the wait the server asked for, or null
     * @param detail the API's message, or what went wrong
     * @param cause the exception that caused it, or null
     */
    public ApiException(int statusCode, String code, String param, String requestId, boolean retryable, int attempts,
                        java.time.Duration retryAfter, String detail, Throwable cause) {
        super(format(statusCode, code, param, requestId, attempts, detail), cause);
        this.retryAfter = retryAfter;
        this.detail = detail;
        this.statusCode = statusCode;
        this.code = code;
        this.param = param;
        this.requestId = requestId;
        this.retryable = retryable;
        this.attempts = attempts;
    }

    private static String format(int status, String code, String param, String requestId, int attempts, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(status == 0 ? "connection failed" : String.valueOf(status));
        if (code != null) {
            sb.append(' ').append(code);
        }
        sb.append(": ").append(detail);
        StringBuilder tail = new StringBuilder();
        if (param != null) {
            tail.append("param ").append(param);
        }
        if (requestId != null) {
            tail.append(tail.length() > 0 ? ", " : "").append("request id ").append(requestId);
        }
        if (attempts > 1) {
            tail.append(tail.length() > 0 ? ", " : "").append(attempts).append(" attempts");
        }
        if (tail.length() > 0) {
            sb.append(" (").append(tail).append(')');
        }
        return sb.toString();
    }

    /** {@return the API's own message (or what went wrong), without the status, code and ids around it} */
    public String detail() {
        return detail;
    }

    /** {@return the HTTP status; empty when no response arrived} */
    public OptionalInt statusCode() {
        return statusCode == 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
    }

    /** {@return the API's error code, e.g. {@code rate_limit_exceeded} or {@code invalid_request_error}} */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /** {@return the request parameter the API named as wrong} */
    public Optional<String> param() {
        return Optional.ofNullable(param);
    }

    /** {@return the request id to quote to support} */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /** {@return whether trying again later may succeed (429, 5xx, connection errors; never quota or validation)} */
    public boolean isRetryable() {
        return retryable;
    }

    /** {@return the wait the server asked for with {@code Retry-After} or {@code retry-after-ms}} */
    public java.util.Optional<java.time.Duration> retryAfter() {
        return java.util.Optional.ofNullable(retryAfter);
    }

    /** {@return how many attempts were made before giving up} */
    public int attempts() {
        return attempts;
    }
}
