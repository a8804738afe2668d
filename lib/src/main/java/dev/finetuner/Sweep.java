package dev.finetuner;

import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.completion.Evaluator;
import dev.finetuner.metrics.LossChart;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.JobStatus;
import dev.finetuner.validation.CostEstimate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Experiments on epochs, batch size and learning rate at the lowest cost: a list or grid of
 * {@link TrainOptions} over one prepared dataset, its total cost checked against a budget before anything
 * starts, the jobs run a few at a time, each model evaluated on the validation split, and a
 * {@link SweepReport} naming the best run and the cheapest run within one point of it.
 *
 * <pre>{@code
 * SweepReport report = Sweep.builder(preparation, "babbage-002")
 *     .grid(List.of(2, 4), List.of(8), List.of(0.05, 0.2))
 *     .budgetUsd(new BigDecimal("5.00")).concurrency(2).build().run();
 * log.info(report.toText());
 * report.chart().writeTo(Path.of("sweep.svg"));
 * }</pre>
 */
public final class Sweep {
    private static final Logger LOG = LoggerFactory.getLogger(Sweep.class);
    /** Runs at once by default. */
    public static final int DEFAULT_CONCURRENCY = 2;

    private final Preparation preparation;
    private final String model;
    private final List<TrainOptions> runs;
    private final BigDecimal budget;
    private final int concurrency;
    private final Evaluator evaluator;
    private final boolean cancelAbandoned;

    private Sweep(Builder b) {
        this.preparation = b.preparation;
        this.model = b.model;
        this.runs = List.copyOf(b.runs);
        this.budget = b.budget;
        this.concurrency = b.concurrency;
        this.evaluator = b.evaluator;
        this.cancelAbandoned = b.cancelAbandoned;
    }

    /**
     * {@return a sweep over a prepared dataset (with a validation split) on one base model}
     *
     * @param preparation the prepared dataset; it needs a validation split to evaluate the runs
     * @param model the base model, e.g. {@code davinci-002}
     */
    public static Builder builder(Preparation preparation, String model) {
        return new Builder(preparation, model);
    }

    /** {@return what each run would cost, and the total, without starting anything} */
    public List<CostEstimate> estimates() {
        return runs.stream().map(o -> preparation.estimate(model, o.hyperparameters())).toList();
    }

