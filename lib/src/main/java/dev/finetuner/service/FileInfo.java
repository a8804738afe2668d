package dev.finetuner.service;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A file stored with the API.
 *
 * @param id e.g. {@code file-abc}
 * @param filename the name it was uploaded under
 * @param bytes its size
 * @param purpose e.g. {@code fine-tune} or {@code fine-tune-results}
 * @param status {@code uploaded}, {@code processed} or {@code error} (kept as sent)
 * @param statusDetails why processing failed, when it did
 * @param createdAt when it was uploaded
 */
public record FileInfo(String id, String filename, long bytes, String purpose, String status,
                       Optional<String> statusDetails, Instant createdAt) {
    /**
     * Checks that every component is given (an empty {@code Optional}, never null).
     *
     * @param id e.g. {@code file-abc}
     * @param filename the name it was uploaded under
     * @param bytes its size
     * @param purpose e.g. {@code fine-tune} or {@code fine-tune-results}
     * @param status {@code uploaded}, {@code processed} or {@code error} (kept as sent)
     * @param statusDetails why processing failed, when it did
     * @param createdAt when it was uploaded
     */
    public FileInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(statusDetails, "statusDetails");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** {@return true once the API has processed the file and it can be trained on} */
    public boolean isProcessed() {
        return status.equals("processed");
    }

    /** {@return true when the API could not process the file ({@link #statusDetails()} says why)} */
    public boolean isError() {
        return status.equals("error");
    }
}
