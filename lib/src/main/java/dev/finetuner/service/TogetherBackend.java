package dev.finetuner.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.ApiException;
import dev.finetuner.FineTunerException;
import dev.finetuner.QuotaException;
import dev.finetuner.internal.PromptEndings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Together AI's fine-tuning API ({@code /v1/files/upload}, {@code /v1/fine-tunes}) behind the same
 * calls as OpenAI's, on the JDK's HTTP client, every request through the connection's {@link Calls}.
 * Where the services differ, this is how they are bridged:
 *
 * <ul>
 *   <li><b>Statuses</b>: {@code pending} and {@code queued} are {@link JobStatus#QUEUED};
 *       {@code running}, {@code compressing} and {@code uploading} are {@link JobStatus#RUNNING} (the
 *       events say which); {@code completed} is {@link JobStatus#SUCCEEDED}, {@code error}
 *       {@link JobStatus#FAILED}, {@code cancelled} {@link JobStatus#CANCELLED}; anything else
 *       ({@code cancel_requested}, a new status) is kept as sent and is not finished.</li>
 *   <li><b>The model</b>: a job's {@code model_output_name} is the fine-tuned model, given once the job
 *       is {@code completed}; inference is OpenAI-shaped, so completions call it by that name.</li>
 *   <li><b>A failed job's error</b>: Together puts no error on the job; it is the last {@code error}-level
 *       (or {@code job_error}) event, whose message becomes the {@link JobError} (code: the event's type).</li>
 *   <li><b>Events carry no id and come as one list</b>: they are put in chronological order
 *       ({@code created_at}, the server's order among equal times) and each gets a stable id,
 *       {@code tgevent-} and 16 hex digits of the SHA-256 of job id, time, type, step and message, then
 *       {@code -n} where {@code n} counts the identical events before it (1 for the first). The same event
 *       gets the same id on every read, so the follower's rule holds unchanged: pages are served newest
 *       first, {@code after} pages back from an id, and an event is delivered once, oldest first, even
 *       across restarts. An event Together inserted before one already delivered would not be seen.</li>
 *   <li><b>Metadata</b>: Together keeps none; the separator and stop sequence a model was trained with are
 *       read back from its training file (up to 64 MB, once per file), so a restarted process still calls
 *       the model as trained; other metadata is not kept (a WARN says so).</li>
 *   <li><b>Hyperparameters</b>: Together takes an absolute {@code learning_rate} (its default 1e-5):
 *       our learning-rate multiplier is sent as multiplier x 1e-5 and read back the same way. "auto" epochs
 *       and batch size are left out, so Together's defaults apply (1 epoch, the largest batch).
 *       With a validation file, {@code n_evals} is the number of epochs (at least 1), so it is used.</li>
 *   <li><b>Creating twice</b>: Together takes no idempotency key; before a retried create is sent again,
 *       the jobs are listed and one made since the first attempt on the same model and training file is
 *       returned instead.</li>
 *   <li><b>Not on Together</b>: pause and resume (a {@link FineTunerException}), result files (metrics come
 *       from the events), multipart uploads (files go whole to {@code /files/upload}).</li>
 * </ul>
 */
final class TogetherBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(TogetherBackend.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Together's default learning rate: our multiplier 1.0. */
    static final double BASE_LEARNING_RATE = 1e-5;
    private static final int REMEMBERED_FORMATS = 1_000;

    private final String baseUrl;
    private final String apiKey;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final Calls calls;
    private final HttpClient http;
    /** The OpenAI-shaped client completions go through, closed with this backend. */
    private final Backend completions;
    /** Prompt-format metadata by training file id: what was sent at create, or read from the file. */
    private final Map<String, Map<String, String>> formats = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, String>> eldest) {
            return size() > REMEMBERED_FORMATS;
        }
    };

    TogetherBackend(String baseUrl, String apiKey, Map<String, String> headers, Duration timeout, Calls calls,
                    Backend completions) {
        this.completions = completions;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
        this.calls = calls;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "together";
    }

    // ---- files

    @Override
    public FileInfo upload(Path file, String name, long size, UploadOptions options) {
        String boundary = "finetuner-" + UUID.randomUUID();
        String head = part(boundary, "purpose", "fine-tune") + part(boundary, "file_name", name)
                + part(boundary, "file_type", "jsonl")
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + name.replace("\"", "") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.concat(
                    HttpRequest.BodyPublishers.ofByteArray(head.getBytes(StandardCharsets.UTF_8)),
                    HttpRequest.BodyPublishers.ofFile(file),
                    HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.FileNotFoundException e) {
            throw new dev.finetuner.DatasetException("file_not_found", file, 0, null, "no such file to upload", e);
        }
        HttpRequest request = request("files/upload").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(body).build();
        FileInfo info = fileInfo(call("files.upload", "upload " + file.getFileName(), request, null));
        FilesService.report(options, size, size);
        return info;
    }

    private static String part(String boundary, String name, String value) {
        return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    @Override
    public FileInfo retrieveFile(String fileId) {
        return fileInfo(call("files.retrieve", "retrieve file " + fileId, request("files/" + enc(fileId)).GET().build(), null));
    }

    @Override
    public Stream<FileInfo> listFiles(boolean fineTuneOnly) {
        JsonNode list = call("files.list", "list files", request("files").GET().build(), null);
        return items(list).stream().map(TogetherBackend::fileInfo)
                .filter(f -> !fineTuneOnly || f.purpose().equals("fine-tune"))
                .sorted(Comparator.comparing(FileInfo::createdAt).reversed());
    }

    @Override
    public boolean deleteFile(String fileId) {
        JsonNode r = call("files.delete", "delete file " + fileId, request("files/" + enc(fileId)).DELETE().build(), null);
        return r.path("deleted").asBoolean(false);
    }

    @Override
    public byte[] fileContent(String fileId) {
        HttpRequest request = request("files/" + enc(fileId) + "/content").GET().build();
        return calls.call("files.content", "download file " + fileId, () -> send(request, "download file " + fileId), null);
    }

    static FileInfo fileInfo(JsonNode f) {
        // Together says only whether a file is processed; an unprocessed one is "uploaded", as OpenAI says
        boolean processed = f.path("Processed").asBoolean(f.path("processed").asBoolean(false));
        return new FileInfo(text(f, "id").orElseThrow(() -> invalid("a file without an id")),
                text(f, "filename").orElse(""), f.path("bytes").asLong(0), text(f, "purpose").orElse("fine-tune"),
                processed ? "processed" : "uploaded", Optional.empty(), instant(f.get("created_at")).orElse(Instant.EPOCH));
    }

    // ---- jobs

    @Override
    public Job createJob(JobRequest r) {
        ObjectNode body = body(r);
        Map<String, String> format = formatOf(r.metadata());
        if (r.metadata().size() > format.size()) {
            LOG.warn("Together AI keeps no job metadata: {} of the job's metadata pairs are not sent",
                    r.metadata().size() - format.size());
        }
        HttpRequest request = request("fine-tunes").header("Content-Type", "application/json")
                .header("Idempotency-Key", r.idempotencyKey())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        Instant firstAttempt = Instant.now();
        int[] attempt = {0};
        Job job = calls.call("jobs.create", "create fine-tuning job on " + r.model(), () -> {
            if (attempt[0]++ > 0) {
                Optional<Job> made = alreadyMade(r, firstAttempt);
                if (made.isPresent()) {
                    LOG.info("a retried create found job {}, made by an earlier attempt", made.get().id());
                    return made.get();
                }
            }
            return job(parse(send(request, "create fine-tuning job"), "create fine-tuning job"));
        }, null);
        if (!format.isEmpty()) {
            synchronized (formats) {
                formats.put(r.trainingFile(), format);
            }
        }
        return withMetadata(job);
    }

    /** A job an earlier attempt of this create made: same model and training file, created since. */
    private Optional<Job> alreadyMade(JobRequest r, Instant since) {
        HttpRequest list = request("fine-tunes").GET().build();
        JsonNode jobs = parse(send(list, "list fine-tuning jobs"), "list fine-tuning jobs");
        return items(jobs).stream().map(TogetherBackend::job)
                .filter(j -> j.model().equals(r.model()) && j.trainingFile().equals(r.trainingFile()))
                .filter(j -> !j.createdAt().isBefore(since.minusSeconds(5)))
                .max(Comparator.comparing(Job::createdAt));
    }

    static ObjectNode body(JobRequest r) {
        ObjectNode b = JSON.createObjectNode();
        b.put("training_file", r.trainingFile());
        r.validationFile().ifPresent(v -> b.put("validation_file", v));
        b.put("model", r.model());
        Hyperparameters h = r.hyperparameters();
        h.epochs().ifPresent(n -> b.put("n_epochs", n));
        if (r.validationFile().isPresent()) {
            b.put("n_evals", Math.max(1, h.epochs().orElse(1)));
        }
        h.batchSize().ifPresent(n -> b.put("batch_size", n));
        h.learningRateMultiplier().ifPresent(m -> b.put("learning_rate", m * BASE_LEARNING_RATE));
        r.suffix().ifPresent(s -> b.put("suffix", s));
        r.seed().ifPresent(s -> b.put("random_seed", s));
        r.wandbProject().ifPresent(p -> b.put("wandb_project_name", p));
        ObjectNode method = b.putObject("training_method");
        if (r.method() == JobRequest.Method.DPO) {
            method.put("method", "dpo");
            h.beta().ifPresent(beta -> method.put("dpo_beta", beta));
        } else {
            method.put("method", "sft");
            method.put("train_on_inputs", "auto");
        }
        r.lora().ifPresent(l -> {
            ObjectNode t = b.putObject("training_type");
            t.put("type", "Lora");
            t.put("lora_r", l.rank());
            t.put("lora_alpha", l.alpha());
            t.put("lora_dropout", l.dropout());
        });
        return b;
    }

    private static Map<String, String> formatOf(Map<String, String> metadata) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String key : List.of(PromptEndings.SEPARATOR_KEY, PromptEndings.STOP_KEY)) {
            if (metadata.containsKey(key)) {
                f.put(key, metadata.get(key));
            }
        }
        return f;
    }

    @Override
    public Job retrieveJob(String jobId, Consumer<RetryEvent> onRetry) {
        JsonNode j = call("jobs.retrieve", "retrieve " + jobId, request("fine-tunes/" + enc(jobId)).GET().build(), onRetry);
        Job job = job(j);
        if (job.status().equals(JobStatus.FAILED)) {
            List<JsonNode> events = j.has("events") && j.get("events").isArray() && !j.get("events").isEmpty()
                    ? items(j.get("events")) : rawEvents(jobId, onRetry);
            job = withError(job, events);
        }
        return withMetadata(job, j.path("trainingfile_size").asLong(0));
    }

    private Job withMetadata(Job job) {
        return withMetadata(job, 0);
    }

    /** The job with the prompt format it was trained with, as sent at create or read from its training file. */
    private Job withMetadata(Job job, long trainingFileSize) {
        Map<String, String> format;
        synchronized (formats) {
            format = formats.get(job.trainingFile());
        }
        if (format == null) {
            format = Map.of();
            if (!job.trainingFile().isEmpty() && trainingFileSize <= JobsService.MAX_FORMAT_READ_BYTES) {
                try {
                    format = PromptEndings.metadataOfJsonl(FilesService.decodeIfBase64(fileContent(job.trainingFile())))
                            .orElse(Map.of());
                    synchronized (formats) {
                        formats.put(job.trainingFile(), format);
                    }
                } catch (FineTunerException e) {
                    // not remembered: the next retrieve tries again
                    LOG.warn("could not read the prompt format of training file {}: {}", job.trainingFile(), e.getMessage());
                }
            }
        }
        return format.isEmpty() ? job : withFormat(job, format);
    }

    private static Job withFormat(Job job, Map<String, String> format) {
        return new Job(job.id(), job.model(), job.status(), job.createdAt(), job.finishedAt(), job.fineTunedModel(),
                job.trainingFile(), job.validationFile(), job.error(), job.resultFiles(), job.trainedTokens(), job.seed(),
                job.hyperparameters(), format, job.estimatedFinish());
    }

    private static Job withError(Job job, List<JsonNode> events) {
        JsonNode last = null;
        for (JsonNode e : events) {
            // the API documents lower-case values, its Python client sends "Error" and "JOB_ERROR": take both
            String level = text(e, "level").orElse("").toLowerCase(java.util.Locale.ROOT);
            String type = text(e, "type").orElse("").toLowerCase(java.util.Locale.ROOT);
            if (level.endsWith("error") || type.equals("job_error")) {
                last = e; // events come oldest first; the last one is why the job ended
            }
        }
        JobError error = last == null
                ? new JobError("error", "Together AI reported the job failed without an error event", Optional.empty())
                : new JobError(text(last, "type").orElse("job_error"), text(last, "message").orElse("(no message)"),
                        Optional.empty());
        return new Job(job.id(), job.model(), job.status(), job.createdAt(), job.finishedAt(), job.fineTunedModel(),
                job.trainingFile(), job.validationFile(), Optional.of(error), job.resultFiles(), job.trainedTokens(),
                job.seed(), job.hyperparameters(), job.metadata(), job.estimatedFinish());
    }

    /**
     * Every job, newest first. A listed job carries its prompt format only when this process already
     * knows it (created or retrieved it): reading every job's training file to list them would cost a
     * download per job.
     */
    @Override
    public Stream<Job> listJobs() {
        return listed().map(this::withKnownMetadata);
    }

    private Stream<Job> listed() {
        JsonNode list = call("jobs.list", "list fine-tuning jobs", request("fine-tunes").GET().build(), null);
        return items(list).stream().map(TogetherBackend::job).sorted(Comparator.comparing(Job::createdAt).reversed());
    }

    @Override
    public Optional<Job> findByModel(String modelId) {
        // only the job found has its training file read for its prompt format
        return listed().filter(j -> j.fineTunedModel().filter(modelId::equals).isPresent()).findFirst()
                .map(this::withMetadata);
    }

    private Job withKnownMetadata(Job job) {
        synchronized (formats) {
            Map<String, String> known = formats.get(job.trainingFile());
            return known == null || known.isEmpty() ? job : withFormat(job, known);
        }
    }

    @Override
    public Job cancelJob(String jobId) {
        HttpRequest request = request("fine-tunes/" + enc(jobId) + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build();
        return withMetadata(job(call("jobs.cancel", "cancel " + jobId, request, null)));
    }

    @Override
    public Job pauseJob(String jobId) {
        throw new FineTunerException("Together AI cannot pause a job; cancel(\"" + jobId + "\") stops it, and a new job"
                + " can continue from its last checkpoint");
    }

    @Override
    public Job resumeJob(String jobId) {
        throw new FineTunerException("Together AI cannot pause or resume a job (" + jobId + "); start a new job instead");
    }

    @Override
    public List<Checkpoint> checkpoints(String jobId) {
        JsonNode list = call("jobs.checkpoints", "list checkpoints of " + jobId,
                request("fine-tunes/" + enc(jobId) + "/checkpoints").GET().build(), null);
        List<Checkpoint> out = new ArrayList<>();
        for (JsonNode c : items(list)) {
            long step = c.path("step").asLong(0);
            out.add(new Checkpoint(jobId + ":" + step, jobId, text(c, "path").orElse(jobId + ":" + step), step,
                    instant(c.get("created_at")).orElse(Instant.EPOCH), new JobEvent.Metrics(OptionalLong.of(step),
                    OptionalLong.empty(), java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(),
                    java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(),
                    java.util.OptionalDouble.empty())));
        }
        out.sort(Comparator.comparingLong(Checkpoint::step).reversed());
        return out;
    }

    static Job job(JsonNode j) {
        String raw = text(j, "status").orElse("pending");
        JobStatus status = status(raw);
        Optional<Instant> created = instant(j.get("created_at"));
        Optional<Instant> updated = instant(j.get("updated_at"));
        JsonNode batch = j.get("batch_size");
        Optional<Integer> batchSize = batch != null && batch.isInt() ? Optional.of(batch.asInt()) : Optional.empty();
        Optional<Integer> epochs = j.hasNonNull("n_epochs") ? Optional.of(j.get("n_epochs").asInt()) : Optional.empty();
        Optional<Double> lr = j.hasNonNull("learning_rate") && j.get("learning_rate").isNumber()
                ? Optional.of(j.get("learning_rate").asDouble() / BASE_LEARNING_RATE) : Optional.empty();
        Optional<Double> beta = j.path("training_method").hasNonNull("dpo_beta")
                ? Optional.of(j.path("training_method").get("dpo_beta").asDouble()) : Optional.empty();
        return new Job(text(j, "id").orElseThrow(() -> invalid("a job without an id")), text(j, "model").orElse(""),
                status, created.orElse(Instant.EPOCH), status.isTerminal() ? updated.or(() -> created) : Optional.empty(),
                status.equals(JobStatus.SUCCEEDED) ? text(j, "model_output_name") : Optional.empty(),
                text(j, "training_file").orElse(""), text(j, "validation_file"), Optional.empty(), List.of(),
                j.hasNonNull("token_count") && j.get("token_count").asLong() > 0 ? OptionalLong.of(j.get("token_count").asLong())
                        : OptionalLong.empty(),
                j.hasNonNull("random_seed") ? OptionalLong.of(j.get("random_seed").asLong()) : OptionalLong.empty(),
                // Together's progress estimate is to the next status, not to the end: no estimated finish
                new Hyperparameters(epochs, batchSize, lr, beta), Map.of(), Optional.empty());
    }

    /** Together's statuses on ours; see the class comment. */
    static JobStatus status(String raw) {
        return switch (raw) {
            case "pending", "queued" -> JobStatus.QUEUED;
            case "running", "compressing", "uploading" -> JobStatus.RUNNING;
            case "completed" -> JobStatus.SUCCEEDED;
            case "error" -> JobStatus.FAILED;
            case "cancelled" -> JobStatus.CANCELLED;
            default -> JobStatus.of(raw);
        };
    }

    // ---- events

    @Override
    public JobsService.EventPage events(String jobId, String after, int limit, Consumer<RetryEvent> onRetry) {
        List<JobEvent> oldestFirst = events(jobId, rawEvents(jobId, onRetry));
        int start = oldestFirst.size() - 1; // newest first: index counts down
        if (after != null) {
            start = -1;
            for (int i = oldestFirst.size() - 1; i >= 0; i--) {
                if (oldestFirst.get(i).id().equals(after)) {
                    start = i - 1;
                    break;
                }
            }
        }
        List<JobEvent> page = new ArrayList<>(limit);
        int i = start;
        for (; i >= 0 && page.size() < limit; i--) {
            page.add(oldestFirst.get(i));
        }
        return new JobsService.EventPage(page, i >= 0);
    }

    private List<JsonNode> rawEvents(String jobId, Consumer<RetryEvent> onRetry) {
        return items(call("jobs.events", "list events of " + jobId,
                request("fine-tunes/" + enc(jobId) + "/events").GET().build(), onRetry));
    }

    /** The events in chronological order with their stable ids; see the class comment. */
    static List<JobEvent> events(String jobId, List<JsonNode> raw) {
        List<JsonNode> sorted = new ArrayList<>(raw);
        // List.sort is stable: events with equal times keep the server's order
        sorted.sort(Comparator.comparing(e -> instant(e.get("created_at")).orElse(Instant.EPOCH)));
        Map<String, Integer> seen = new HashMap<>();
        List<JobEvent> out = new ArrayList<>(sorted.size());
        for (JsonNode e : sorted) {
            String created = e.path("created_at").asText("");
            String type = text(e, "type").orElse("");
            String message = text(e, "message").orElse("");
            long step = e.path("step").asLong(0);
            String digest = sha256(jobId + '\u0000' + created + '\u0000' + type + '\u0000' + step + '\u0000' + message);
            int n = seen.merge(digest, 1, Integer::sum);
            long total = e.path("total_steps").asLong(0);
            Optional<JobEvent.Metrics> metrics = step > 0 && total > 0
                    ? Optional.of(new JobEvent.Metrics(OptionalLong.of(step), OptionalLong.of(total),
                    java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(),
                    java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty()))
                    : Optional.empty();
            out.add(new JobEvent("tgevent-" + digest + "-" + n, instant(e.get("created_at")).orElse(Instant.EPOCH),
                    level(text(e, "level").orElse("")), message, type.isEmpty() ? Optional.empty() : Optional.of(type), metrics));
        }
        return out;
    }

    /** Together's {@code warning} is OpenAI's {@code warn}; its {@code legacy_*} levels are the plain ones. */
    private static String level(String raw) {
        String l = raw.toLowerCase(Locale.ROOT);
        if (l.contains("error")) {
            return "error";
        }
        return l.contains("warn") ? "warn" : "info";
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    // ---- HTTP

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + "/" + path)).timeout(timeout)
                .header("Authorization", "Bearer " + apiKey).header("Accept", "application/json")
                .header("User-Agent", "finetuner");
        headers.forEach(b::header);
        return b;
    }

    private JsonNode call(String endpoint, String operation, HttpRequest request, Consumer<RetryEvent> onRetry) {
        return calls.call(endpoint, operation, () -> parse(send(request, operation), operation), onRetry);
    }

    /** One attempt: the body of a 2xx answer, else our exception for the answer or the failure. */
    private byte[] send(HttpRequest request, String operation) {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ApiException(0, null, null, null, true, 1, null, Calls.shorten(calls.redact(e.toString())), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineTunerException(operation + " was interrupted", e);
        }
        if (response.statusCode() / 100 == 2) {
            return response.body();
        }
        throw error(response);
    }

    /**
     * Together's error body is {@code {"error": {"message", "type", "param", "code"}}} (some answers send
     * a bare {@code {"message"}} or text): the code is {@code code}, else {@code type}. 402 (credit
     * exhausted) is a {@link QuotaException}, never retried.
     */
    private ApiException error(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        String message = text.isBlank() ? "HTTP " + status : text;
        String code = null;
        String param = null;
        try {
            JsonNode body = JSON.readTree(text);
            JsonNode e = body.path("error");
            if (e.isTextual()) {
                message = e.asText();
            } else if (e.isObject()) {
                message = text(e, "message").orElse(message);
                code = text(e, "code").or(() -> text(e, "type")).orElse(null);
                param = text(e, "param").orElse(null);
            } else if (body.hasNonNull("message")) {
                message = body.get("message").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // a proxy's page: its text is the message
        }
        message = Calls.shorten(calls.redact(message));
        String requestId = response.headers().firstValue("x-request-id").orElse(null);
        if (status == 402 || "insufficient_quota".equals(code)) {
            return new QuotaException(status, code != null ? code : "credit_limit", param, requestId, 1, message, null);
        }
        boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
        return new ApiException(status, code, param, requestId, retryable, 1,
                Calls.retryAfter(response.headers().firstValue("retry-after-ms").orElse(null),
                        response.headers().firstValue("retry-after").orElse(null)), message, null);
    }

    private static JsonNode parse(byte[] body, String operation) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !(node.isObject() || node.isArray())) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ApiException(0, "invalid_response", null, null, false, 1, null, "the answer to " + operation
                    + " is not Together AI's JSON; check the base URL", null);
        }
    }

    private static List<JsonNode> items(JsonNode list) {
        JsonNode data = list.isArray() ? list : list.path("data");
        List<JsonNode> out = new ArrayList<>();
        data.forEach(out::add);
        return out;
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? Optional.empty() : Optional.of(v.asText());
    }

    /** An ISO date-time (with or without an offset, read as UTC then) or epoch seconds. */
    static Optional<Instant> instant(JsonNode v) {
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (v.isNumber()) {
            return Optional.of(Instant.ofEpochSecond(v.asLong()));
        }
        String s = v.asText().trim();
        try {
            return Optional.of(OffsetDateTime.parse(s).toInstant());
        } catch (RuntimeException notOffset) {
            try {
                return Optional.of(LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC));
            } catch (RuntimeException unreadable) {
                return Optional.empty();
            }
        }
    }

    private static ApiException invalid(String what) {
        return new ApiException(0, "invalid_response", null, null, false, 1, null,
                "Together AI answered " + what + "; check the base URL", null);
    }

    private static String enc(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        // the JDK's HttpClient has no close() before Java 21: its connections end when it is collected
        completions.close();
    }

    @Override
    public String toString() {
        return "TogetherBackend[" + baseUrl + "]";
    }
}
