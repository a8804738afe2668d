package dev.finetuner.validation;

import dev.finetuner.dataset.Example;

import java.util.function.Consumer;

/**
 * One rule of validation, built in or a user's {@link Check}: the code it owns and the severity of its
 * findings, and hooks for each step of a run, all of which do nothing unless overridden. A run makes
 * fresh instances, calls {@link #examine} on any thread (so it keeps no state) and the other hooks on
 * one thread, in file order. A disabled code disables its rule: none of its hooks is called.
 *
 * <ol>
 * <li>pass 1: {@link #examine} an example on its own; its errors mark the example invalid;</li>
 * <li>between the passes: {@link #plan} reads the {@link DatasetStats}, reports dataset-wide findings
 *     and contributes to the {@link RepairPlan};</li>
 * <li>pass 2, on the examples the plan keeps: {@link #repaired} (after text repairs),
 *     {@link #drops} (with the token count), {@link #inspect} (kept examples only);</li>
 * <li>{@link #complete} once at the end.</li>
 * </ol>
 */
abstract class Rule {
    /** The finding code this rule reports, the name {@code disable(...)} takes. */
    abstract String code();

    /** The severity of this rule's findings unless a hook says otherwise. */
    abstract Severity severity();

    /** Findings about one example on its own. Thread-safe. */
    void examine(Example e, Consumer<Finding> out) {
    }

    /** Dataset-wide findings and repair decisions, from the statistics of pass 1. */
    void plan(Planning p) {
    }

    /** An example pass 2 keeps so far, after text repairs, before its length is checked. */
    void repaired(Example e) {
    }

    /** True to leave out this example, which has {@code tokens} tokens; report why to {@code out}. */
    boolean drops(Example e, int tokens, Consumer<Finding> out) {
        return false;
    }

    /** An example that is kept, in file order. */
    void inspect(Example e, Consumer<Finding> out) {
    }

    /** Called once after the last example. */
    void complete(Tally tally, Consumer<Finding> out) {
    }

    final Finding at(long line, String field, String message, String fix) {
        return Finding.at(line, code(), severity(), field, message, fix);
    }

    final Finding dataset(String message, String fix) {
        return Finding.dataset(code(), severity(), message, fix);
    }

    final Finding dataset(Severity severity, String message, String fix) {
        return Finding.dataset(code(), severity, message, fix);
    }

    /** What the end of a run knows. */
    record Tally(long records, long examples, long training) {
    }

    /** A user's {@link Check} as a rule: its findings carry the codes it chooses. */
    static final class User extends Rule {
        private final String code;
        private final Check check;

        User(String code, Check check) {
            this.code = code;
            this.check = check;
        }

        @Override
        String code() {
            return code;
        }

        @Override
        Severity severity() {
            return Severity.WARNING;
        }

        @Override
        void inspect(Example e, Consumer<Finding> out) {
            check.inspect(e, out);
        }

        @Override
        void complete(Tally tally, Consumer<Finding> out) {
            check.complete(out);
        }
    }
}
