package dev.finetuner.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

/** A {@link FaultPlan} at work: counts matches and draws probabilities. Thread-safe. */
final class Faults {
    private final FaultPlan plan;
    private final AtomicIntegerArray matches;
    private final Random random;
    private int jobs;

    Faults(FaultPlan plan) {
        this.plan = plan;
        this.matches = new AtomicIntegerArray(plan.rules().size());
        this.random = new Random(plan.seed());
    }

    /**
     * The faults that fire for this request: every delay that fires, then at most one other fault (the
     * first that fires, in the plan's order).
     */
    List<FaultPlan.Rule> fire(String request) {
        List<FaultPlan.Rule> fired = new ArrayList<>(1);
        List<FaultPlan.Rule> rules = plan.rules();
        boolean terminal = false;
        for (int i = 0; i < rules.size(); i++) {
            FaultPlan.Rule rule = rules.get(i);
            if (terminal && rule.kind() != FaultPlan.Kind.DELAY) {
                continue;
            }
            if (rule.request().matcher(request).find() && fires(rule.occurrence(), matches.incrementAndGet(i))) {
                fired.add(rule);
                terminal |= rule.kind() != FaultPlan.Kind.DELAY;
            }
        }
        return fired;
    }

    /** Whether the next job created fails mid-run. */
    synchronized boolean failNextJob() {
        return fires(plan.failJobs(), ++jobs);
    }

    int modelNotFoundCalls() {
        return plan.modelNotFoundCalls();
    }

    private boolean fires(FaultPlan.Occurrence o, int match) {
        if (o.times() >= 0) {
            return match <= o.times();
        }
        synchronized (random) {
            return random.nextDouble() < o.probability();
        }
    }
}
