package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.DatasetFormat;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Split;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.TaskType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One validation of one dataset, the two passes of the {@link Rule}s: pass 1 fills the
 * {@link DatasetStats}, the rules turn them into dataset-wide findings and a {@link RepairPlan}, pass 2
 * applies the plan, counts tokens, splits and outputs. Not thread-safe; used once.
 */
final class ValidationRun {
    private static final Logger LOG = LoggerFactory.getLogger(ValidationRun.class);

    private final Validator v;
    private final Dataset dataset;
    private final Validator.Output output;
    private final List<Rule> rules;
    // the rules with something to do per example, so that the per-example loops skip the others
    private final List<Rule> examiners;
    private final List<Rule> onRepaired;
    private final List<Rule> droppers;
    private final List<Rule> inspectors;
    private final Findings findings;
    private final Consumer<Finding> report;
    // pass 2
    private long kept;
    private long repaired;
    private long training;
    private long validation;
    private long tokensTotal;
    private long tokensTraining;
    private long tokensTrainingCapped;
    private long tokensMax;

    ValidationRun(Validator v, Dataset dataset, Validator.Output output) {
        this.v = v;
        this.dataset = dataset;
        this.output = output;
        this.rules = rules(v);
        this.examiners = overriding(rules, "examine");
        this.onRepaired = overriding(rules, "repaired");
        this.droppers = overriding(rules, "drops");
        this.inspectors = overriding(rules, "inspect");
        this.findings = new Findings(v.disabled(), v.maxFindingsPerCode());
        this.report = findings::add;
    }

    ValidationReport run() {
        long start = System.nanoTime();
        preloadEncoding(v.model());
        try (Pipeline pipeline = new Pipeline(dataset); DatasetStats stats = newStats(v, rules, findings)) {
            boolean dropInvalid = v.applies(Repair.DROP_INVALID);
            pipeline.read(stats::add, e -> e, e -> digest(e, examiners, dropInvalid), stats::add);
            Planning planning = plan(v, rules, stats, findings::add);
            long analysed = System.nanoTime();
            emit(pipeline, stats, planning);
            ValidationReport r = report(stats, planning);
            LOG.debug("validated {}: pass 1 (statistics) {} ms, pass 2 (repairs, tokens, output) {} ms",
                    dataset, (analysed - start) / 1_000_000, (System.nanoTime() - analysed) / 1_000_000);
            return r;
        }
    }

