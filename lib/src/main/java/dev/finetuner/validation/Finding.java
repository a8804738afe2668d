package dev.finetuner.validation;

import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing validation found, where, and what to do about it.
 *
 * @param code a stable key, e.g. {@code empty_completion}, {@code invalid_json}, {@code missing_separator}
 * @param severity how much it matters
 * @param line the 1-based line or row of the source file; 0 when it concerns the whole dataset
 * @param field the column, key or JSON path at fault, if one is
 * @param message what was found, in words a person can act on
 * @param fix what to do about it, if there is something to do
 * @param repair the repair that addresses it, if there is one
 * @param repaired true when that repair was applied, so the finding no longer blocks training
 */
public record Finding(String code, Severity severity, long line, Optional<String> field, String message,
                      Optional<String> fix, Optional<Repair> repair, boolean repaired)
        implements Comparable<Finding> {

    private static final Comparator<Finding> ORDER = Comparator.comparingLong(Finding::line)
            .thenComparing(Finding::severity).thenComparing(Finding::code);

    /**
     * Checks the components: all given and the line not negative.
     *
     * @param code a stable key, e.g. {@code empty_completion}, {@code invalid_json},
     *     {@code missing_separator}
     * @param severity how much it matters
     * @param line the 1-based line or row of the source file; 0 when it concerns the whole dataset
     * @param field the column, key or JSON path at fault, if one is
     * @param message what was found, in words a person can act on
     * @param fix what to do about it, if there is something to do
     * @param repair the repair that addresses it, if there is one
     * @param repaired true when that repair was applied, so the finding no longer blocks training
     */
    public Finding {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
        Objects.requireNonNull(repair, "repair");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
        if (repaired && repair.isEmpty()) {
            throw new IllegalArgumentException("a finding can only be repaired by a repair");
        }
    }

    /**
     * {@return a finding about one line}
     *
     * @param line the 1-based line or row, 0 for the whole dataset
     * @param code a stable key, e.g. {@code empty_completion}
     * @param severity how much it matters
     * @param field the column, key or JSON path at fault, or null
     * @param message what was found
     * @param fix what to do about it, or null
     */
    public static Finding at(long line, String code, Severity severity, String field, String message, String fix) {
        return new Finding(code, severity, line, Optional.ofNullable(field), message, Optional.ofNullable(fix),
                Optional.empty(), false);
    }

    /**
     * {@return a finding about the whole dataset}
     *
     * @param code a stable key, e.g. {@code too_few_examples}
     * @param severity how much it matters
     * @param message what was found
     * @param fix what to do about it, or null
     */
    public static Finding dataset(String code, Severity severity, String message, String fix) {
        return at(0, code, severity, null, message, fix);
    }

    /**
     * This finding, addressed by {@code repair}, applied or not.
     *
     * @param r the repair
     * @param applied whether it was applied
     * @return the finding with its repair
     */
    Finding withRepair(Repair r, boolean applied) {
        return new Finding(code, severity, line, field, message, fix, Optional.of(r), applied);
    }

    /** {@return true for an error that no applied repair resolved: the dataset is not ready while one exists} */
    public boolean blocking() {
        return severity == Severity.ERROR && !repaired;
    }

    /** {@return where: "line 12, field 'completion'" or "dataset"} */
    public String location() {
        String where = line > 0 ? "line " + line : "dataset";
        return field.map(f -> where + ", field '" + f + "'").orElse(where);
    }

    @Override
    public int compareTo(Finding other) {
        return ORDER.compare(this, other);
    }
}
