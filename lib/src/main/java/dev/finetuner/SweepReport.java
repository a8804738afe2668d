package dev.finetuner;

import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.metrics.LossChart;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.JobStatus;
import dev.finetuner.validation.CostEstimate;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a {@link Sweep} found: each run's options, cost, final losses and validation metric, the best
 * run, and the cheapest run within one point (0.01) of the best.
 *
 * @param model the base model swept
 * @param runs the runs, in the order they were given
 */
public record SweepReport(String model, List<Run> runs) {
    /** How far below the best a run may score and still be "as good" (one point). */
    public static final double WITHIN = 0.01;

    /**
     * Keeps an unmodifiable copy of the runs.
     *
     * @param model the base model swept
     * @param runs the runs, in the order they were given
     */
    public SweepReport {
        Objects.requireNonNull(model, "model");
        runs = List.copyOf(runs);
    }

    /**
     * One run.
     *
     * @param name e.g. {@code e4-b8-lr0.1} ({@code auto} where unset)
     * @param options the options it trained with
     * @param cost its estimated cost
     * @param jobId its job, when it started
     * @param modelId its model, when it succeeded
     * @param status succeeded or failed
     * @param metrics its training curves
     * @param evaluation its score on the validation split, when it succeeded
     * @param error why it failed, when it did
     */
    public record Run(String name, TrainOptions options, CostEstimate cost, Optional<String> jobId,
                      Optional<String> modelId, JobStatus status, TrainingMetrics metrics,
                      Optional<EvaluationReport> evaluation, Optional<String> error) {
        /**
         * Checks that every component is given (an empty {@code Optional}, never null).
         *
         * @param name e.g. {@code e4-b8-lr0.1} ({@code auto} where unset)
         * @param options the options it trained with
         * @param cost its estimated cost
         * @param jobId its job, when it started
         * @param modelId its model, when it succeeded
         * @param status succeeded or failed
         * @param metrics its training curves
         * @param evaluation its score on the validation split, when it succeeded
         * @param error why it failed, when it did
         */
        public Run {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(cost, "cost");
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(evaluation, "evaluation");
            Objects.requireNonNull(error, "error");
        }

        /** {@return accuracy for classification, token F1 for generation; empty when the run failed} */
        public OptionalDouble metric() {
            return Sweep.metricOf(evaluation);
        }
    }

    /** {@return the run with the highest validation metric} */
    public Optional<Run> best() {
        return runs.stream().filter(r -> r.metric().isPresent()).max(Sweep.byMetric());
    }

    /** {@return the cheapest run scoring within {@link #WITHIN} of the best (the best itself when none is cheaper)} */
    public Optional<Run> cheapestNearBest() {
        return best().flatMap(b -> runs.stream()
                .filter(r -> r.metric().isPresent() && r.metric().getAsDouble() >= b.metric().getAsDouble() - WITHIN)
                .min(Comparator.comparing((Run r) -> r.cost().usd().orElse(BigDecimal.valueOf(Long.MAX_VALUE)))
                        .thenComparing(r -> -r.metric().getAsDouble())));
    }

    /** {@return the training curves of every run in one chart} */
    public LossChart chart() {
        return Sweep.chart(runs, model);
    }

    /** {@return a table of the runs, then the best and the cheapest near it} */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        String metric = metricName();
        sb.append(String.format(Locale.ROOT, "%-22s %9s %10s %10s %8s  %s%n", "run", "cost", "train loss",
                "valid loss", metric, "status"));
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "%-22s %9s %10s %10s %8s  %s%n", r.name(),
                    r.cost().usd().map(u -> "$" + u.toPlainString()).orElse("?"), num(r.metrics().finalTrainLoss()),
                    num(r.metrics().finalValidLoss()), num(r.metric()),
                    r.status() + r.error().map(e -> ": " + e).orElse("")));
        }
        best().ifPresent(b -> sb.append("best: ").append(b.name()).append(" (").append(metric).append(' ')
                .append(num(b.metric())).append(" on the validation split)\n"));
        cheapestNearBest().ifPresent(c -> sb.append("cheapest within one point of it: ").append(c.name()).append(" (")
                .append(c.cost().usd().map(u -> "$" + u.toPlainString()).orElse("?")).append(")\n"));
        return sb.toString();
    }

    /** What {@link Run#metric()} is for these runs, as the table's column says it. */
    private String metricName() {
        return runs.stream().flatMap(r -> r.evaluation().stream()).findFirst()
                .map(e -> e.task() == dev.finetuner.model.TaskType.CLASSIFICATION ? "accuracy" : "token F1")
                .orElse("metric");
    }

    private static String num(OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%.4f", d.getAsDouble()) : "-";
    }

    static String name(Hyperparameters h) {
        return "e" + h.epochs().map(String::valueOf).orElse("auto") + "-b" + h.batchSize().map(String::valueOf)
                .orElse("auto") + "-lr" + h.learningRateMultiplier().map(d -> String.format(Locale.ROOT, "%s", d))
                .orElse("auto");
    }
}
