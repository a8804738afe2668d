package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.ReadIssue;

import java.util.List;

/** Pass 1 and the plan, as a run makes them, over read events given by a test; close it to drop its temporary files. */
final class FirstPass implements AutoCloseable {
    final Validator v;
    final List<Rule> rules;
    final Findings findings;
    final DatasetStats stats;

    FirstPass(Validator v) {
        this.v = v;
        this.rules = ValidationRun.rules(v);
        this.findings = new Findings(v.disabled(), v.maxFindingsPerCode());
        this.stats = ValidationRun.newStats(v, rules, findings);
    }

    /** Adds the events (examples and read issues) as the first pass would. */
    void fill(List<Object> events) {
        for (Object o : events) {
            if (o instanceof Example e) {
                stats.add(e, ValidationRun.digest(e, rules, v.applies(Repair.DROP_INVALID)));
            } else {
                stats.add((ReadIssue) o);
            }
        }
    }

    Planning plan() {
        return ValidationRun.plan(v, rules, stats, findings::add);
    }

    @Override
    public void close() {
        stats.close();
    }
}
