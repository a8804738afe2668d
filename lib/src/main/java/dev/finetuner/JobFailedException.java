package dev.finetuner;

import java.util.Optional;

/** A fine-tuning job ended as failed; {@link #code()}, {@link #param()} and the message are the job's error. */
public class JobFailedException extends FineTunerException {
    private final String jobId;
    private final String code;
    private final String param;

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
