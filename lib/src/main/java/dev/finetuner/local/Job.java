package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fine-tuning job's state. Guarded by its own monitor: the HTTP handlers and the {@link JobRunner}
 * lock it for every read and change. The training itself ({@link #run}) belongs to the runner alone.
 */
final class Job {
    static final String VALIDATING = "validating_files";
    static final String QUEUED = "queued";
    static final String RUNNING = "running";
    static final String PAUSED = "paused";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    static final String CANCELLED = "cancelled";
    static final Set<String> TERMINAL = Set.of(SUCCEEDED, FAILED, CANCELLED);
    static final String ORGANIZATION = "org-local";

    /**
     * What the create request asked for.
     *
     * @param model the base model (a catalogue name or one of our fine-tuned ids)
     * @param trainingFile the training file id
     * @param validationFile the validation file id, or null
     * @param suffix the user's suffix, or null
     * @param seed the seed (chosen at random when the request had none)
     * @param metadata the metadata object, or null
     * @param method {@code supervised} or {@code dpo}
     * @param hyperparameters as requested: numbers or {@code "auto"}
     * @param idempotencyKey the request's Idempotency-Key, or null
     */
    record Spec(String model, String trainingFile, String validationFile, String suffix, long seed, ObjectNode metadata,
                String method, ObjectNode hyperparameters, String idempotencyKey) {
    }

    final String id;
    final long seq;
    final long createdAt;
    final Spec spec;
    final String modelTail;
    final boolean failPlanned;
    /**
     * What a job created through Together's API asked for beyond {@link #spec} (its {@code model_output_name},
     * training type, checkpoints and evals, as {@link TogetherApi} shows them); null for an OpenAI-shaped job.
     * Never changed after construction.
     */
    final ObjectNode together;

    // guarded by this
    String status = VALIDATING;
    ObjectNode error;
    String fineTunedModel;
    Long finishedAt;
    Long trainedTokens;
    final List<String> resultFiles = new ArrayList<>();
    Long estimatedFinish;
    ObjectNode resolved;
    double simElapsed;
    double nextDue;
    /** The backend clock's reading when the job's clock last caught up. */
    long lastTick;
    /** True while the job's task is on the clock (not while it is paused). */
    boolean scheduled;
    int stepsDone;
    /** True once the job's end was handed to the webhook sender (not stored: a restart does not repeat it). */
    boolean endAnnounced;
    int totalSteps;
    private final List<JobEvent> events = new ArrayList<>();
    private final Map<String, Integer> eventIndex = new HashMap<>();
    final List<Checkpoint> checkpoints = new ArrayList<>();

    // the runner's alone
    TrainingRun run;
    long tokensPerEpoch;
    final List<TrainingRun.Step> metrics = new ArrayList<>();
    final Map<String, int[]> checkpointSeen = new java.util.LinkedHashMap<>();

    Job(String id, long seq, long createdAt, Spec spec, String modelTail, boolean failPlanned) {
        this(id, seq, createdAt, spec, modelTail, failPlanned, null);
    }

    Job(String id, long seq, long createdAt, Spec spec, String modelTail, boolean failPlanned, ObjectNode together) {
        this.together = together;
        this.id = id;
        this.seq = seq;
        this.createdAt = createdAt;
        this.spec = spec;
        this.modelTail = modelTail;
        this.failPlanned = failPlanned;
    }

    synchronized boolean terminal() {
        return TERMINAL.contains(status);
    }

    synchronized void addEvent(JobEvent e) {
        eventIndex.put(e.id(), events.size());
        events.add(e);
    }

    /** Events newest first, older than {@code after} (an event id) when given. */
    synchronized List<JobEvent> eventsNewestFirst(String after) {
        int end = events.size();
        if (after != null) {
            Integer at = eventIndex.get(after);
            end = at == null ? 0 : at;
        }
        List<JobEvent> out = new ArrayList<>(end);
        for (int i = end - 1; i >= 0; i--) {
            out.add(events.get(i));
        }
        return out;
    }

    synchronized List<JobEvent> events() {
        return List.copyOf(events);
    }

    /**
     * The id the fine-tuned model gets: {@code ft:<base>:<org>:<suffix>:<id>}, or a Together job's
     * {@code model_output_name}.
     */
    String modelId() {
        if (together != null) {
            return together.get("model_output_name").asText();
        }
        return "ft:" + spec.model() + ":local:" + (spec.suffix() == null ? "" : spec.suffix()) + ":" + modelTail;
    }

    /** The hyperparameters to show: resolved numbers once the files are validated, as requested before. */
    synchronized ObjectNode hyperparameters() {
        return (resolved != null ? resolved : spec.hyperparameters()).deepCopy();
    }

    synchronized ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "fine_tuning.job");
        o.put("created_at", createdAt);
        o.set("error", error == null ? null : error.deepCopy());
        o.put("fine_tuned_model", fineTunedModel);
        o.put("finished_at", finishedAt);
        ObjectNode hp = hyperparameters();
        ObjectNode legacy = hp.deepCopy();
        legacy.remove("beta");
        o.set("hyperparameters", legacy);
        o.put("model", spec.model());
        o.put("organization_id", ORGANIZATION);
        ArrayNode rf = o.putArray("result_files");
        resultFiles.forEach(rf::add);
        o.put("seed", spec.seed());
        o.put("status", status);
        o.put("trained_tokens", trainedTokens);
        o.put("training_file", spec.trainingFile());
        o.put("validation_file", spec.validationFile());
        o.put("user_provided_suffix", spec.suffix());
        o.put("estimated_finish", estimatedFinish);
        o.putArray("integrations");
        o.set("metadata", spec.metadata() == null ? null : spec.metadata().deepCopy());
        ObjectNode method = o.putObject("method");
        method.put("type", spec.method());
        method.putObject(spec.method()).set("hyperparameters", hp);
        return o;
    }

    /** The API view plus what a restarted backend needs. */
    synchronized ObjectNode toStored() {
        ObjectNode o = Json.object();
        o.set("job", toJson());
        ObjectNode in = o.putObject("internal");
        in.put("seq", seq);
        in.put("method", spec.method());
        in.set("requested_hyperparameters", spec.hyperparameters());
        in.put("idempotency_key", spec.idempotencyKey());
        in.put("fail_planned", failPlanned);
        in.put("model_tail", modelTail);
        if (together != null) {
            in.set("together", together);
        }
        in.put("sim_elapsed", simElapsed);
        in.set("resolved_hyperparameters", resolved);
        ArrayNode cps = in.putArray("checkpoints");
        checkpoints.forEach(c -> cps.add(c.toJson()));
        return o;
    }

    static Job fromStored(JsonNode stored, List<JobEvent> events) {
        JsonNode j = stored.get("job");
        JsonNode in = stored.get("internal");
        JsonNode metadata = j.get("metadata");
        Spec spec = new Spec(j.get("model").asText(), j.get("training_file").asText(),
                Json.textOrNull(j, "validation_file"), Json.textOrNull(j, "user_provided_suffix"), j.get("seed").asLong(),
                metadata == null || metadata.isNull() ? null : (ObjectNode) metadata, in.get("method").asText(),
                (ObjectNode) in.get("requested_hyperparameters"), Json.textOrNull(in, "idempotency_key"));
        Job job = new Job(j.get("id").asText(), in.get("seq").asLong(), j.get("created_at").asLong(), spec,
                in.get("model_tail").asText(), in.get("fail_planned").asBoolean(),
                in.get("together") instanceof ObjectNode t ? t : null);
        job.status = j.get("status").asText();
        JsonNode error = j.get("error");
        job.error = error == null || error.isNull() ? null : (ObjectNode) error;
        job.fineTunedModel = Json.textOrNull(j, "fine_tuned_model");
        job.finishedAt = j.hasNonNull("finished_at") ? j.get("finished_at").asLong() : null;
        job.trainedTokens = j.hasNonNull("trained_tokens") ? j.get("trained_tokens").asLong() : null;
        j.path("result_files").forEach(f -> job.resultFiles.add(f.asText()));
        job.estimatedFinish = j.hasNonNull("estimated_finish") ? j.get("estimated_finish").asLong() : null;
        JsonNode resolved = in.get("resolved_hyperparameters");
        job.resolved = resolved == null || resolved.isNull() ? null : (ObjectNode) resolved;
        job.simElapsed = in.path("sim_elapsed").asDouble();
        in.path("checkpoints").forEach(c -> job.checkpoints.add(Checkpoint.fromJson(c)));
        events.forEach(job::addEvent);
        for (JobEvent e : events) {
            if ("metrics".equals(e.type()) && e.data() != null) {
                job.stepsDone = Math.max(job.stepsDone, e.data().path("step").asInt());
            }
        }
        return job;
    }
}