    /**
     * Builds the named model's encoding (about half a second of reading its ranks) on a pool thread, as
     * pass 2 is the first to count tokens: pass 1 reads meanwhile. A name that does not resolve is left
     * for {@link #plan} to report.
     */
    private static void preloadEncoding(Optional<String> model) {
        model.ifPresent(name -> java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                TokenCounter.forModel(BaseModel.resolve(name).model());
            } catch (RuntimeException e) {
                LOG.debug("no encoding to preload for {}: {}", name, e.toString());
            }
        }));
    }

    /** Empty statistics for {@code v}'s settings; pass 2 drops what they say it drops. */
    static DatasetStats newStats(Validator v, List<Rule> rules, Findings findings) {
        boolean dedupe = v.applies(Repair.REMOVE_DUPLICATES) && rules.stream().anyMatch(r -> r instanceof Rules.Duplicate);
        return new DatasetStats(v.applies(Repair.DROP_INVALID), dedupe, findings, v.dedupeBudget());
    }

    private static List<Rule> overriding(List<Rule> rules, String hook) {
        return rules.stream().filter(r -> {
            for (Class<?> c = r.getClass(); c != Rule.class; c = c.getSuperclass()) {
                if (java.util.Arrays.stream(c.getDeclaredMethods()).anyMatch(m -> m.getName().equals(hook))) {
                    return true;
                }
            }
            return false;
        }).toList();
    }

    /** The enabled rules of {@code v}, fresh. */
    static List<Rule> rules(Validator v) {
        return v.rules().stream().filter(r -> v.enabled(r.code())).toList();
    }

    /** Pass 1's work on one example, on any thread: the rules' findings about it on its own, and its hash. */
    static DatasetStats.Digest digest(Example e, List<Rule> rules, boolean dropInvalid) {
        List<Finding> found = new ArrayList<>(0);
        Consumer<Finding> sink = found::add;
        for (Rule r : rules) {
            r.examine(e, sink);
        }
        // an example with an error of its own is left out by DROP_INVALID, which so resolves the error
        found.replaceAll(f -> f.severity() == Severity.ERROR ? f.withRepair(Repair.DROP_INVALID, dropInvalid) : f);
        return DatasetStats.Digest.of(e, found);
    }

    /** Between the passes: infers model and task, and lets each rule report and contribute to the plan. */
    static Planning plan(Validator v, List<Rule> rules, DatasetStats stats, Consumer<Finding> report) {
        stats.settle();
        Shape majority = stats.majority();
        BaseModel.Resolution model = BaseModel.resolve(v.model().orElse(majority == Shape.PROMPT_COMPLETION
                ? BaseModel.DAVINCI_002.name() : BaseModel.GPT_4O_MINI.name()));
        long n = stats.classes.values().stream().mapToLong(Long::longValue).sum();
        // an overflowing class table has too many answers to be classification
        TaskType task = TaskType.infer(n, stats.classesOverflow ? n : stats.classes.size(),
                majority == Shape.PROMPT_COMPLETION && stats.pcValid > 0 && stats.promptChars == 0);
        RepairPlan.Builder plan = new RepairPlan.Builder();
        plan.keepOnly = majority;
        plan.dropInvalid = v.applies(Repair.DROP_INVALID);
        plan.dropDuplicates = stats.dropsDuplicates();
        plan.promptSuffix = stats.promptSuffix;
        plan.completionSuffix = stats.completionSuffix;
        Planning planning = new Planning(v, stats, plan, model, majority, task, report);
        for (Rule r : rules) {
            r.plan(planning);
        }
        return planning;
    }

    private record Kept(Example example, String stratum, boolean changed) {
    }

    /** Pass 2: repairs, drops, counts tokens, runs the rules on the kept examples, splits and outputs. */
    private void emit(Pipeline pipeline, DatasetStats stats, Planning planning) {
        RepairPlan plan = planning.plan.build();
        Map<String, Long> strata = new HashMap<>();
        long expected = 0;
        boolean stratify = planning.task == TaskType.CLASSIFICATION;
        for (Shape s : Shape.ALL) {
            if (s == planning.majority || !plan.dropInvalid()) {
                expected += stats.keptByShape[s.ordinal()];
                Map<String, Long> classes = stats.strataByShape[s.ordinal()];
                stratify &= classes != null;
                if (classes != null) {
                    classes.forEach((k, n) -> strata.merge(k, n, Long::sum));
                }
            }
        }
        boolean byClass = stratify;
        Split.Assigner assigner = v.validationFraction() <= 0 ? null : Split.of(v.validationFraction(), v.seed())
                .assigner(byClass ? strata : Map.of("", expected));
        TokenCounter counter = TokenCounter.forModel(planning.model);
        int contextTokens = planning.model.contextTokens();
        int[] ordinal = {0};
        pipeline.read(issue -> { }, e -> { // read issues were reported by the first pass
            stats.confirm(ordinal[0], e);
            if (plan.drops(e, ordinal[0]++, stats)) {
                return null;
            }
            Example out = plan.apply(e);
            for (Rule r : onRepaired) {
                r.repaired(out);
            }
            return new Kept(out, byClass ? Split.completionClass(e) : "", out != e);
        }, k -> counter.count(k.example()), (Kept k, Integer tokens) -> {
            Example e = k.example();
            int t = tokens;
            for (Rule r : droppers) {
                if (r.drops(e, t, report)) {
                    return;
                }
            }
            for (Rule r : inspectors) {
                r.inspect(e, report);
            }
            kept++;
            repaired += k.changed() ? 1 : 0;
            tokensTotal += t;
            tokensMax = Math.max(tokensMax, t);
            if (assigner != null && assigner.toValidation(k.stratum())) {
                validation++;
                if (output != null) {
                    output.validation(e);
                }
            } else {
                training++;
                tokensTraining += t;
                tokensTrainingCapped += Math.min(t, contextTokens);
                if (output != null) {
                    output.training(e);
                }
            }
        });
        Rule.Tally tally = new Rule.Tally(stats.records, stats.examples, training);
        for (Rule r : rules) {
            r.complete(tally, report);
        }
    }

    private ValidationReport report(DatasetStats stats, Planning planning) {
        Shape majority = planning.majority;
        RepairPlan plan = planning.plan.build();
        TaskType task = planning.task;
        String format = stats.examples == 0 ? "none"
                : stats.shapeCounts[majority.ordinal()] < stats.examples ? "mixed" : majority.label;
        Optional<CostEstimate> estimate = training == 0 ? Optional.empty()
                : Optional.of(CostEstimate.of(planning.model, training, tokensTrainingCapped, v.epochs()));
        boolean completionData = planning.completionData();
        Optional<String> separator = !completionData || stats.allPromptsSame || task == TaskType.OPEN_ENDED_GENERATION
                ? Optional.empty() : Optional.ofNullable(plan.addSeparator() != null ? plan.addSeparator()
                : emptyToNull(plan.promptSuffix()));
        Optional<String> stop = !completionData || stats.allCompletionsSame || task != TaskType.CONDITIONAL_GENERATION
                ? Optional.empty() : Optional.ofNullable(plan.addStop() != null ? plan.addStop()
                : emptyToNull(plan.completionSuffix()));
        Map<String, Long> classMap = new LinkedHashMap<>();
        if (task == TaskType.CLASSIFICATION) {
            stats.sortedClasses().forEach(e -> classMap.put(e.getKey(), e.getValue()));
        }
        List<Finding> sorted = new ArrayList<>(findings.listed());
        sorted.sort(null);
        DatasetFormat fileFormat = dataset.file().isPresent() ? dataset.format() : DatasetFormat.JSONL;
        return new ValidationReport(dataset.file(), fileFormat, format, planning.model, task,
                new ValidationReport.Counts(stats.records, stats.unreadable, kept, repaired, stats.records - kept,
                        training, validation),
                new ValidationReport.Tokens(tokensTotal, tokensTraining, tokensMax,
                        kept == 0 ? 0 : (double) tokensTotal / kept),
                estimate, separator, stop, classMap, sorted, findings.counts(), findings.blocking(), v.repairs(),
                Optional.empty(), Optional.empty());
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
