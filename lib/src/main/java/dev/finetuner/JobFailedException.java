package dev.finetuner;

import java.util.Optional;

/** A fine-tuning job ended as failed; {@link #code()}, {@link #param()} and the message are the job's error. */
public class JobFailedException extends FineTunerException {
    /** The failed job. */
    private final String jobId;
    /** The job's error code, or null. */
    private final String code;
    /** The parameter the error names, or null. */
    private final String param;

    /**
     * A failed job and its error as the API gave it.
     *
     * @param jobId the failed job
     * @param code the job's error code, e.g. {@code invalid_training_file}, or null
     * @param message the job's error message
     * @param param the parameter the error names, e.g. {@code training_file}, or null
     */
    public JobFailedException(String jobId, String code, String message, String param) {
        super("fine-tuning job " + jobId + " failed" + (code == null ? "" : " (" + code + ")") + ": " + message
                + (param == null ? "" : " [param " + param + "]"));
        this.jobId = jobId;
        this.code = code;
        this.param = param;
    }

    /** {@return the failed job} */
    public String jobId() {
        return jobId;
    }

    /** {@return the job's error code, e.g. {@code invalid_training_file}} */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /** {@return the parameter the error names, e.g. {@code training_file}} */
    public Optional<String> param() {
        return Optional.ofNullable(param);
    }
}
