package dev.finetuner;

/**
 * The account has no quota left ({@code insufficient_quota}). Never retried: waiting does not help;
 * check the plan and billing of the account.
 */
public class QuotaException extends ApiException {
    public QuotaException(int statusCode, String code, String param, String requestId, int attempts, String detail,
                          Throwable cause) {
        super(statusCode, code, param, requestId, false, attempts, detail, cause);
    }
}
