package dev.finetuner.service;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * How a file is uploaded. Defaults: files above {@link #DEFAULT_MULTIPART_THRESHOLD} bytes (and always
 * those above the API's 512 MB single-file limit) go through the Uploads API in parts of
 * {@link #DEFAULT_PART_SIZE} bytes, {@value #DEFAULT_PARALLEL_PARTS} at a time; an identical file already
 * uploaded is reused.
 *
 * @param multipartThreshold files larger than this use the Uploads API
 * @param partSize bytes per part, at most the API's 64 MB
 * @param parallelParts parts in flight at once (each is held in memory while sent)
 * @param reuse reuse an identical file (same SHA-256 and size) already uploaded
 * @param progress told (bytes sent, total bytes) as the upload goes; may be null
 */
public record UploadOptions(long multipartThreshold, int partSize, int parallelParts, boolean reuse,
                            BiConsumer<Long, Long> progress) {
    /** Files larger than this many bytes go through the Uploads API by default (64 MiB). */
    public static final long DEFAULT_MULTIPART_THRESHOLD = 64L << 20;
    /** Bytes per part by default (64 MiB). */
    public static final int DEFAULT_PART_SIZE = 64 << 20;
    /** Parts in flight at once by default. */
    public static final int DEFAULT_PARALLEL_PARTS = 2;
    /** The API's limit for one file sent in one request. */
    public static final long MAX_SINGLE_FILE = 512L << 20;
    /** The API's limit for a file sent in parts. */
    public static final long MAX_FILE = 8L << 30;
    /** The API's limit for one part of an upload, in bytes. */
    public static final int MAX_PART_SIZE = 64 << 20;

    /**
     * Checks the sizes: threshold positive, part size 1 to {@value #MAX_PART_SIZE}, at least one part in
     * flight.
     *
     * @param multipartThreshold files larger than this use the Uploads API
     * @param partSize bytes per part, at most the API's 64 MB
     * @param parallelParts parts in flight at once (each is held in memory while sent)
     * @param reuse reuse an identical file (same SHA-256 and size) already uploaded
     * @param progress told (bytes sent, total bytes) as the upload goes; may be null
     */
    public UploadOptions {
        if (multipartThreshold < 1) {
            throw new IllegalArgumentException("multipartThreshold must be positive");
        }
        if (partSize < 1 || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("partSize must be 1.." + MAX_PART_SIZE + ", was " + partSize);
        }
        if (parallelParts < 1) {
            throw new IllegalArgumentException("parallelParts must be >= 1, was " + parallelParts);
        }
    }

    /** {@return the defaults} */
    public static UploadOptions defaults() {
        return new UploadOptions(DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, DEFAULT_PARALLEL_PARTS, true, null);
    }

    /**
     * These options telling {@code listener} (bytes sent, total bytes) as the upload goes.
     *
     * @param listener the listener
     * @return the new options
     */
    public UploadOptions withProgress(BiConsumer<Long, Long> listener) {
        return new UploadOptions(multipartThreshold, partSize, parallelParts, reuse, Objects.requireNonNull(listener));
    }

    /**
     * Upload even when an identical file is already there.
     *
     * @return the new options
     */
    public UploadOptions withoutReuse() {
        return new UploadOptions(multipartThreshold, partSize, parallelParts, false, progress);
    }

    /**
     * These options with other multipart settings.
     *
     * @param threshold files larger than this many bytes use the Uploads API
     * @param partBytes bytes per part, 1 to {@value #MAX_PART_SIZE}
     * @param parallel parts in flight at once, at least 1
     * @return the new options
     */
    public UploadOptions withMultipart(long threshold, int partBytes, int parallel) {
        return new UploadOptions(threshold, partBytes, parallel, reuse, progress);
    }
}
