package dev.finetuner.service;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One fine-tuning service's shape of files, jobs, events and models: what {@link FilesService},
 * {@link JobsService} and {@link JobFollower} need, and nothing more. {@link OpenAiBackend} is the
 * OpenAI shape (also Azure OpenAI, {@code LocalOpenAi} and other compatible servers) on openai-java;
 * {@link TogetherBackend} is Together AI's {@code /v1/fine-tunes} shape on the JDK's HTTP client.
 * Each call is made through the connection's {@link Calls}, so retries and errors are the same on
 * every backend. Implementations are thread-safe.
 */
interface Backend extends AutoCloseable {
    /** {@return the backend's name, as {@code OpenAiConnection.Builder.backend} takes it} */
    String name();

    /**
     * Uploads a file for fine-tuning under {@code name}, whole or in parts as the service allows,
     * telling {@code options}' progress callback as bytes are sent.
     */
    FileInfo upload(Path file, String name, long size, UploadOptions options);

    FileInfo retrieveFile(String fileId);

    /** Every file; with {@code fineTuneOnly}, those whose purpose is {@code fine-tune} (for reuse). */
    Stream<FileInfo> listFiles(boolean fineTuneOnly);

    boolean deleteFile(String fileId);

    /** The content as served (base64 decoding is the caller's). */
    byte[] fileContent(String fileId);

    /** Creates the job; the request's idempotency key goes with every attempt where the service takes one. */
    Job createJob(JobRequest request);

    Job retrieveJob(String jobId, Consumer<RetryEvent> onRetry);

    /** Every job, newest first, fetched as the stream is consumed. */
    Stream<Job> listJobs();

    /** The job that trained {@code modelId}, newest first among the jobs. */
    default java.util.Optional<Job> findByModel(String modelId) {
        return listJobs().filter(j -> j.fineTunedModel().filter(modelId::equals).isPresent()).findFirst();
    }

    Job cancelJob(String jobId);

    Job pauseJob(String jobId);

    Job resumeJob(String jobId);

    List<Checkpoint> checkpoints(String jobId);

    /**
     * One page of events, newest first, with OpenAI's cursor rule: {@code after} null gives the newest
     * {@code limit}, else the {@code limit} events just older than the event with id {@code after}.
     */
    JobsService.EventPage events(String jobId, String after, int limit, Consumer<RetryEvent> onRetry);

    /** Releases the backend's connections. */
    @Override
    void close();
}
