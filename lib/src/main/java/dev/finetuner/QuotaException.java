package dev.finetuner;

/**
 * The account has no quota left ({@code insufficient_quota}). Never retried: waiting does not help;
 * check the plan and billing of the account.
 */
public class QuotaException extends ApiException {
    /**
     * An {@code insufficient_quota} error; never retryable.
     *
     * @param statusCode the HTTP status
     * @param code the API's error code, {@code insufficient_quota}
     * @param param the request parameter at fault, or null
     * @param requestId the {@code x-request-id} of the response, or null
     * @param attempts how many attempts were made
     * @param detail the API's message
     * @param cause the exception that caused it, or null
     */
    public QuotaException(int statusCode, String code, String param, String requestId, int attempts, String detail,
                          Throwable cause) {
        super(statusCode, code, param, requestId, false, attempts, detail, cause);
    }
}
