package dev.finetuner.service;

import com.openai.core.JsonValue;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Supplier;

/** From openai-java's models to ours: the SDK's types stop at this package. */
final class Sdk {
    private Sdk() {
    }

    static Job job(FineTuningJob j) {
        FineTuningJob.Hyperparameters h = optional(j::hyperparameters).orElse(null);
        Hyperparameters hp = Hyperparameters.auto();
        if (h != null) {
            Optional<Integer> epochs = optional(h::nEpochs).flatMap(x -> x).filter(FineTuningJob.Hyperparameters.NEpochs::isInteger)
                    .map(n -> (int) n.asInteger());
            Optional<Integer> batch = optional(h::batchSize).flatMap(x -> x)
                    .filter(FineTuningJob.Hyperparameters.BatchSize::isInteger).map(b -> (int) b.asInteger());
            Optional<Double> lr = optional(h::learningRateMultiplier).flatMap(x -> x)
                    .filter(FineTuningJob.Hyperparameters.LearningRateMultiplier::isNumber)
                    .map(FineTuningJob.Hyperparameters.LearningRateMultiplier::asNumber);
            hp = new Hyperparameters(epochs, batch, lr, Optional.empty());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        optional(j::metadata).flatMap(x -> x).ifPresent(m -> m._additionalProperties().forEach((k, v) ->
                v.asString().ifPresent(s -> metadata.put(k, String.valueOf(s)))));
        return new Job(j.id(), j.model(), JobStatus.of(j.status().asString()), Instant.ofEpochSecond(j.createdAt()),
                j.finishedAt().map(Instant::ofEpochSecond), j.fineTunedModel(), j.trainingFile(), j.validationFile(),
                optional(j::error).flatMap(x -> x).flatMap(Sdk::error), j.resultFiles(),
                j.trainedTokens().map(OptionalLong::of).orElse(OptionalLong.empty()),
                optional(j::seed).map(OptionalLong::of).orElse(OptionalLong.empty()), hp, metadata,
                optional(j::estimatedFinish).flatMap(x -> x).map(Instant::ofEpochSecond));
    }

    /** The API sends {@code "error": {}} for a job that has not failed: that is no error. */
    private static Optional<JobError> error(FineTuningJob.Error e) {
        Optional<String> code = optional(e::code).filter(c -> !c.isBlank());
        Optional<String> message = optional(e::message).filter(m -> !m.isBlank());
        if (code.isEmpty() && message.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new JobError(code.orElse("unknown"), message.orElse("(no message)"),
                optional(e::param).flatMap(x -> x)));
    }

    static JobEvent event(FineTuningJobEvent e) {
        Optional<JobEvent.Metrics> metrics = Optional.empty();
        JsonValue data = e._data();
        if (!data.isMissing() && !data.isNull()) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = data.convert(Map.class);
                if (map != null && (map.containsKey("step") || map.containsKey("train_loss"))) {
                    metrics = Optional.of(new JobEvent.Metrics(longOf(map, "step"), longOf(map, "total_steps"),
                            doubleOf(map, "train_loss"), doubleOf(map, "train_mean_token_accuracy"),
                            doubleOf(map, "valid_loss"), doubleOf(map, "valid_mean_token_accuracy"),
                            doubleOf(map, "full_valid_loss"), doubleOf(map, "full_valid_mean_token_accuracy")));
                }
            } catch (RuntimeException ignored) {
                // data of another shape: the event is still delivered, without metrics
            }
        }
        return new JobEvent(e.id(), Instant.ofEpochSecond(e.createdAt()), e.level().asString(), e.message(),
                e.type().map(t -> t.asString()), metrics);
    }

    static Checkpoint checkpoint(FineTuningJobCheckpoint c) {
        FineTuningJobCheckpoint.Metrics m = c.metrics();
        JobEvent.Metrics metrics = new JobEvent.Metrics(
                m.step().map(s -> OptionalLong.of(s.longValue())).orElse(OptionalLong.of(c.stepNumber())),
                OptionalLong.empty(), d(m.trainLoss()), d(m.trainMeanTokenAccuracy()), d(m.validLoss()),
                d(m.validMeanTokenAccuracy()), d(m.fullValidLoss()), d(m.fullValidMeanTokenAccuracy()));
        return new Checkpoint(c.id(), c.fineTuningJobId(), c.fineTunedModelCheckpoint(), c.stepNumber(),
                Instant.ofEpochSecond(c.createdAt()), metrics);
    }

    private static OptionalDouble d(Optional<Double> v) {
        return v.map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    private static OptionalLong longOf(Map<String, Object> map, String key) {
        return map.get(key) instanceof Number n ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
    }

    private static OptionalDouble doubleOf(Map<String, Object> map, String key) {
        return map.get(key) instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
    }

    /** A field the SDK parses lazily and may reject: absent or malformed reads as empty. */
    static <T> Optional<T> optional(Supplier<T> getter) {
        try {
            return Optional.ofNullable(getter.get());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
