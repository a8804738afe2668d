package dev.finetuner.service;

import com.openai.client.OpenAIClient;
import com.openai.core.MultipartField;
import com.openai.core.http.HttpResponse;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.uploads.Upload;
import com.openai.models.uploads.UploadCompleteParams;
import com.openai.models.uploads.UploadCreateParams;
import com.openai.models.uploads.parts.PartCreateParams;
import com.openai.models.uploads.parts.UploadPart;
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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
    private static final String FINE_TUNE = "fine-tune";

    /** Processing is checked after 200 ms, then ever less often, at least every 5 s. */
    private static final Backoff PROCESSING_BACKOFF = Backoff.exponential(Duration.ofMillis(200), 2, Duration.ofSeconds(5));

    private final OpenAIClient client;
    private final Calls calls;
    private final Timing timing;

    FilesService(OpenAIClient client, Calls calls, Timing timing) {
        this.client = client;
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
        FileInfo uploaded = size > options.multipartThreshold() || size > UploadOptions.MAX_SINGLE_FILE
                ? uploadInParts(file, name, size, options)
                : uploadWhole(file, name, size, options);
        LOG.info("uploaded {} as {} ({} bytes)", file, uploaded.id(), size);
        return uploaded;
    }

    private FileInfo uploadWhole(Path file, String name, long size, UploadOptions options) {
        String key = Calls.idempotencyKey();
        FileInfo info = calls.call("files.upload", "upload " + file.getFileName(), () -> {
            try (InputStream in = Files.newInputStream(file)) {
                MultipartField<InputStream> field = MultipartField.<InputStream>builder().value(in).filename(name)
                        .contentType("application/jsonl").build();
                return info(client.files().create(FileCreateParams.builder().file(field)
                        .purpose(FilePurpose.FINE_TUNE).putAdditionalHeader("Idempotency-Key", key).build()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        report(options, size, size);
        return info;
    }

    private FileInfo uploadInParts(Path file, String name, long size, UploadOptions options) {
        UploadCreateParams create = UploadCreateParams.builder().bytes(size).filename(name).mimeType("text/jsonl")
                .purpose(FilePurpose.FINE_TUNE).putAdditionalHeader("Idempotency-Key", Calls.idempotencyKey()).build();
        Upload upload = calls.call("uploads.create", "create upload for " + file.getFileName(), () -> client.uploads().create(create));
        int parts = (int) ((size + options.partSize() - 1) / options.partSize());
        LOG.info("uploading {} ({} bytes) in {} parts as {}", file, size, parts, upload.id());
        String[] partIds = new String[parts];
        AtomicLong sent = new AtomicLong();
        Semaphore inFlight = new Semaphore(options.parallelParts()); // bounds the parts held in memory
        ExecutorService pool = Executors.newFixedThreadPool(options.parallelParts(), r -> {
            Thread t = new Thread(r, "finetuner-upload");
            t.setDaemon(true);
            return t;
        });
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            List<CompletableFuture<Void>> futures = new ArrayList<>(parts);
            for (int i = 0; i < parts; i++) {
                int index = i;
                long offset = (long) i * options.partSize();
                int length = (int) Math.min(options.partSize(), size - offset);
                inFlight.acquire();
                byte[] data = new byte[length];
                channel.read(ByteBuffer.wrap(data), offset);
                String partKey = Calls.idempotencyKey();
                futures.add(CompletableFuture.runAsync(() -> {
                    try {
                        UploadPart part = calls.call("uploads.parts", "upload part " + (index + 1) + "/" + parts + " of " + upload.id(),
                                () -> client.uploads().parts().create(PartCreateParams.builder().uploadId(upload.id())
                                        .data(data).putAdditionalHeader("Idempotency-Key", partKey).build()));
                        partIds[index] = part.id();
                        synchronized (sent) { // one caller at a time, and never backwards
                            report(options, sent.addAndGet(length), size);
                        }
                    } finally {
                        inFlight.release();
                    }
                }, pool));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (IOException e) {
            cancelQuietly(upload.id());
            throw new DatasetException("unreadable_file", file, 0, null, "reading a part failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelQuietly(upload.id());
            throw new FineTunerException("upload of " + file + " was interrupted", e);
        } catch (CompletionException e) {
            cancelQuietly(upload.id());
            throw e.getCause() instanceof RuntimeException re ? re : e;
        } finally {
            pool.shutdownNow();
        }
        UploadCompleteParams complete = UploadCompleteParams.builder().uploadId(upload.id()).partIds(List.of(partIds))
                .putAdditionalHeader("Idempotency-Key", Calls.idempotencyKey()).build();
        Upload done = calls.call("uploads.complete", "complete upload " + upload.id(), () -> client.uploads().complete(complete));
        return info(done.file().orElseThrow(() -> new FineTunerException("upload " + upload.id()
                + " completed without a file; retrieve it later or upload again")));
    }

    private void cancelQuietly(String uploadId) {
        try {
            client.uploads().cancel(uploadId);
        } catch (RuntimeException e) {
            LOG.warn("could not cancel upload {} after a failure: {}", uploadId, e.toString());
        }
    }

    private static void report(UploadOptions options, long sent, long total) {
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
        return calls.items("files.list", "list files", () -> client.files().list(FileListParams.builder().purpose(FINE_TUNE)
                        .limit(10_000L).build())).map(FilesService::info)
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
        return calls.call("files.retrieve", "retrieve file " + fileId, () -> info(client.files().retrieve(fileId)));
    }

    /** {@return every file of the organization (all purposes), newest first} */
    public List<FileInfo> list() {
        return calls.items("files.list", "list files", () -> client.files().list(FileListParams.builder().build()))
                .map(FilesService::info).toList();
    }

    /**
     * Deletes a file; true when the API says it is gone.
     *
     * @param fileId the file's id
     * @return true when the API says it is gone
     */
    public boolean delete(String fileId) {
        requireId(fileId);
        boolean deleted = calls.call("files.delete", "delete file " + fileId, () -> client.files().delete(fileId).deleted());
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
        byte[] raw = calls.call("files.content", "download file " + fileId, () -> {
            try (HttpResponse response = client.files().content(fileId); InputStream body = response.body()) {
                return body.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
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

    static FileInfo info(FileObject f) {
        @SuppressWarnings("deprecation")
        String status = Sdk.optional(() -> f.status().asString()).orElse("uploaded");
        @SuppressWarnings("deprecation")
        Optional<String> details = Sdk.optional(f::statusDetails).flatMap(x -> x);
        return new FileInfo(f.id(), f.filename(), f.bytes(), f.purpose().asString(), status, details,
                Instant.ofEpochSecond(f.createdAt()));
    }

    private static void requireId(String id) {
        Objects.requireNonNull(id, "fileId");
        if (id.isBlank() || id.contains("/")) {
            throw new IllegalArgumentException("not a file id: \"" + id + "\"");
        }
    }
}
