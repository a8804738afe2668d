package dev.finetuner.service;

import dev.finetuner.AwaitTimeoutException;
import dev.finetuner.DatasetException;
import dev.finetuner.FineTunerException;
import dev.finetuner.internal.Backoff;
import dev.finetuner.internal.Timing;
import dev.finetuner.internal.WaitResult;
import dev.finetuner.internal.Waiter;
import dev.finetuner.internal.WaiterAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Files for fine-tuning: upload (large files in parallel parts through the Uploads API), reuse of an
 * identical file already uploaded, waiting until a file is processed, list, retrieve, delete and
 * download (result files decoded from base64 when served that way). Thread-safe.
 *
 * <p>Reuse works without local state: an uploaded file's name carries the first 16 hex digits of its
 * SHA-256 ({@code train.jsonl} is uploaded as {@code train.sha256-0123456789abcdef.jsonl}), so an
 * identical file is found by name and size among the files already there.
 */
public final class FilesService {
    private static final Logger LOG = LoggerFactory.getLogger(FilesService.class);

    /** Processing is checked after 200 ms, then ever less often, at least every 5 s. */
    private static final Backoff PROCESSING_BACKOFF = Backoff.exponential(Duration.ofMillis(200), 2, Duration.ofSeconds(5));

    private final Backend backend;
    private final Calls calls;
    private final Timing timing;

    FilesService(Backend backend, Calls calls, Timing timing) {
        this.backend = backend;
        this.calls = calls;
        this.timing = timing;
    }

    /**
     * Uploads a JSONL training or validation file with the defaults.
     *
     * @param file the JSONL file
     * @return the uploaded (or reused) file
     */
    public FileInfo upload(Path file) {
        return upload(file, UploadOptions.defaults());
    }

    /**
     * Uploads a JSONL file for {@code purpose=fine-tune}, reusing an identical one already uploaded
     * unless the options say not to.
     *
     * @param file the JSONL file
     * @param options reuse, multipart sizes and progress
     * @return the uploaded (or reused) file
     * @throws DatasetException if the file is missing or unreadable, or larger than the API's 8 GB
     */
    public FileInfo upload(Path file, UploadOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        long size;
        String hash;
        try {
            size = Files.size(file);
            hash = sha256(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new DatasetException("file_not_found", file, 0, null, "no such file to upload", e);
        } catch (IOException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "cannot read the file to upload: " + e, e);
        }
        if (size > UploadOptions.MAX_FILE) {
            throw new DatasetException("file_too_large", file, 0, null, "the file has " + size
                    + " bytes; the API takes at most " + UploadOptions.MAX_FILE + " (8 GB)");
        }
        String name = uploadName(file, hash);
        if (options.reuse()) {
            Optional<FileInfo> existing = findUploaded(name, size);
            if (existing.isPresent()) {
                LOG.info("reusing {} for {}: the same content was uploaded before", existing.get().id(), file);
                report(options, size, size);
                return existing.get();
            }
        }
        FileInfo uploaded = backend.upload(file, name, size, options);
        LOG.info("uploaded {} as {} ({} bytes)", file, uploaded.id(), size);
        return uploaded;
    }

    static void report(UploadOptions options, long sent, long total) {
        if (options.progress() != null) {
            options.progress().accept(sent, total);
        }
    }

    /** The name an upload gets: the file's, with the start of its SHA-256 before the extension. */
    static String uploadName(Path file, String sha256) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".jsonl";
        return stem + ".sha256-" + sha256.substring(0, 16) + ext;
    }

    private Optional<FileInfo> findUploaded(String name, long size) {
        return backend.listFiles(true)
                .filter(f -> f.filename().equals(name) && f.bytes() == size && !f.isError()).findFirst();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Waits until the API has processed the file; fails with its status details when it could not.
     *
     * @param fileId the file's id
     * @param timeout the longest wait
     * @return the file, processed
     * @throws AwaitTimeoutException when it is still not processed after {@code timeout} (checked once more then)
     */
    public FileInfo awaitProcessed(String fileId, Duration timeout) {
        requireId(fileId);
        Objects.requireNonNull(timeout, "timeout");
        WaitResult<FileInfo> r = Waiter.<FileInfo>builder(timing).name("processing of " + fileId)
                .acceptor(WaiterAcceptor.successOn(FileInfo::isProcessed))
                .acceptor(WaiterAcceptor.failureOn(FileInfo::isError))
                .backoff(PROCESSING_BACKOFF)
                .timeout(timeout)
                .build()
                .run(() -> retrieve(fileId));
        return switch (r.outcome()) {
            case SUCCESS -> r.response().orElseThrow();
            case FAILURE -> {
                FileInfo info = r.last().orElseThrow().orThrow(); // rethrows what retrieve threw
                throw new FineTunerException("file " + fileId + " (" + info.filename() + ") could not be processed: "
                        + info.statusDetails().orElse("no details given"));
            }
            case TIMED_OUT -> throw new AwaitTimeoutException("file", fileId, timeout, r.response().orElseThrow().status(),
                    "wait again, or check the file with retrieve(\"" + fileId + "\")");
            case STOPPED, INTERRUPTED -> throw new FineTunerException("waiting for file " + fileId + " was interrupted");
        };
    }

    /**
     * {@return a file's metadata}
     *
     * @param fileId the file's id
     */
    public FileInfo retrieve(String fileId) {
        requireId(fileId);
        return backend.retrieveFile(fileId);
    }

    /** {@return every file of the organization (all purposes), newest first} */
    public List<FileInfo> list() {
        return backend.listFiles(false).toList();
    }

    /**
     * Deletes a file; true when the API says it is gone.
     *
     * @param fileId the file's id
     * @return true when the API says it is gone
     */
    public boolean delete(String fileId) {
        requireId(fileId);
        boolean deleted = backend.deleteFile(fileId);
        LOG.info("deleted file {}: {}", fileId, deleted);
        return deleted;
    }

    /**
     * A file's content. Result files the API serves base64-encoded are decoded, so the metrics CSV
     * always comes back as CSV.
     *
     * @param fileId the file's id
     * @return the content
     */
    public byte[] download(String fileId) {
        requireId(fileId);
        byte[] raw = backend.fileContent(fileId);
        return decodeIfBase64(raw);
    }

    /** The bytes, decoded when they are one base64 text (and not already CSV or JSON). */
    static byte[] decodeIfBase64(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1).strip();
        if (text.isEmpty() || text.length() % 4 != 0 || !text.matches("[A-Za-z0-9+/]+={0,2}")) {
            return raw;
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    private static void requireId(String id) {
        Objects.requireNonNull(id, "fileId");
        if (id.isBlank() || id.contains("/")) {
            throw new IllegalArgumentException("not a file id: \"" + id + "\"");
        }
    }
}
