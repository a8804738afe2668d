package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Files, uploads, jobs and trained models, in memory and on disk. File contents always live on disk
 * (in the storage directory, or a temporary one removed on close); the JSON state is written too when
 * the storage is persistent, so a backend started on the same directory knows everything again.
 *
 * <p>Paths are only ever made from ids this store created (a request's id is looked up in memory first).
 */
final class Store implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Store.class);
    private static final int CACHED_MODELS = 32;

    private final Logger log;
    private final Path root;
    private final boolean persistent;
    private volatile Consumer<Job> onEnded;
    private final Path files;
    private final Path uploads;
    private final Path jobs;
    private final Path models;
    private final Path tmp;

    private final Map<String, FileRecord> fileIndex = new ConcurrentHashMap<>();
    private final Map<String, Long> fileSeq = new ConcurrentHashMap<>();
    private final Map<String, Upload> uploadIndex = new ConcurrentHashMap<>();
    private final Map<String, Job> jobIndex = new ConcurrentHashMap<>();
    private final Map<String, String> idempotency = new ConcurrentHashMap<>();
    private final Map<String, ModelEntry> modelIndex = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Map<String, NeighbourModel> cache = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, NeighbourModel> eldest) {
                    return size() > CACHED_MODELS;
                }
            });

    /**
     * A fine-tuned model or checkpoint that answers completions.
     *
     * @param id its model id
     * @param jobId the job that trained it
     * @param base the base model
     * @param createdAt unix seconds
     * @param step the checkpoint's step, or -1 for the final model
     */
    record ModelEntry(String id, String jobId, String base, long createdAt, int step) {
    }

    /**
     * What a trained model is made of, to persist and to restore.
     *
     * @param examples the training examples
     * @param lr the model's learning-rate scale
     * @param seen how often each example was trained on, at the end
     * @param checkpoints per checkpoint model id, how often each example had been trained on then
     */
    record ModelState(List<NeighbourModel.Pair> examples, double lr, int[] seen, Map<String, int[]> checkpoints) {
    }

    Store(Path storage, Logger log) {
        this.log = log;
        try {
            this.persistent = storage != null;
            this.root = storage != null ? Files.createDirectories(storage) : Files.createTempDirectory("local-openai-");
            this.files = Files.createDirectories(root.resolve("files"));
            this.uploads = Files.createDirectories(root.resolve("uploads"));
            this.jobs = Files.createDirectories(root.resolve("jobs"));
            this.models = Files.createDirectories(root.resolve("models"));
            this.tmp = Files.createDirectories(root.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the storage directory " + storage, e);
        }
        if (persistent) {
            clearScratch();
            load();
        }
    }

    /**
     * Removes what a backend killed mid-write leaves behind: request bodies being received (nothing refers to them,
     * and a partial body would stay forever) and half-written records beside the records they were to replace.
     */
    private void clearScratch() {
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(tmp)).forEach(Store::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the scratch directory " + tmp, e);
        }
        for (Path dir : List.of(files, uploads, jobs, models)) {
            list(dir, "*" + Json.PARTIAL).forEach(Store::deleteQuietly);
        }
    }

    boolean persistent() {
        return persistent;
    }

    long nextSeq() {
        return seq.incrementAndGet();
    }

    /** A new file in the scratch directory, for a request body being received. */
    Path scratch() {
        try {
            return Files.createTempFile(tmp, "body-", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- files

    /** Stores a received file (moved from the scratch directory). */
    FileRecord addFile(Path content, String filename, String purpose, long createdAt) {
        return addFile(content, filename, purpose, createdAt, null);
    }

    /** Stores a received file that is gone from {@code expiresAt} (unix seconds; null for never). */
    FileRecord addFile(Path content, String filename, String purpose, long createdAt, Long expiresAt) {
        String id = Ids.next("file-");
        try {
            long bytes = Files.size(content);
            Files.move(content, dataOf(id), StandardCopyOption.REPLACE_EXISTING);
            FileRecord f = new FileRecord(id, bytes, createdAt, filename, purpose, expiresAt);
            fileSeq.put(id, nextSeq());
            fileIndex.put(id, f);
            if (persistent) {
                ObjectNode stored = f.toJson();
                stored.put("seq", fileSeq.get(id));
                Json.writeAtomically(files.resolve(id + ".json"), stored);
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store file " + filename, e);
        }
    }

    /** Stores a file made here (a result file). */
    FileRecord addFile(byte[] content, String filename, String purpose, long createdAt) {
        Path p = scratch();
        try {
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return addFile(p, filename, purpose, createdAt);
    }

    Optional<FileRecord> file(String id) {
        if (id == null || !Ids.FILE.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(fileIndex.get(id));
    }

    /** Files newest first. */
    List<FileRecord> files() {
        List<FileRecord> all = new ArrayList<>(fileIndex.values());
        all.sort(Comparator.comparing((FileRecord f) -> fileSeq.getOrDefault(f.id(), 0L)).reversed());
        return all;
    }

    Path content(FileRecord f) {
        return dataOf(f.id());
    }

    /**
     * Deletes the files that have expired at {@code now}, as the API does once a file's {@code expires_at} has
     * passed; called before files are looked up, so an expired file is never seen.
     */
    void expireFiles(long now) {
        for (FileRecord f : fileIndex.values()) {
            if (f.expired(now) && deleteFile(f.id())) {
                log.debug("file {} expired at {}", f.id(), f.expiresAt());
            }
        }
    }

    boolean deleteFile(String id) {
        FileRecord f = file(id).orElse(null);
        if (f == null || fileIndex.remove(id) == null) {
            return false;
        }
        fileSeq.remove(id);
        deleteQuietly(dataOf(id));
        deleteQuietly(files.resolve(id + ".json"));
        return true;
    }

    private Path dataOf(String fileId) {
        return files.resolve(fileId + ".data");
    }

    // ---- uploads

    void addUpload(Upload u) {
        uploadIndex.put(u.id, u);
        saveUpload(u);
    }

    Optional<Upload> upload(String id) {
        if (id == null || !Ids.UPLOAD.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(uploadIndex.get(id));
    }

    void saveUpload(Upload u) {
        if (persistent) {
            Json.writeAtomically(uploads.resolve(u.id + ".json"), u.toStored());
        }
    }

    /** Where a part's bytes live. */
    Path partData(String partId) {
        if (!Ids.PART.matcher(partId).matches()) {
            throw new IllegalArgumentException("not a part id: " + partId);
        }
        return uploads.resolve(partId + ".data");
    }

    // ---- jobs

    /** Adds a job, or returns the job already created with the same idempotency key. */
    synchronized Job addJob(Job job) {
        String key = job.spec.idempotencyKey();
        if (key != null) {
            String existing = idempotency.get(key);
            if (existing != null) {
                return jobIndex.get(existing);
            }
            idempotency.put(key, job.id);
        }
        jobIndex.put(job.id, job);
        saveJob(job);
        return job;
    }

    /** The job an idempotency key created, if any. */
    Optional<Job> jobByKey(String key) {
        return Optional.ofNullable(key == null ? null : idempotency.get(key)).map(jobIndex::get);
    }

    Optional<Job> job(String id) {
        if (id == null || !Ids.JOB.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(jobIndex.get(id));
    }

    /** Jobs newest first. */
    List<Job> jobs() {
        List<Job> all = new ArrayList<>(jobIndex.values());
        all.sort(Comparator.comparingLong((Job j) -> j.seq).reversed());
        return all;
    }

    void saveJob(Job job) {
        if (persistent) {
            Json.writeAtomically(jobs.resolve(job.id + ".json"), job.toStored());
        }
        Consumer<Job> ended = onEnded;
        if (ended != null && job.terminal() && !job.endAnnounced) {
            job.endAnnounced = true;
            ended.accept(job);
        }
    }

    /** Hears, once, each job saved with a terminal status (under the job's lock; it must not block). */
    void onEnded(Consumer<Job> listener) {
        this.onEnded = listener;
    }

    /** Appends one event to the job's event log (the job's lock is held by the caller). */
    void appendEvent(Job job, JobEvent e) {
        if (persistent) {
            try {
                Files.writeString(jobs.resolve(job.id + ".events.jsonl"), Json.text(e.toJson()) + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot write an event of " + job.id, ex);
            }
        }
    }

    // ---- models

    /** Saves a trained model and makes it (and its checkpoints) answer. */
    void addModel(Job job, ModelState state, long createdAt) {
        ObjectNode o = Json.object();
        o.put("job_id", job.id);
        o.put("model", job.modelId());
        o.put("base", job.spec.model());
        o.put("created_at", createdAt);
        o.put("lr", state.lr());
        ArrayNode ex = o.putArray("examples");
        for (NeighbourModel.Pair p : state.examples()) {
            ex.addArray().add(p.prompt()).add(p.completion());
        }
        ArrayNode seen = o.putArray("seen");
        for (int s : state.seen()) {
            seen.add(s);
        }
        ObjectNode cps = o.putObject("checkpoints");
        state.checkpoints().forEach((id, s) -> {
            ArrayNode a = cps.putArray(id);
            for (int x : s) {
                a.add(x);
            }
        });
        Json.writeAtomically(models.resolve(job.id + ".json"), o);
        register(o);
    }

    private void register(JsonNode o) {
        String jobId = o.get("job_id").asText();
        String base = o.get("base").asText();
        long createdAt = o.get("created_at").asLong();
        String id = o.get("model").asText();
        modelIndex.put(id, new ModelEntry(id, jobId, base, createdAt, -1));
        o.path("checkpoints").fieldNames().forEachRemaining(cp -> {
            int step = Integer.parseInt(cp.substring(cp.lastIndexOf('-') + 1));
            modelIndex.put(cp, new ModelEntry(cp, jobId, base, createdAt, step));
        });
    }

    Optional<ModelEntry> model(String id) {
        return Optional.ofNullable(id == null ? null : modelIndex.get(id));
    }

    /** Fine-tuned models (not checkpoints), oldest first. */
    List<ModelEntry> models() {
        return modelIndex.values().stream().filter(m -> m.step() < 0)
                .sorted(Comparator.comparingLong(ModelEntry::createdAt).thenComparing(ModelEntry::id)).toList();
    }

    /** Deletes a fine-tuned model and its checkpoints. */
    boolean deleteModel(String id) {
        ModelEntry m = modelIndex.get(id);
        if (m == null || m.step() >= 0) {
            return false;
        }
        modelIndex.values().removeIf(e -> e.jobId().equals(m.jobId()));
        cache.keySet().removeIf(k -> k.startsWith(id));
        deleteQuietly(models.resolve(m.jobId() + ".json"));
        return true;
    }

    /** The trained model behind a model id (loaded from disk once, then cached). */
    NeighbourModel neighbourModel(ModelEntry m) {
        NeighbourModel cached = cache.get(m.id());
        if (cached != null) {
            return cached;
        }
        JsonNode o = Json.read(models.resolve(m.jobId() + ".json"));
        List<NeighbourModel.Pair> examples = new ArrayList<>();
        o.get("examples").forEach(p -> examples.add(new NeighbourModel.Pair(p.get(0).asText(), p.get(1).asText())));
        JsonNode seenNode = m.step() < 0 ? o.get("seen") : o.get("checkpoints").get(m.id());
        int[] seen = new int[seenNode.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = seenNode.get(i).asInt();
        }
        NeighbourModel model = NeighbourModel.restored(examples, o.get("lr").asDouble(), seen);
        cache.put(m.id(), model);
        return model;
    }

    // ---- loading and closing

    private void load() {
        long maxSeq = 0;
        for (Path p : list(files, "*.json")) {
            JsonNode o = readRecord(p);
            FileRecord f = o == null ? null : parseRecord(p, () -> FileRecord.fromJson(o));
            if (f != null && Ids.FILE.matcher(f.id()).matches() && Files.exists(dataOf(f.id()))) {
                long s = o.path("seq").asLong();
                fileIndex.put(f.id(), f);
                fileSeq.put(f.id(), s);
                maxSeq = Math.max(maxSeq, s);
            }
        }
        for (Path p : list(uploads, "*.json")) {
            JsonNode o = readRecord(p);
            Upload u = o == null ? null : parseRecord(p, () -> Upload.fromStored(o));
            if (u != null && Ids.UPLOAD.matcher(u.id).matches()) {
                uploadIndex.put(u.id, u);
            }
        }
        for (Path p : list(jobs, "*.json")) {
            JsonNode stored = readRecord(p);
            String id = stored == null ? "" : stored.path("job").path("id").asText();
            if (!Ids.JOB.matcher(id).matches()) {
                if (stored != null) {
                    damaged(p, "it names no job id");
                }
                continue;
            }
            List<JobEvent> events = new ArrayList<>();
            Path eventLog = jobs.resolve(id + ".events.jsonl");
            if (Files.exists(eventLog)) {
                try (Stream<String> lines = Files.lines(eventLog, StandardCharsets.UTF_8)) {
                    lines.filter(l -> !l.isBlank()).forEach(l -> {
                        try {
                            events.add(JobEvent.fromJson(Json.MAPPER.readTree(l)));
                        } catch (IOException | RuntimeException e) {
                            log.warn("skipping an unreadable event of {}: {}", id, e.toString());
                        }
                    });
                } catch (IOException | UncheckedIOException e) {
                    log.warn("skipping the unreadable event log {} of {}: {}", eventLog, id, e.toString());
                }
            }
            Job job = parseRecord(p, () -> Job.fromStored(stored, events));
            if (job == null) {
                continue;
            }
            jobIndex.put(id, job);
            if (job.spec.idempotencyKey() != null) {
                idempotency.put(job.spec.idempotencyKey(), id);
            }
            maxSeq = Math.max(maxSeq, job.seq);
        }
        for (Path p : list(models, "*.json")) {
            JsonNode o = readRecord(p);
            if (o != null) {
                parseRecord(p, () -> {
                    checkModel(o);
                    register(o);
                    return o;
                });
            }
        }
        seq.set(maxSeq);
        log.debug("loaded {} files, {} uploads, {} jobs and {} models from {}", fileIndex.size(), uploadIndex.size(),
                jobIndex.size(), models().size(), root);
    }

    /** A stored record, or null (reported) when it cannot be read: one damaged record must not stop the start. */
    private JsonNode readRecord(Path p) {
        try {
            JsonNode o = Json.MAPPER.readTree(p.toFile());
            if (o == null || !o.isObject()) {
                damaged(p, "it is not a JSON object");
                return null;
            }
            return o;
        } catch (IOException e) {
            damaged(p, e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString());
            return null;
        }
    }

    /** What {@code parse} makes of a record, or null (reported) when a field it needs is missing or wrong. */
    private <T> T parseRecord(Path p, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (RuntimeException e) {
            damaged(p, e.toString());
            return null;
        }
    }

    private void damaged(Path p, String why) {
        log.warn("skipping the damaged record {}: {}; the rest of {} is loaded", p, why, root);
    }

    /** A model record is used lazily, when the model first answers: checked whole here so it cannot fail then. */
    private static void checkModel(JsonNode o) {
        for (String field : List.of("job_id", "model", "base", "created_at", "lr", "examples", "seen")) {
            if (!o.hasNonNull(field)) {
                throw new IllegalArgumentException("no '" + field + "'");
            }
        }
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", p, e.toString());
        }
    }

    /** Removes the scratch files, and everything when the storage was temporary. */
    @Override
    public void close() {
        Path target = persistent ? tmp : root;
        if (!Files.exists(target)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(target)) {
            walk.sorted(Comparator.reverseOrder()).forEach(Store::deleteQuietly);
        } catch (IOException e) {
            log.debug("cannot clean up {}: {}", target, e.toString());
        }
    }
}
