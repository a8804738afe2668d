package dev.finetuner.validation;

import dev.finetuner.model.BaseModel;
import dev.finetuner.model.TaskType;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** What the rules see between the passes: the statistics, what was inferred from them, and the plan being built. */
final class Planning {
    final DatasetStats stats;
    final RepairPlan.Builder plan;
    final BaseModel model;
    final Shape majority;
    final TaskType task;
    /** What resolving the requested model had to say (a legacy or unknown name), if anything. */
    final Optional<String> modelWarning;
    private final Validator v;
    private final Consumer<Finding> out;

    Planning(Validator v, DatasetStats stats, RepairPlan.Builder plan, BaseModel.Resolution model, Shape majority,
             TaskType task, Consumer<Finding> out) {
        this.v = v;
        this.stats = stats;
        this.plan = plan;
        this.model = model.model();
        this.modelWarning = model.warning();
        this.majority = majority;
        this.task = task;
        this.out = out;
    }

    boolean applies(Repair r) {
        return v.applies(r);
    }

    boolean enabled(String code) {
        return v.enabled(code);
    }

    double validationFraction() {
        return v.validationFraction();
    }

    void report(Finding f) {
        out.accept(f);
    }

    /** Prompt/completion data with at least one valid example: the checks of {@code prepare_data} apply. */
    boolean completionData() {
        return majority == Shape.PROMPT_COMPLETION && stats.pcValid > 0;
    }

    List<Map.Entry<String, Long>> sortedClasses() {
        return stats.sortedClasses();
    }
}
