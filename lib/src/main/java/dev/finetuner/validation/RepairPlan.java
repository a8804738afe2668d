package dev.finetuner.validation;

import dev.finetuner.dataset.Example;

import java.util.Locale;

/**
 * The repairs pass 2 applies, decided from the {@link DatasetStats} of pass 1 by the rules. Text
 * repairs run in a fixed order: prefixes (found in the original text) are removed before lower-casing
 * changes it, and separator, space and stop are added last.
 *
 * @param keepOnly when set, examples of other shapes are left out (dropping invalid examples)
 * @param dropInvalid leave out examples with an error of their own
 * @param dropDuplicates leave out repeats of an earlier example
 * @param stripPromptPrefix the prefix to remove from prompts, or null
 * @param stripCompletionPrefix the prefix to remove from completions, or null
 * @param lowerPrompts lower-case the prompts
 * @param lowerCompletions lower-case the completions
 * @param addSeparator the separator to append to prompts, or null
 * @param separatorWhereMissing append it only to prompts that do not already end with it
 * @param addSpace start completions with a space
 * @param addStop the stop sequence to append to completions, or null
 * @param stopWhereMissing append it only to completions that do not already end with it
 * @param promptSuffix what every prompt ends with after the repairs, or null
 * @param completionSuffix what every completion ends with after the repairs, or null
 */
record RepairPlan(Shape keepOnly, boolean dropInvalid, boolean dropDuplicates, String stripPromptPrefix,
                  String stripCompletionPrefix, boolean lowerPrompts, boolean lowerCompletions, String addSeparator,
                  boolean separatorWhereMissing, boolean addSpace, String addStop, boolean stopWhereMissing,
                  String promptSuffix, String completionSuffix) {

    /** True when pass 2 leaves out this example, the {@code ordinal}-th of the dataset. */
    boolean drops(Example e, int ordinal, DatasetStats stats) {
        if (dropInvalid && (keepOnly != null && Shape.of(e) != keepOnly || stats.invalids.get(ordinal))) {
            return true;
        }
        return dropDuplicates && stats.repeats.get(ordinal);
    }

    /** The example with the text repairs applied; the same instance when none changes it. */
    Example apply(Example e) {
        if (!(e instanceof Example.PromptCompletion pc)) {
            return e;
        }
        String p = pc.prompt();
        String c = pc.completion();
        if (stripPromptPrefix != null && p.startsWith(stripPromptPrefix)) {
            p = p.substring(stripPromptPrefix.length());
        }
        if (stripCompletionPrefix != null && c.startsWith(stripCompletionPrefix)) {
            c = c.substring(stripCompletionPrefix.length());
            if (stripCompletionPrefix.startsWith(" ") && !c.startsWith(" ")) {
                c = " " + c;
            }
        }
        if (lowerPrompts) {
            p = p.toLowerCase(Locale.ROOT);
        }
        if (lowerCompletions) {
            c = c.toLowerCase(Locale.ROOT);
        }
        if (addSeparator != null && !(separatorWhereMissing && p.endsWith(addSeparator))) {
            p = p + addSeparator;
        }
        if (addSpace && !c.startsWith(" ")) {
            c = " " + c;
        }
        if (addStop != null && !(stopWhereMissing && c.endsWith(addStop))) {
            c = c + addStop;
        }
        return p.equals(pc.prompt()) && c.equals(pc.completion()) ? e : pc.with(p, c);
    }

    /** Collects the rules' decisions between the passes. */
    static final class Builder {
        Shape keepOnly;
        boolean dropInvalid;
        boolean dropDuplicates;
        String stripPromptPrefix;
        String stripCompletionPrefix;
        boolean lowerPrompts;
        boolean lowerCompletions;
        String addSeparator;
        boolean separatorWhereMissing;
        boolean addSpace;
        String addStop;
        boolean stopWhereMissing;
        /** Starts as the common suffix pass 1 found; lower-casing changes it. */
        String promptSuffix;
        String completionSuffix;

        RepairPlan build() {
            return new RepairPlan(keepOnly, dropInvalid, dropDuplicates, stripPromptPrefix, stripCompletionPrefix,
                    lowerPrompts, lowerCompletions, addSeparator, separatorWhereMissing, addSpace, addStop,
                    stopWhereMissing, promptSuffix, completionSuffix);
        }
    }
}