    /**
     * Checks the budget, runs every job (a few at a time), evaluates each model on the validation split,
     * and reports. A run that fails is reported with its error; the others go on.
     *
     * @return each run's cost, losses and metric, the best run and the cheapest near it
     * @throws BudgetExceededException when the estimated total exceeds the budget (nothing is started)
     */
    public SweepReport run() {
        List<CostEstimate> costs = estimates();
        if (budget != null) {
            BigDecimal total = BigDecimal.ZERO;
            for (CostEstimate c : costs) {
                total = total.add(c.usd().orElseThrow(() -> new BudgetExceededException(
                        "the price of " + model + " is unknown, so the sweep cannot be checked against its budget", null,
                        budget)));
            }
            if (total.compareTo(budget) > 0) {
                throw new BudgetExceededException("the sweep's " + runs.size() + " runs are estimated at $"
                        + total.toPlainString() + ", over the budget of $" + budget.toPlainString()
                        + "; drop runs, epochs or examples", total, budget);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "finetuner-sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<SweepReport.Run>> futures = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                TrainOptions options = runs.get(i);
                CostEstimate cost = costs.get(i);
                futures.add(pool.submit(() -> runOne(options, cost)));
            }
            List<SweepReport.Run> done = new ArrayList<>();
            for (Future<SweepReport.Run> f : futures) {
                done.add(f.get());
            }
            return new SweepReport(model, done);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineTunerException("the sweep was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new FineTunerException("a sweep run failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private SweepReport.Run runOne(TrainOptions options, CostEstimate cost) {
        String name = SweepReport.name(options.hyperparameters());
        FineTuneJob job = null;
        try {
            job = preparation.start(model, options);
            LOG.info("sweep run {} started as {}", name, job.id());
            JobOutcome outcome = job.awaitOutcome(options.await());
            Optional<String> jobId = Optional.of(job.id());
            if (outcome instanceof JobOutcome.Succeeded s) {
                TrainedModel trained = s.model();
                EvaluationReport eval = trained.evaluate(preparation.validation(model), evaluator);
                return new SweepReport.Run(name, options, cost, jobId, Optional.of(trained.id()), JobStatus.SUCCEEDED,
                        trained.metrics(), Optional.of(eval), Optional.empty());
            }
            if (outcome instanceof JobOutcome.TimedOut t) {
                return abandoned(name, options, cost, job, t);
            }
            String why = outcome instanceof JobOutcome.Failed f
                    ? f.error().map(e -> e.code() + ": " + e.message()).orElse("the job failed")
                    : "the job was cancelled";
            LOG.warn("sweep run {} ({}) ended {}: {}", name, job.id(), outcome.job().status(), why);
            return unfinished(name, options, cost, jobId, outcome.job().status(), why);
        } catch (FineTunerException e) {
            // the job, when there is one, keeps its id and its own status: a failed evaluation is not a failed job
            LOG.warn("sweep run {} failed: {}", name, e.getMessage());
            Optional<String> jobId = job == null ? Optional.empty() : Optional.of(job.id());
            JobStatus status = job == null ? JobStatus.FAILED : lastKnown(job);
            return unfinished(name, options, cost, jobId, status, e.getMessage());
        }
    }

    /** A run with no model to evaluate: its job (if it started), its status and why. */
    private static SweepReport.Run unfinished(String name, TrainOptions options, CostEstimate cost,
                                              Optional<String> jobId, JobStatus status, String why) {
        return new SweepReport.Run(name, options, cost, jobId, Optional.empty(), status, TrainingMetrics.empty(),
                Optional.empty(), Optional.of(why));
    }

    /** A run that outlasted its wait: cancelled (so it stops billing) unless the sweep was told to leave it. */
    private SweepReport.Run abandoned(String name, TrainOptions options, CostEstimate cost, FineTuneJob job,
                                      JobOutcome.TimedOut t) {
        String waited = "not finished after " + options.await().toString().substring(2).toLowerCase(java.util.Locale.ROOT);
        if (!cancelAbandoned) {
            LOG.warn("sweep run {} ({}) {}; left {} as asked", name, job.id(), waited, t.lastStatus());
            return unfinished(name, options, cost, Optional.of(job.id()), t.lastStatus(),
                    waited + "; left running: cancel it with finetuner cancel " + job.id());
        }
        JobStatus status;
        String note;
        try {
            status = job.cancel().status();
            note = waited + "; cancelled by the sweep";
        } catch (FineTunerException e) {
            status = t.lastStatus();
            note = waited + "; cancelling it failed (" + e.getMessage() + "): cancel it with finetuner cancel " + job.id();
        }
        LOG.warn("sweep run {} ({}) {}", name, job.id(), note);
        return unfinished(name, options, cost, Optional.of(job.id()), status, note);
    }

    private static JobStatus lastKnown(FineTuneJob job) {
        try {
            return job.status();
        } catch (FineTunerException e) {
            return job.job().status();
        }
    }

    /** Builds a {@link Sweep}. */
    public static final class Builder {
        private final Preparation preparation;
        private final String model;
        private final List<TrainOptions> runs = new ArrayList<>();
        private BigDecimal budget;
        private int concurrency = DEFAULT_CONCURRENCY;
        private Evaluator evaluator = Evaluator.standard();
        private boolean cancelAbandoned = true;

        private Builder(Preparation preparation, String model) {
            this.preparation = Objects.requireNonNull(preparation, "preparation");
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Adds runs with these options.
         *
         * @param options the options of each run
         * @return this builder
         */
        public Builder options(TrainOptions... options) {
            for (TrainOptions o : options) {
                runs.add(Objects.requireNonNull(o, "options"));
            }
            return this;
        }

        /**
         * Adds one run per combination; an empty list means "auto" for that parameter.
         *
         * @param epochs the epoch counts to try
         * @param batchSizes the batch sizes to try
         * @param learningRateMultipliers the learning-rate multipliers to try
         * @return this builder
         */
        public Builder grid(List<Integer> epochs, List<Integer> batchSizes, List<Double> learningRateMultipliers) {
            for (Integer e : orAuto(epochs)) {
                for (Integer b : orAuto(batchSizes)) {
                    for (Double lr : orAuto(learningRateMultipliers)) {
                        Hyperparameters h = Hyperparameters.auto();
                        h = e == null ? h : h.withEpochs(e);
                        h = b == null ? h : h.withBatchSize(b);
                        h = lr == null ? h : h.withLearningRateMultiplier(lr);
                        runs.add(TrainOptions.builder().hyperparameters(h).build());
                    }
                }
            }
            return this;
        }

        private static <T> List<T> orAuto(List<T> values) {
            List<T> out = new ArrayList<>(values);
            if (out.isEmpty()) {
                out.add(null);
            }
            return out;
        }

        /**
         * The most the whole sweep may cost (estimated before anything starts).
         *
         * @param usd the budget in US dollars, not negative (default: none)
         * @return this builder
         */
        public Builder budgetUsd(BigDecimal usd) {
            Objects.requireNonNull(usd, "usd");
            if (usd.signum() < 0) {
                throw new IllegalArgumentException("the budget must not be negative, was " + usd);
            }
            budget = usd;
            return this;
        }

        /**
         * Whether a run that outlasts its {@link TrainOptions#await()} is cancelled, so that it stops
         * billing (default true). Either way the report keeps its job id and its status.
         *
         * @param cancel false to let it run on
         * @return this builder
         */
        public Builder cancelAbandoned(boolean cancel) {
            cancelAbandoned = cancel;
            return this;
        }

        /**
         * Jobs run at once (default {@value Sweep#DEFAULT_CONCURRENCY}).
         *
         * @param n at least 1
         * @return this builder
         */
        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + n);
            }
            concurrency = n;
            return this;
        }

        /**
         * How each model is evaluated on the validation split.
         *
         * @param e the evaluator (default {@link Evaluator#standard()})
         * @return this builder
         */
        public Builder evaluator(Evaluator e) {
            evaluator = Objects.requireNonNull(e, "evaluator");
            return this;
        }

        /** {@return the sweep} */
        public Sweep build() {
            if (runs.isEmpty()) {
                throw new IllegalStateException("a sweep needs at least one run: options(...) or grid(...)");
            }
            return new Sweep(this);
        }
    }

    /** The sweep's estimated cost exceeds its budget (or cannot be known); nothing was started. */
    public static final class BudgetExceededException extends FineTunerException {
        private final transient BigDecimal estimated;
        private final transient BigDecimal budget;

        BudgetExceededException(String message, BigDecimal estimated, BigDecimal budget) {
            super(message);
            this.estimated = estimated;
            this.budget = budget;
        }

        /** {@return the estimated total, when known} */
        public Optional<BigDecimal> estimated() {
            return Optional.ofNullable(estimated);
        }

        /** {@return the budget} */
        public BigDecimal budget() {
            return budget;
        }
    }

    /** Comparing runs by their validation metric: accuracy for classification, token F1 for generation. */
    static OptionalDouble metricOf(Optional<EvaluationReport> eval) {
        if (eval.isEmpty()) {
            return OptionalDouble.empty();
        }
        EvaluationReport r = eval.get();
        return r.accuracy().isPresent() ? r.accuracy() : OptionalDouble.of(r.tokenF1());
    }

    static Map<String, TrainingMetrics> curves(List<SweepReport.Run> runs) {
        Map<String, TrainingMetrics> m = new LinkedHashMap<>();
        runs.stream().filter(r -> !r.metrics().isEmpty()).forEach(r -> m.put(r.name(), r.metrics()));
        return m;
    }

    static Comparator<SweepReport.Run> byMetric() {
        return Comparator.comparingDouble(r -> metricOf(r.evaluation()).orElse(Double.NEGATIVE_INFINITY));
    }

    static LossChart chart(List<SweepReport.Run> runs, String model) {
        return LossChart.comparing(curves(runs)).withTitle("Sweep on " + model);
    }
}
