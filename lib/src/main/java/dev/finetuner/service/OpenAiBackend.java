package dev.finetuner.service;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.MultipartField;
import com.openai.core.http.HttpResponse;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCancelParams;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.JobListEventsPage;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import com.openai.models.finetuning.jobs.JobListParams;
import com.openai.models.finetuning.jobs.JobPauseParams;
import com.openai.models.finetuning.jobs.JobResumeParams;
import com.openai.models.finetuning.jobs.checkpoints.CheckpointListParams;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import com.openai.models.finetuning.methods.SupervisedHyperparameters;
import com.openai.models.finetuning.methods.SupervisedMethod;
import com.openai.models.uploads.Upload;
import com.openai.models.uploads.UploadCompleteParams;
import com.openai.models.uploads.UploadCreateParams;
import com.openai.models.uploads.parts.PartCreateParams;
import com.openai.models.uploads.parts.UploadPart;
import dev.finetuner.DatasetException;
import dev.finetuner.FineTunerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The OpenAI shape of files, jobs and events (also Azure OpenAI, {@code LocalOpenAi} and other
 * compatible servers), on openai-java: files above the multipart threshold go through the Uploads API
 * in parallel parts; every POST carries an {@code Idempotency-Key}.
 */
final class OpenAiBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiBackend.class);
    private static final String FINE_TUNE = "fine-tune";

    private final OpenAIClient client;
    private final boolean ownsClient;
    private final Calls calls;

    OpenAiBackend(OpenAIClient client, boolean ownsClient, Calls calls) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.calls = calls;
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public FileInfo upload(Path file, String name, long size, UploadOptions options) {
        return size > options.multipartThreshold() || size > UploadOptions.MAX_SINGLE_FILE
                ? uploadInParts(file, name, size, options)
                : uploadWhole(file, name, size, options);
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
        FilesService.report(options, size, size);
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
                            FilesService.report(options, sent.addAndGet(length), size);
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

    @Override
    public FileInfo retrieveFile(String fileId) {
        return calls.call("files.retrieve", "retrieve file " + fileId, () -> info(client.files().retrieve(fileId)));
    }

    @Override
    public Stream<FileInfo> listFiles(boolean fineTuneOnly) {
        FileListParams params = fineTuneOnly ? FileListParams.builder().purpose(FINE_TUNE).limit(10_000L).build()
                : FileListParams.builder().build();
        return calls.items("files.list", "list files", () -> client.files().list(params)).map(OpenAiBackend::info);
    }

    @Override
    public boolean deleteFile(String fileId) {
        return calls.call("files.delete", "delete file " + fileId, () -> client.files().delete(fileId).deleted());
    }

    @Override
    public byte[] fileContent(String fileId) {
        return calls.call("files.content", "download file " + fileId, () -> {
            try (HttpResponse response = client.files().content(fileId); InputStream body = response.body()) {
                return body.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static FileInfo info(FileObject f) {
        @SuppressWarnings("deprecation")
        String status = Sdk.optional(() -> f.status().asString()).orElse("uploaded");
        @SuppressWarnings("deprecation")
        Optional<String> details = Sdk.optional(f::statusDetails).flatMap(x -> x);
        return new FileInfo(f.id(), f.filename(), f.bytes(), f.purpose().asString(), status, details,
                Instant.ofEpochSecond(f.createdAt()));
    }

    @Override
    public Job createJob(JobRequest request) {
        if (request.lora().isPresent()) {
            throw new IllegalArgumentException("LoRA options are Together AI's: OpenAI fine-tuning chooses its own"
                    + " method; leave lora(...) out, or use backend(\"together\")");
        }
        JobCreateParams params = params(request);
        return calls.call("jobs.create", "create fine-tuning job on " + request.model(),
                () -> Sdk.job(client.fineTuning().jobs().create(params)));
    }

    static JobCreateParams params(JobRequest r) {
        JobCreateParams.Builder b = JobCreateParams.builder().model(r.model()).trainingFile(r.trainingFile());
        r.validationFile().ifPresent(b::validationFile);
        r.suffix().ifPresent(b::suffix);
        r.seed().ifPresent(b::seed);
        if (!r.metadata().isEmpty()) {
            JobCreateParams.Metadata.Builder m = JobCreateParams.Metadata.builder();
            r.metadata().forEach((k, v) -> m.putAdditionalProperty(k, JsonValue.from(v)));
            b.metadata(m.build());
        }
        r.wandbProject().ifPresent(p -> b.addIntegration(JobCreateParams.Integration.builder()
                .wandb(JobCreateParams.Integration.Wandb.builder().project(p).build()).build()));
        Hyperparameters h = r.hyperparameters();
        if (r.method() == JobRequest.Method.DPO) {
            DpoHyperparameters.Builder hb = DpoHyperparameters.builder();
            h.epochs().ifPresent(hb::nEpochs);
            h.batchSize().ifPresent(hb::batchSize);
            h.learningRateMultiplier().ifPresent(hb::learningRateMultiplier);
            h.beta().ifPresent(hb::beta);
            b.method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.DPO)
                    .dpo(DpoMethod.builder().hyperparameters(hb.build()).build()).build());
        } else {
            SupervisedHyperparameters.Builder hb = SupervisedHyperparameters.builder();
            h.epochs().ifPresent(hb::nEpochs);
            h.batchSize().ifPresent(hb::batchSize);
            h.learningRateMultiplier().ifPresent(hb::learningRateMultiplier);
            b.method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.SUPERVISED)
                    .supervised(SupervisedMethod.builder().hyperparameters(hb.build()).build()).build());
        }
        b.putAdditionalHeader("Idempotency-Key", r.idempotencyKey());
        return b.build();
    }

    @Override
    public Job retrieveJob(String jobId, Consumer<RetryEvent> onRetry) {
        return calls.call("jobs.retrieve", "retrieve " + jobId, () -> Sdk.job(client.fineTuning().jobs().retrieve(jobId)), onRetry);
    }

    @Override
    public Stream<Job> listJobs() {
        return calls.items("jobs.list", "list fine-tuning jobs",
                () -> client.fineTuning().jobs().list(JobListParams.builder().limit(100).build())).map(Sdk::job);
    }

    @Override
    public Job cancelJob(String jobId) {
        String key = Calls.idempotencyKey();
        return calls.call("jobs.cancel", "cancel " + jobId, () -> Sdk.job(client.fineTuning().jobs().cancel(JobCancelParams.builder().fineTuningJobId(jobId)
                .putAdditionalHeader("Idempotency-Key", key).build())));
    }

    @Override
    public Job pauseJob(String jobId) {
        String key = Calls.idempotencyKey();
        return calls.call("jobs.pause", "pause " + jobId, () -> Sdk.job(client.fineTuning().jobs().pause(JobPauseParams.builder().fineTuningJobId(jobId)
                .putAdditionalHeader("Idempotency-Key", key).build())));
    }

    @Override
    public Job resumeJob(String jobId) {
        String key = Calls.idempotencyKey();
        return calls.call("jobs.resume", "resume " + jobId, () -> Sdk.job(client.fineTuning().jobs().resume(JobResumeParams.builder().fineTuningJobId(jobId)
                .putAdditionalHeader("Idempotency-Key", key).build())));
    }

    @Override
    public List<Checkpoint> checkpoints(String jobId) {
        return calls.items("jobs.checkpoints", "list checkpoints of " + jobId, () -> client.fineTuning().jobs().checkpoints()
                .list(jobId, CheckpointListParams.builder().limit(100).build())).map(Sdk::checkpoint).toList();
    }

    @Override
    public JobsService.EventPage events(String jobId, String after, int limit, Consumer<RetryEvent> onRetry) {
        JobListEventsParams.Builder p = JobListEventsParams.builder().limit(limit);
        if (after != null) {
            p.after(after);
        }
        JobListEventsParams params = p.build();
        JobListEventsPage page = calls.call("jobs.events", "list events of " + jobId,
                () -> client.fineTuning().jobs().listEvents(jobId, params), onRetry);
        List<JobEvent> events = new ArrayList<>(page.data().size());
        for (FineTuningJobEvent e : page.data()) {
            events.add(Sdk.event(e));
        }
        return new JobsService.EventPage(events, page.hasMore().orElse(false));
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
