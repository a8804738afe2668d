package dev.finetuner.metrics;

import dev.finetuner.DatasetException;
import dev.finetuner.service.JobEvent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The losses and accuracies of one fine-tune, step by step: read from the job's result file
 * ({@link #fromResultFile(byte[])}) or from its metric events ({@link #fromEvents(List)}), and drawn
 * by {@link #chart()}.
 *
 * <pre>{@code
 * TrainingMetrics metrics = TrainingMetrics.fromResultFile(api.files().download(job.resultFiles().get(0)));
 * log.info("final training loss {}", metrics.finalTrainLoss());
 * metrics.chart().withTitle(job.id()).writeTo(Path.of("target/loss.svg"));
 * }</pre>
 *
 * <p>Immutable and thread-safe. Steps are unique and sorted by step number.
 */
public final class TrainingMetrics {
    private static final TrainingMetrics EMPTY = new TrainingMetrics(List.of());

    private final List<Step> steps;

    private TrainingMetrics(List<Step> sortedUniqueSteps) {
        this.steps = List.copyOf(sortedUniqueSteps);
    }

    /** {@return metrics with no step at all} */
    public static TrainingMetrics empty() {
        return EMPTY;
    }

    /**
     * Metrics made of the given steps, in any order; when a step number repeats, the later one in the
     * collection's order is kept.
     *
     * @param steps the steps
     * @return the metrics, ordered by step
     */
    public static TrainingMetrics of(Collection<Step> steps) {
        Objects.requireNonNull(steps, "steps");
        TreeMap<Long, Step> byStep = new TreeMap<>();
        for (Step s : steps) {
            Objects.requireNonNull(s, "a step");
            byStep.put(s.step(), s);
        }
        return byStep.isEmpty() ? EMPTY : new TrainingMetrics(new ArrayList<>(byStep.values()));
    }

    /**
     * Reads a job's result file: a CSV whose header names the columns, in any order, among {@code step}
     * (required), {@code train_loss}, {@code train_accuracy} or {@code train_mean_token_accuracy},
     * {@code valid_loss}, {@code valid_mean_token_accuracy}, {@code full_valid_loss} and
     * {@code full_valid_mean_token_accuracy}; other columns are ignored. An empty cell (or {@code nan})
     * is an absent value; a repeated step keeps its last row; a header alone gives {@link #empty()}.
     * The file may also be one base64 text, as the API sometimes serves it: it is then decoded first.
     *
     * @param content the file's bytes, UTF-8 (with or without a byte order mark) or base64 of them
     * @return the metrics, ordered by step
     * @throws DatasetException when the file is empty or not UTF-8 ({@code empty_file},
     *     {@code invalid_utf8}), has no {@code step} column ({@code missing_column}), a row with more
     *     cells than the header ({@code ragged_row}) or a cell that is not a number
     *     ({@code invalid_number}); the exception names the line and the column
     */
    public static TrainingMetrics fromResultFile(byte[] content) {
        Objects.requireNonNull(content, "content");
        return of(ResultFile.parse(content));
    }

    /**
     * Collects the metric events of a job, as {@code JobsService.events} or a {@code FollowListener}
     * delivers them, in either order. Events without {@link JobEvent#metrics()} or without a step are
     * skipped; when several events report the same step, the latest one (by {@code createdAt}, then
     * by position in the list) is kept whole. Values that are not finite numbers are read as absent.
     *
     * @param events the job's events, metric or not
     * @return the metrics, ordered by step
     */
    public static TrainingMetrics fromEvents(List<JobEvent> events) {
        Objects.requireNonNull(events, "events");
        List<JobEvent> oldestFirst = new ArrayList<>(events);
        oldestFirst.forEach(e -> Objects.requireNonNull(e, "an event"));
        oldestFirst.sort(Comparator.comparing(JobEvent::createdAt)); // stable: ties keep the list's order
        List<Step> steps = new ArrayList<>();
        for (JobEvent event : oldestFirst) {
            event.metrics().filter(m -> m.step().isPresent()).ifPresent(m -> steps.add(new Step(
                    m.step().getAsLong(), finite(m.trainLoss()), finite(m.trainMeanTokenAccuracy()),
                    finite(m.validLoss()), finite(m.validMeanTokenAccuracy()), finite(m.fullValidLoss()),
                    finite(m.fullValidMeanTokenAccuracy()))));
        }
        return of(steps);
    }

    /** {@return the steps, sorted by step number, each number once; unmodifiable} */
    public List<Step> steps() {
        return steps;
    }

    /** {@return true when there is no step} */
    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** {@return the training loss of the last step that has one} */
    public OptionalDouble finalTrainLoss() {
        return last(Step::trainLoss);
    }

    /**
     * The validation loss of the last step that has one (the {@code valid_loss} column, measured on a
     * validation batch; see {@link Step#fullValidLoss()} for the whole validation file).
     *
     * @return the loss, empty when no step has one
     */
    public OptionalDouble finalValidLoss() {
        return last(Step::validLoss);
    }

    /** {@return the lowest validation loss ({@code valid_loss}) of any step} */
    public OptionalDouble bestValidLoss() {
        return steps.stream().map(Step::validLoss).filter(OptionalDouble::isPresent)
                .mapToDouble(OptionalDouble::getAsDouble).min();
    }

    /**
     * The union of both by step: a step in only one of them is kept as it is; for a step in both, each
     * value present in {@code other} replaces this one's, and values absent in {@code other} are kept.
     * Useful to complete the events seen while following with the result file, or the reverse.
     *
     * @param other the metrics to lay over these
     * @return the merged metrics
     */
    public TrainingMetrics merge(TrainingMetrics other) {
        Objects.requireNonNull(other, "other");
        TreeMap<Long, Step> byStep = new TreeMap<>();
        steps.forEach(s -> byStep.put(s.step(), s));
        other.steps.forEach(s -> byStep.merge(s.step(), s, Step::overlaidWith));
        return byStep.isEmpty() ? EMPTY : new TrainingMetrics(new ArrayList<>(byStep.values()));
    }

    /**
     * A chart of these losses: each step's training loss faint under its moving average, validation
     * loss as another line (when there is one), full-validation losses as dots; the step axis ends at the
     * last step; 720 by 400 unless {@link LossChart#withSize(int, int)}.
     *
     * @return the chart
     */
    public LossChart chart() {
        return LossChart.of(this);
    }

    private OptionalDouble last(Function<Step, OptionalDouble> value) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            OptionalDouble v = value.apply(steps.get(i));
            if (v.isPresent()) {
                return v;
            }
        }
        return OptionalDouble.empty();
    }

    private static OptionalDouble finite(OptionalDouble v) {
        return v.isPresent() && Double.isFinite(v.getAsDouble()) ? v : OptionalDouble.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingMetrics other && steps.equals(other.steps);
    }

    @Override
    public int hashCode() {
        return steps.hashCode();
    }

    /** A summary, e.g. {@code TrainingMetrics[50 steps (1..50), final train loss 0.412, ...]}. */
    @Override
    public String toString() {
        if (steps.isEmpty()) {
            return "TrainingMetrics[no steps]";
        }
        StringBuilder sb = new StringBuilder("TrainingMetrics[").append(steps.size())
                .append(steps.size() == 1 ? " step (" : " steps (").append(steps.get(0).step()).append("..")
                .append(steps.get(steps.size() - 1).step()).append(')');
        finalTrainLoss().ifPresent(v -> sb.append(", final train loss ").append(v));
        finalValidLoss().ifPresent(v -> sb.append(", final valid loss ").append(v));
        bestValidLoss().ifPresent(v -> sb.append(", best valid loss ").append(v));
        return sb.append(']').toString();
    }

    /**
     * The metrics of one training step; each value is empty when the step did not report it.
     *
     * @param step the step number, 0 or more
     * @param trainLoss the loss on the step's training batch
     * @param trainAccuracy the token accuracy on that batch ({@code train_accuracy} or
     *     {@code train_mean_token_accuracy})
     * @param validLoss the loss on a validation batch ({@code valid_loss})
     * @param validAccuracy the token accuracy on that batch ({@code valid_mean_token_accuracy})
     * @param fullValidLoss the loss on the whole validation file, usually at the end of an epoch
     * @param fullValidAccuracy the token accuracy on the whole validation file
     */
    public record Step(long step, OptionalDouble trainLoss, OptionalDouble trainAccuracy, OptionalDouble validLoss,
                       OptionalDouble validAccuracy, OptionalDouble fullValidLoss,
                       OptionalDouble fullValidAccuracy) {
        /**
         * Checks the step and the values.
         *
         * @throws IllegalArgumentException when the step is negative or a value is NaN or infinite
         *
         * @param step the step number, 0 or more
         * @param trainLoss the loss on the step's training batch
         * @param trainAccuracy the token accuracy on that batch ({@code train_accuracy} or
         *     {@code train_mean_token_accuracy})
         * @param validLoss the loss on a validation batch ({@code valid_loss})
         * @param validAccuracy the token accuracy on that batch ({@code valid_mean_token_accuracy})
         * @param fullValidLoss the loss on the whole validation file, usually at the end of an epoch
         * @param fullValidAccuracy the token accuracy on the whole validation file
         */
        public Step {
            if (step < 0) {
                throw new IllegalArgumentException("step must be 0 or more, not " + step);
            }
            requireFinite(trainLoss, "trainLoss");
            requireFinite(trainAccuracy, "trainAccuracy");
            requireFinite(validLoss, "validLoss");
            requireFinite(validAccuracy, "validAccuracy");
            requireFinite(fullValidLoss, "fullValidLoss");
            requireFinite(fullValidAccuracy, "fullValidAccuracy");
        }

        /** This step with each value present in {@code top} replacing its own. */
        Step overlaidWith(Step top) {
            return new Step(step, or(top.trainLoss, trainLoss), or(top.trainAccuracy, trainAccuracy),
                    or(top.validLoss, validLoss), or(top.validAccuracy, validAccuracy),
                    or(top.fullValidLoss, fullValidLoss), or(top.fullValidAccuracy, fullValidAccuracy));
        }

        private static OptionalDouble or(OptionalDouble first, OptionalDouble second) {
            return first.isPresent() ? first : second;
        }

        private static void requireFinite(OptionalDouble v, String name) {
            Objects.requireNonNull(v, name);
            if (v.isPresent() && !Double.isFinite(v.getAsDouble())) {
                throw new IllegalArgumentException(name + " must be a finite number, not " + v.getAsDouble());
            }
        }
    }
}
