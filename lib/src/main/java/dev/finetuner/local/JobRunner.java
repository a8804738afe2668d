package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.model.BaseModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Moves jobs through validating_files, queued, running and succeeded (or failed, or cancelled) on the
 * backend's {@link JobClock}: simulated time that runs {@code speed} times faster than the wall clock,
 * or a {@link ManualClock} that a test advances. Each job is one task on the clock at a time: it
 * catches up with everything due on the job's clock, within a small time budget, and schedules itself
 * for the next thing due. A paused job's clock stands still and it schedules nothing until resumed.
 *
 * <p>Simulated durations: {@value #QUEUE_SECONDS} s in the queue once the files are validated (at
 * once), {@value #STEP_SECONDS} s per step plus a second per {@value #TOKENS_PER_SECOND} batch tokens,
 * {@value #FINISH_SECONDS} s to publish the model: a job of 300 examples and 3 epochs at batch size 1
 * takes about 8 simulated minutes. ({@link #VALIDATE_SECONDS} is not waited for: jobs have always
 * validated at once, and tests on slow clocks rely on it.)
 */
final class JobRunner {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    static final double VALIDATE_SECONDS = 20;
    static final double QUEUE_SECONDS = 15;
    static final double STEP_SECONDS = 0.5;
    static final double TOKENS_PER_SECOND = 20_000;
    static final double FINISH_SECONDS = 15;
    static final int KEPT_CHECKPOINTS = 3;
    /** The API's base rate is scaled by this to give the model's learning rate. */
    static final double LR_SCALE = 10;
    /** Wall-clock time one task may work before it lets other jobs have the scheduler. */
    private static final long BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Store store;
    private final JobClock clock;
    private volatile boolean closed;

    JobRunner(Store store, JobClock clock) {
        this.store = store;
        this.clock = clock;
    }

    void close() {
        closed = true;
    }

    /** Starts (or, after a restart, continues) a job's clock. */
    void submit(Job job) {
        synchronized (job) {
            job.lastTick = clock.read();
            if (job.nextDue < job.simElapsed) {
                job.nextDue = job.simElapsed;
            }
            job.scheduled = true;
        }
        schedule(job, 0);
    }

    /** Pauses a running job: its clock stops now. The caller holds the job's lock. */
    void pause(Job job) {
        advanceClock(job);
        job.status = Job.PAUSED;
    }

    /**
     * Resumes a paused job: its clock goes on from now, and its task is scheduled again unless it is still
     * on the clock (paused and resumed before it noticed). The caller holds the job's lock.
     */
    void resume(Job job) {
        job.status = Job.RUNNING;
        job.lastTick = clock.read();
        if (!job.scheduled) {
            job.scheduled = true;
            schedule(job, 0);
        }
    }

    private void schedule(Job job, double simSeconds) {
        if (!closed) {
            clock.schedule(() -> run(job), simSeconds);
        }
    }

    private void run(Job job) {
        if (closed) {
            return;
        }
        long budgetEnd = System.nanoTime() + BUDGET_NANOS;
        try {
            while (!closed) {
                String status;
                synchronized (job) {
                    if (job.terminal()) {
                        return;
                    }
                    advanceClock(job);
                    if (job.status.equals(Job.PAUSED) || job.nextDue > job.simElapsed) {
                        break;
                    }
                    status = job.status;
                }
                switch (status) {
                    case Job.VALIDATING -> validate(job);
                    case Job.QUEUED -> start(job);
                    case Job.RUNNING -> stepOrFinish(job);
                    default -> throw new IllegalStateException("unexpected status " + status);
                }
                if (System.nanoTime() > budgetEnd) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            log.error("job {} broke: {}", job.id, e.toString(), e);
            fail(job, "server_error", "The job failed due to an internal error: " + e, null);
            return;
        }
        double remaining;
        synchronized (job) {
            if (job.terminal()) {
                return;
            }
            if (job.status.equals(Job.PAUSED)) {
                job.scheduled = false; // resume() schedules it again
                return;
            }
            remaining = job.nextDue - job.simElapsed;
        }
        schedule(job, remaining);
    }

    /** Lets the job's clock catch up with the backend's; the caller holds the job's lock. */
    private void advanceClock(Job job) {
        long now = clock.read();
        if (!job.status.equals(Job.PAUSED)) {
            job.simElapsed += clock.secondsBetween(job.lastTick, now);
        }
        job.lastTick = now;
    }

    // ---- validating_files

    /** The training data as the file check read it, or why it cannot be trained on. */
    private record Prepared(List<NeighbourModel.Pair> training, List<NeighbourModel.Pair> validation, long tokensPerEpoch,
                            ObjectNode error) {
    }

    private Prepared prepare(Job job) {
        String model = job.spec.model();
        boolean together = job.together != null; // Together's own checks, as its check_file does
        Checked train = check(job.spec.trainingFile(), model, together, "training_file", "invalid_training_file", "training");
        if (train.error != null) {
            return new Prepared(List.of(), List.of(), 0, train.error);
        }
        List<NeighbourModel.Pair> validation = List.of();
        if (job.spec.validationFile() != null) {
            Checked valid = check(job.spec.validationFile(), model, together, "validation_file", "invalid_validation_file",
                    "validation");
            if (valid.error != null) {
                return new Prepared(List.of(), List.of(), 0, valid.error);
            }
            validation = valid.pairs;
        }
        return new Prepared(train.pairs, validation, train.tokens, null);
    }

    private record Checked(List<NeighbourModel.Pair> pairs, long tokens, ObjectNode error) {
    }

    /** Checks a file with the backend's own rules ({@link FileCheck}, or {@link TogetherFileCheck}), as the API does. */
    private Checked check(String fileId, String model, boolean together, String param, String code, String what) {
        FileRecord file = store.file(fileId).orElse(null);
        if (file == null) {
            return new Checked(List.of(), 0, error(code, "The job failed due to an invalid " + what + " file: "
                    + fileId + " no longer exists.", param));
        }
        FileCheck.Result r = together ? TogetherFileCheck.check(store.content(file), BaseModel.named(model))
                : FileCheck.check(store.content(file), BaseModel.named(model),
                param.equals("training_file")); // the API's minimum of 10 examples is for training files
        if (r.problem() != null) {
            return new Checked(List.of(), 0, error(code, "The job failed due to an invalid " + what + " file "
                    + fileId + ": " + r.problem().describe() + ".", param));
        }
        return new Checked(r.pairs(), r.tokens(), null);
    }

    private void validate(Job job) {
        Prepared p = prepare(job);
        if (p.error != null) {
            synchronized (job) {
                if (!job.terminal()) {
                    finishFailed(job, p.error);
                }
            }
            return;
        }
        ObjectNode resolved = resolve(job, p.training.size());
        TrainingRun run = newRun(job, p, resolved);
        synchronized (job) {
            if (job.terminal()) {
                return;
            }
            job.run = run;
            job.tokensPerEpoch = p.tokensPerEpoch;
            job.resolved = resolved;
            job.totalSteps = run.totalSteps();
            event(job, "info", "Files validated, moving job to queued state", null);
            job.status = Job.QUEUED;
            job.nextDue = job.simElapsed + QUEUE_SECONDS;
            store.saveJob(job);
        }
    }

    private TrainingRun newRun(Job job, Prepared p, ObjectNode resolved) {
        double lr = resolved.get("learning_rate_multiplier").asDouble() * LR_SCALE;
        NeighbourModel model = NeighbourModel.of(p.training, lr);
        return new TrainingRun(model, p.validation, resolved.get("n_epochs").asInt(),
                resolved.get("batch_size").asInt(), job.spec.seed());
    }

    /** The hyperparameters with every "auto" replaced by the number the API's rules pick. */
    static ObjectNode resolve(Job job, int examples) {
        ObjectNode asked = job.spec.hyperparameters();
        ObjectNode out = Json.object();
        JsonNode epochs = asked.get("n_epochs");
        out.put("n_epochs", isAuto(epochs) ? autoEpochs(examples) : epochs.asInt());
        JsonNode batch = asked.get("batch_size");
        int batchSize = isAuto(batch) ? (int) Math.max(1, Math.min(256, Math.round(examples * 0.002))) : batch.asInt();
        out.put("batch_size", batchSize);
        JsonNode lr = asked.get("learning_rate_multiplier");
        out.put("learning_rate_multiplier", isAuto(lr) ? (batchSize >= 32 ? 0.2 : batchSize >= 8 ? 0.1 : 0.05) : lr.asDouble());
        if (job.spec.method().equals("dpo")) {
            JsonNode beta = asked.get("beta");
            out.put("beta", isAuto(beta) ? 0.1 : beta.asDouble());
        }
        return out;
    }

    /**
     * The epochs the API's "auto" picks for {@code examples} training examples: 3, raised until the job
     * sees at least 100 examples (at most 25 epochs), lowered until it sees at most 25,000 (at least 1).
     */
    static int autoEpochs(long examples) {
        if (examples <= 0) {
            return 3;
        }
        if (examples * 3 < 100) {
            return (int) Math.min(25, 100 / examples);
        }
        if (examples * 3 > 25_000) {
            return (int) Math.max(1, 25_000 / examples);
        }
        return 3;
    }

    private static boolean isAuto(JsonNode n) {
        return n == null || n.isNull() || n.isTextual();
    }

    // ---- queued -> running

    private void start(Job job) {
        if (job.run == null) {
            rebuild(job);
        }
        synchronized (job) {
            if (job.terminal()) {
                return;
            }
            job.status = Job.RUNNING;
            event(job, "info", "Fine-tuning job started", null);
            job.nextDue = job.simElapsed + stepSeconds(job.run.nextBatchTokens());
            double remaining = job.totalSteps * STEP_SECONDS + FINISH_SECONDS;
            job.estimatedFinish = clock.epochSecondAfter(remaining);
            store.saveJob(job);
        }
    }

    /** After a restart: validates again (silently) and replays the steps already done, which gives the same model. */
    private void rebuild(Job job) {
        Prepared p = prepare(job);
        if (p.error != null) {
            synchronized (job) {
                finishFailed(job, p.error);
            }
            return;
        }
        ObjectNode resolved;
        synchronized (job) {
            resolved = job.resolved != null ? job.resolved : resolve(job, p.training.size());
        }
        TrainingRun run = newRun(job, p, resolved);
        int done;
        synchronized (job) {
            done = job.stepsDone;
        }
        for (int i = 0; i < done && i < run.totalSteps(); i++) {
            TrainingRun.Step s = run.step();
            job.metrics.add(s);
            if (s.epochEnd()) {
                rememberCheckpoint(job, checkpointModel(job, s.step()), run);
            }
        }
        synchronized (job) {
            job.run = run;
            job.tokensPerEpoch = p.tokensPerEpoch;
            job.resolved = resolved;
            job.totalSteps = run.totalSteps();
        }
        log.info("job {} continues after a restart at step {}", job.id, done);
    }

    // ---- running

    private void stepOrFinish(Job job) {
        if (job.run == null) {
            rebuild(job);
            if (job.terminal()) {
                return;
            }
        }
        TrainingRun run = job.run;
        if (run.done() < run.totalSteps()) {
            if (job.failPlanned && run.done() >= run.totalSteps() / 2) {
                fail(job, "server_error", "The job failed due to an internal error. Please try again.", null);
                return;
            }
            TrainingRun.Step s = run.step();
            synchronized (job) {
                if (job.terminal()) {
                    return;
                }
                job.metrics.add(s);
                job.stepsDone = s.step();
                event(job, "info", metricsMessage(s, run.totalSteps()), metricsData(s, run.totalSteps()));
                if (s.epochEnd()) {
                    checkpoint(job, s, run);
                }
                job.nextDue = job.simElapsed + (run.done() < run.totalSteps()
                        ? stepSeconds(run.nextBatchTokens()) : FINISH_SECONDS);
            }
            return;
        }
        finish(job, run);
    }

    private static double stepSeconds(long batchTokens) {
        return STEP_SECONDS + batchTokens / TOKENS_PER_SECOND;
    }

    private String checkpointModel(Job job, int step) {
        return job.modelId() + ":ckpt-step-" + step;
    }

    private void rememberCheckpoint(Job job, String model, TrainingRun run) {
        job.checkpointSeen.put(model, run.model().seen());
        while (job.checkpointSeen.size() > KEPT_CHECKPOINTS) {
            Iterator<String> it = job.checkpointSeen.keySet().iterator();
            it.next();
            it.remove();
        }
    }

    private void checkpoint(Job job, TrainingRun.Step s, TrainingRun run) {
        String model = checkpointModel(job, s.step());
        rememberCheckpoint(job, model, run);
        ObjectNode metrics = Json.object();
        metrics.put("step", s.step());
        putFinite(metrics, "train_loss", s.trainLoss());
        putFinite(metrics, "train_mean_token_accuracy", s.trainAccuracy());
        putFinite(metrics, "valid_loss", s.validLoss());
        putFinite(metrics, "valid_mean_token_accuracy", s.validAccuracy());
        putFinite(metrics, "full_valid_loss", s.fullValidLoss());
        putFinite(metrics, "full_valid_mean_token_accuracy", s.fullValidAccuracy());
        job.checkpoints.add(new Checkpoint(Ids.next("ftckpt_"), now(), model, job.id, s.step(), metrics));
        while (job.checkpoints.size() > KEPT_CHECKPOINTS) {
            job.checkpoints.remove(0);
        }
        event(job, "info", "Checkpoint created at step " + s.step(), null);
        store.saveJob(job);
    }

    private static String metricsMessage(TrainingRun.Step s, int total) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Step %d/%d: training loss=%.4f", s.step(),
                total, s.trainLoss()));
        if (Double.isFinite(s.validLoss())) {
            sb.append(String.format(Locale.ROOT, ", validation loss=%.4f", s.validLoss()));
        }
        if (Double.isFinite(s.fullValidLoss())) {
            sb.append(String.format(Locale.ROOT, ", full validation loss=%.4f", s.fullValidLoss()));
        }
        return sb.toString();
    }

    private static ObjectNode metricsData(TrainingRun.Step s, int total) {
        ObjectNode d = Json.object();
        d.put("step", s.step());
        putFinite(d, "train_loss", s.trainLoss());
        putFinite(d, "train_mean_token_accuracy", s.trainAccuracy());
        putFinite(d, "valid_loss", s.validLoss());
        putFinite(d, "valid_mean_token_accuracy", s.validAccuracy());
        putFinite(d, "full_valid_loss", s.fullValidLoss());
        putFinite(d, "full_valid_mean_token_accuracy", s.fullValidAccuracy());
        d.put("total_steps", total);
        return d;
    }

    private static void putFinite(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        }
    }

    /**
     * step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,full_valid_loss,full_valid_mean_token_accuracy:
     * the API's result file keeps the whole-validation-file losses too (empty cells but at an epoch's end with
     * a validation file), and a client that reads only this file should not lose them.
     */
    static String resultCsv(List<TrainingRun.Step> steps) {
        StringBuilder sb = new StringBuilder("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"
                + "full_valid_loss,full_valid_mean_token_accuracy\n");
        for (TrainingRun.Step s : steps) {
            sb.append(s.step()).append(',').append(cell(s.trainLoss())).append(',').append(cell(s.trainAccuracy()))
                    .append(',').append(cell(s.validLoss())).append(',').append(cell(s.validAccuracy()))
                    .append(',').append(cell(s.fullValidLoss())).append(',').append(cell(s.fullValidAccuracy()))
                    .append('\n');
        }
        return sb.toString();
    }

    private static String cell(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.5f", v) : "";
    }

    private void finish(Job job, TrainingRun run) {
        long now = now();
        Map<String, int[]> checkpoints = new LinkedHashMap<>(job.checkpointSeen);
        store.addModel(job, new Store.ModelState(run.model().examples(), run.model().lr(), run.model().seen(),
                checkpoints), now);
        FileRecord results = store.addFile(resultCsv(job.metrics).getBytes(StandardCharsets.UTF_8), "step_metrics.csv",
                "fine-tune-results", now);
        synchronized (job) {
            if (job.terminal()) {
                store.deleteModel(job.modelId());
                store.deleteFile(results.id());
                return;
            }
            job.fineTunedModel = job.modelId();
            job.resultFiles.add(results.id());
            job.trainedTokens = job.tokensPerEpoch * job.resolved.get("n_epochs").asLong();
            job.finishedAt = now;
            job.estimatedFinish = null;
            event(job, "info", "New fine-tuned model created", null);
            job.status = Job.SUCCEEDED;
            event(job, "info", "The job has successfully completed", null);
            store.saveJob(job);
            job.run = null;
        }
        log.debug("job {} succeeded: {}", job.id, job.modelId());
    }

    // ---- ends and events

    static ObjectNode error(String code, String message, String param) {
        ObjectNode e = Json.object();
        e.put("code", code);
        e.put("message", message);
        e.put("param", param);
        return e;
    }

    private void fail(Job job, String code, String message, String param) {
        synchronized (job) {
            if (!job.terminal()) {
                finishFailed(job, error(code, message, param));
            }
        }
    }

    /** Caller holds the job's lock. */
    private void finishFailed(Job job, ObjectNode error) {
        job.status = Job.FAILED;
        job.error = error;
        job.finishedAt = now();
        job.estimatedFinish = null;
        job.run = null;
        event(job, "error", error.get("message").asText(), null);
        store.saveJob(job);
        log.debug("job {} failed: {}", job.id, error.get("message").asText());
    }

    /** Records an event; the caller holds the job's lock. */
    void event(Job job, String level, String message, JsonNode data) {
        JobEvent e = new JobEvent(Ids.next("ftevent-"), now(), level, message, data == null ? "message" : "metrics", data);
        job.addEvent(e);
        store.appendEvent(job, e);
    }

    private long now() {
        return clock.epochSecond();
    }
}
