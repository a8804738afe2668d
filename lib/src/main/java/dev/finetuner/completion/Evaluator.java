package dev.finetuner.completion;

import dev.finetuner.FineTunerException;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.model.TaskType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Scores a model on held-out examples: it asks a {@link PredictionSource} for each example's answer and
 * compares it with the example's reference answer ({@link #reference(Example)}).
 *
 * <pre>{@code
 * EvaluationReport report = Evaluator.builder().concurrency(4).limit(500).build()
 *         .evaluate(Dataset.read(Path.of("out/helpdesk_prepared_valid.jsonl")), source);
 * log.info("{}", report.toText());
 * }</pre>
 *
 * <p>For classification it reports accuracy, precision, recall and F1 per class, macro-F1, the confusion
 * matrix and, for two classes, the ROC AUC of the probability of the positive class's first token; for
 * generation (and, as extra numbers, for classification) exact match, token-level F1 and, when the source
 * gives the log-probability of the reference, the mean log-probability per token and the perplexity.
 * A prediction that throws is counted as an error and the evaluation goes on; when every prediction
 * throws, {@link #evaluate} throws a {@link FineTunerException} whose cause is the first error.
 *
 * <p>Defaults: the task is inferred by {@link TaskType#infer} from the reference answers, as {@code prepare}
 * infers it (classification when there are at least
 * two and fewer than {@code n/3} distinct reference answers); the positive class of two is the more
 * frequent (on a tie, the first in sort order); concurrency {@value #DEFAULT_CONCURRENCY}; every example.
 * The evaluated examples (after the limit) are held in memory, one model call each. Instances are
 * immutable and thread-safe.
 */
public final class Evaluator {
    /** Predictions running at once. */
    public static final int DEFAULT_CONCURRENCY = 1;
    /** The confusion-matrix label of every answer that is not one of the reference labels. */
    public static final String OTHER = "(other)";

    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final int MAX_MESSAGE = 300;

    private final Optional<TaskType> task;
    private final Optional<String> positiveClass;
    private final int concurrency;
    private final OptionalInt limit;

    private Evaluator(Builder b) {
        this.task = Optional.ofNullable(b.task);
        this.positiveClass = Optional.ofNullable(b.positiveClass);
        this.concurrency = b.concurrency;
        this.limit = b.limit;
    }

    /** {@return an evaluator with the defaults} */
    public static Evaluator standard() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding this evaluator's settings} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.task = task.orElse(null);
        b.positiveClass = positiveClass.orElse(null);
        b.concurrency = concurrency;
        b.limit = limit;
        return b;
    }

    /**
     * The reference answer of an example, trimmed as it is compared: the completion of a
     * prompt/completion example, the last assistant message of a chat example, the last assistant
     * message of a preference example's preferred output; empty when there is none.
     *
     * @param example the example
     * @return the reference answer, trimmed; empty when there is none
     */
    public static String reference(Example example) {
        return Objects.requireNonNull(example, "example").answer().strip();
    }

    /** What the model was asked, as a mistake shows it: the prompt, or the last message before the answer. */
    private static String prompt(Example example) {
        if (example instanceof Example.PromptCompletion pc) {
            return pc.prompt();
        }
        Example.Chat chat = example instanceof Example.Preference p ? p.input() : (Example.Chat) example;
        List<dev.finetuner.dataset.Message> asked = chat.beforeAnswer();
        return asked.isEmpty() ? "" : asked.get(asked.size() - 1).text();
    }

    /**
     * Asks {@code source} for an answer to each example of {@code heldOut} (up to the limit) and scores them.
     *
     * @param heldOut the examples to score, with their reference answers
     * @param source answers each example, e.g. {@code CompletionClient.asPredictionSource()}
     * @return the scores, per class for classification
     * @throws FineTunerException when the dataset holds no example, or when every prediction threw (the
     *     first error is the cause)
     * @throws IllegalArgumentException when the positive class set on the builder is not one of the two
     *     reference labels
     * @throws dev.finetuner.DatasetException when the dataset cannot be read
     */
    public EvaluationReport evaluate(Dataset heldOut, PredictionSource source) {
        Objects.requireNonNull(heldOut, "heldOut");
        Objects.requireNonNull(source, "source");
        List<Example> examples;
        try (Stream<Example> s = heldOut.stream()) {
            examples = (limit.isPresent() ? s.limit(limit.getAsInt()) : s).toList();
        }
        if (examples.isEmpty()) {
            throw new FineTunerException("nothing to evaluate: " + heldOut + " holds no examples");
        }
        List<String> references = examples.stream().map(Evaluator::reference).toList();
        TaskType scoredAs = task.orElseGet(() -> inferTask(references));
        if (scoredAs == TaskType.CLASSIFICATION && positiveClass.isPresent()
                && !references.contains(positiveClass.get())) {
            throw new IllegalArgumentException("the positive class `" + positiveClass.get()
                    + "` is not one of the reference labels " + new TreeSet<>(references));
        }
        Outcome[] outcomes = predictAll(examples, source);

        List<EvaluationReport.Failure> firstErrors = new ArrayList<>();
        Exception firstError = null;
        long errors = 0;
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i].error() != null) {
                errors++;
                if (firstError == null) {
                    firstError = outcomes[i].error();
                }
                if (firstErrors.size() < EvaluationReport.MAX_ERRORS_KEPT) {
                    firstErrors.add(new EvaluationReport.Failure(i, examples.get(i).line(),
                            describe(outcomes[i].error())));
                }
                LOG.debug("prediction for example {} failed", i, outcomes[i].error());
            }
        }
        if (errors == examples.size()) {
            throw new FineTunerException("every prediction failed (" + errors + " of " + errors
                    + "); the first: " + describe(firstError), firstError);
        }
        EvaluationReport report = new Scoring(this, scoredAs, examples, references, outcomes)
                .report(errors, firstErrors);
        LOG.info("evaluated {} examples ({} errors): {}", report.examples(), errors, report);
        return report;
    }

    private static TaskType inferTask(List<String> references) {
        return TaskType.infer(references.size(), references.stream().distinct().count(), false);
    }

    private Outcome[] predictAll(List<Example> examples, PredictionSource source) {
        Outcome[] outcomes = new Outcome[examples.size()];
        if (concurrency == 1 || examples.size() == 1) {
            for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] = predict(source, examples.get(i));
            }
            return outcomes;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, examples.size()), new Threads());
        boolean done = false;
        try {
            List<Future<Outcome>> futures = new ArrayList<>(examples.size());
            for (Example e : examples) {
                futures.add(pool.submit(() -> predict(source, e)));
            }
            for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] = futures.get(i).get();
            }
            done = true;
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES); // every task is done: the threads are only ending
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineTunerException("evaluation interrupted", e);
        } catch (ExecutionException e) {
            // predict() catches every Exception, so only an Error gets here
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new FineTunerException("a prediction failed unexpectedly", e.getCause());
        } finally {
            if (!done) {
                pool.shutdownNow();
            }
        }
    }

    /** A failed prediction is an outcome: it is counted and kept, never swallowed. */
    private static Outcome predict(PredictionSource source, Example example) {
        try {
            Prediction p = source.predict(example);
            if (p == null) {
                return new Outcome(null, new NullPointerException("the prediction source returned null"));
            }
            return new Outcome(p, null);
        } catch (Exception e) {
            return new Outcome(null, e);
        }
    }

    private static String describe(Exception e) {
        String m = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /**
     * SQuAD-style token F1 of an answer against a reference: lower-cased, split on whitespace, overlap
     * counted with multiplicity. Two empty texts score 1, one empty text 0.
     */
    static double tokenF1(String prediction, String reference) {
        List<String> p = tokens(prediction);
        List<String> r = tokens(reference);
        if (p.isEmpty() || r.isEmpty()) {
            return p.isEmpty() && r.isEmpty() ? 1.0 : 0.0;
        }
        Map<String, Integer> left = new HashMap<>();
        r.forEach(t -> left.merge(t, 1, Integer::sum));
        int common = 0;
        for (String t : p) {
            Integer n = left.get(t);
            if (n != null && n > 0) {
                common++;
                left.put(t, n - 1);
            }
        }
        if (common == 0) {
            return 0.0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / r.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> tokens(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    /**
     * The probability of a label's first token in a first-token distribution: the summed probability of
     * every listed token whose trimmed text is a non-empty start of the label (so {@code " yes"} and
     * {@code "yes"} both count for {@code yes}); 0 when none is listed.
     */
    static double firstTokenProbability(Map<String, Double> logprobs, String label) {
        double p = 0;
        for (Map.Entry<String, Double> e : logprobs.entrySet()) {
            String t = e.getKey().strip();
            if (!t.isEmpty() && label.startsWith(t)) {
                p += Math.exp(e.getValue());
            }
        }
        return Math.min(1.0, p);
    }

    /**
     * The area under the ROC curve by the Mann-Whitney U statistic, tied scores sharing their mean rank;
     * empty when there are no positives or no negatives.
     */
    static OptionalDouble rocAuc(double[] scores, boolean[] positive) {
        int n = scores.length;
        long pos = 0;
        for (boolean b : positive) {
            pos += b ? 1 : 0;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return OptionalDouble.empty();
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRanks = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            while (end + 1 < n && scores[order[end + 1]] == scores[order[start]]) {
                end++;
            }
            double rank = (start + end) / 2.0 + 1; // ranks are 1-based
            for (int k = start; k <= end; k++) {
                if (positive[order[k]]) {
                    positiveRanks += rank;
                }
            }
            start = end + 1;
        }
        return OptionalDouble.of((positiveRanks - pos * (pos + 1) / 2.0) / ((double) pos * neg));
    }

    @Override
    public String toString() {
        return "Evaluator[task=" + task.map(Enum::name).orElse("inferred") + ", positiveClass="
                + positiveClass.orElse("most frequent") + ", concurrency=" + concurrency + ", limit="
                + (limit.isPresent() ? String.valueOf(limit.getAsInt()) : "none") + "]";
    }

    /** A prediction or the exception it threw. */
    private record Outcome(Prediction prediction, Exception error) {
    }

    /** The pool's threads: named, daemon, so that a forgotten evaluation never holds the JVM. */
    private static final class Threads implements ThreadFactory {
        private static final AtomicInteger POOLS = new AtomicInteger();
        private final int pool = POOLS.incrementAndGet();
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "finetuner-eval-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /** The scoring of one evaluation's outcomes, in example order so that any concurrency gives one report. */
    private static final class Scoring {
        private final Evaluator evaluator;
        private final TaskType task;
        private final List<Example> examples;
        private final List<String> references;
        private final Outcome[] outcomes;

        Scoring(Evaluator evaluator, TaskType task, List<Example> examples, List<String> references, Outcome[] outcomes) {
            this.evaluator = evaluator;
            this.task = task;
            this.examples = examples;
            this.references = references;
            this.outcomes = outcomes;
        }

        EvaluationReport report(long errors, List<EvaluationReport.Failure> firstErrors) {
            long answered = 0;
            long exact = 0;
            double f1Sum = 0;
            double logprobSum = 0;
            long logprobTokens = 0;
            List<EvaluationReport.Mistake> wrong = new ArrayList<>();
            for (int i = 0; i < outcomes.length; i++) {
                Prediction p = outcomes[i].prediction();
                if (p == null) {
                    continue;
                }
                answered++;
                String answer = p.text().strip();
                String reference = references.get(i);
                double f1 = tokenF1(answer, reference);
                f1Sum += f1;
                if (answer.equals(reference)) {
                    exact++;
                } else {
                    wrong.add(new EvaluationReport.Mistake(i, examples.get(i).line(), prompt(examples.get(i)), reference,
                            answer, f1));
                }
                if (p.referenceLogprob().isPresent()) {
                    logprobSum += p.referenceLogprob().getAsDouble();
                    logprobTokens += p.referenceTokens().getAsInt();
                }
            }
            OptionalDouble meanLogprob = logprobTokens == 0 ? OptionalDouble.empty()
                    : OptionalDouble.of(logprobSum / logprobTokens);
            OptionalDouble perplexity = meanLogprob.isPresent()
                    ? OptionalDouble.of(Math.exp(-meanLogprob.getAsDouble())) : OptionalDouble.empty();
            boolean classification = task == TaskType.CLASSIFICATION;
            if (!classification) {
                wrong.sort(Comparator.comparingDouble(EvaluationReport.Mistake::tokenF1)
                        .thenComparingInt(EvaluationReport.Mistake::index));
            }
            List<EvaluationReport.Mistake> mistakes = wrong.subList(0, Math.min(wrong.size(), EvaluationReport.MAX_MISTAKES));
            double exactMatch = (double) exact / answered;
            double tokenF1 = f1Sum / answered;
            if (!classification) {
                return new EvaluationReport(task, answered, errors, firstErrors, OptionalDouble.empty(),
                        OptionalDouble.empty(), List.of(), Optional.empty(), Optional.empty(), OptionalDouble.empty(),
                        0, exactMatch, tokenF1, meanLogprob, perplexity, mistakes);
            }
            return classify(answered, errors, firstErrors, exactMatch, tokenF1, meanLogprob, perplexity, mistakes);
        }

        private EvaluationReport classify(long answered, long errors, List<EvaluationReport.Failure> firstErrors,
                                          double exactMatch, double tokenF1, OptionalDouble meanLogprob,
                                          OptionalDouble perplexity, List<EvaluationReport.Mistake> mistakes) {
            List<String> classLabels = new ArrayList<>(new TreeSet<>(references));
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < classLabels.size(); i++) {
                index.put(classLabels.get(i), i);
            }
            String other = OTHER;
            while (index.containsKey(other)) {
                other = other + "'";
            }
            int k = classLabels.size();
            long[][] counts = new long[k + 1][k + 1];
            long correct = 0;
            for (int i = 0; i < outcomes.length; i++) {
                Prediction p = outcomes[i].prediction();
                if (p == null) {
                    continue;
                }
                int r = index.get(references.get(i));
                int a = index.getOrDefault(p.text().strip(), k);
                counts[r][a]++;
                correct += r == a ? 1 : 0;
            }
            boolean anyOther = false;
            for (int r = 0; r < k; r++) {
                anyOther |= counts[r][k] > 0;
            }
            List<String> labels = new ArrayList<>(classLabels);
            if (anyOther) {
                labels.add(other);
            }
            int size = labels.size();
            List<List<Long>> rows = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                List<Long> row = new ArrayList<>();
                for (int a = 0; a < size; a++) {
                    row.add(counts[r][a]);
                }
                rows.add(row);
            }
            List<EvaluationReport.ClassMetrics> classes = new ArrayList<>();
            double f1Sum = 0;
            for (int c = 0; c < k; c++) {
                long tp = counts[c][c];
                long support = 0;
                long predicted = 0;
                for (int j = 0; j <= k; j++) {
                    support += counts[c][j];
                    predicted += counts[j][c];
                }
                double precision = predicted == 0 ? 0 : (double) tp / predicted;
                double recall = support == 0 ? 0 : (double) tp / support;
                double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                f1Sum += f1;
                classes.add(new EvaluationReport.ClassMetrics(classLabels.get(c), precision, recall, f1, support));
            }
            Optional<String> positive = Optional.empty();
            OptionalDouble auc = OptionalDouble.empty();
            long withoutLogprobs = 0;
            if (k == 2) {
                positive = Optional.of(evaluator.positiveClass.orElseGet(this::mostFrequent));
                List<double[]> scored = new ArrayList<>();
                for (int i = 0; i < outcomes.length; i++) {
                    Prediction p = outcomes[i].prediction();
                    if (p == null) {
                        continue;
                    }
                    if (p.firstTokenLogprobs().isEmpty()) {
                        withoutLogprobs++;
                        continue;
                    }
                    double score = firstTokenProbability(p.firstTokenLogprobs().get(), positive.get());
                    scored.add(new double[] {score, references.get(i).equals(positive.get()) ? 1 : 0});
                }
                double[] scores = new double[scored.size()];
                boolean[] isPositive = new boolean[scored.size()];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = scored.get(i)[0];
                    isPositive[i] = scored.get(i)[1] == 1;
                }
                auc = rocAuc(scores, isPositive);
            }
            return new EvaluationReport(task, answered, errors, firstErrors,
                    OptionalDouble.of((double) correct / answered), OptionalDouble.of(f1Sum / k), classes,
                    Optional.of(new EvaluationReport.ConfusionMatrix(labels, rows)), positive, auc, withoutLogprobs,
                    exactMatch, tokenF1, meanLogprob, perplexity, mistakes);
        }

        /** The most frequent reference label; on a tie, the first in sort order. */
        private String mostFrequent() {
            Map<String, Long> counts = new TreeMap<>();
            references.forEach(r -> counts.merge(r, 1L, Long::sum));
            String best = null;
            long bestCount = -1;
            for (Map.Entry<String, Long> e : counts.entrySet()) { // in sort order: the first of a tie wins
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            return best;
        }
    }

    /**
     * Builds an {@link Evaluator}; every setter checks its value.
     *
     * <p>Defaults: the task inferred from the references, the more frequent of two classes as the positive
     * one, concurrency {@link #DEFAULT_CONCURRENCY}, no limit.
     */
    public static final class Builder {
        private TaskType task;
        private String positiveClass;
        private int concurrency = DEFAULT_CONCURRENCY;
        private OptionalInt limit = OptionalInt.empty();

        private Builder() {
        }

        /**
         * Scores the examples as this task instead of inferring it.
         *
         * @param task classification or generation (default: inferred from the references)
         * @return this builder
         */
        public Builder task(TaskType task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        /**
         * The class whose first-token probability the ROC AUC scores when there are two classes (trimmed);
         * it must be one of the reference labels.
         *
         * @param label the positive class (default: the more frequent of the two)
         * @return this builder
         */
        public Builder positiveClass(String label) {
            Objects.requireNonNull(label, "label");
            this.positiveClass = label.strip();
            return this;
        }

        /**
         * Predictions run at once, on a pool of this many threads shut down after the evaluation (1: no pool).
         *
         * @param threads at least 1 (default {@value Evaluator#DEFAULT_CONCURRENCY})
         * @return this builder
         */
        public Builder concurrency(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1: " + threads);
            }
            this.concurrency = threads;
            return this;
        }

        /**
         * Evaluates only the first {@code examples} examples of the dataset.
         *
         * @param examples at least 1 (default: no limit)
         * @return this builder
         */
        public Builder limit(int examples) {
            if (examples < 1) {
                throw new IllegalArgumentException("limit must be >= 1: " + examples);
            }
            this.limit = OptionalInt.of(examples);
            return this;
        }

        /** {@return the evaluator} */
        public Evaluator build() {
            return new Evaluator(this);
        }
    }
}
