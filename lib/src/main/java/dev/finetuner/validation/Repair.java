package dev.finetuner.validation;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * A change validation may make to the examples it keeps, as {@code prepare_data} offered them. Each
 * change is counted in the {@link ValidationReport}; none is made unless asked for.
 */
public enum Repair {
    /**
     * Give every prompt a separator: when more than half of them end with a known one ({@code " ->"},
     * {@code "\n\n###\n\n"}, ...), append it to those that do not; when they share none, append a new
     * one (e.g. {@code "\n\n###\n\n"}) to every prompt.
     */
    ADD_SEPARATOR,
    /** Start every completion with a space, which tokenizes better. */
    ADD_LEADING_SPACE,
    /**
     * Give every completion a stop sequence: the one more than half of them end with ({@code "\n"},
     * {@code " END"}, ...) where it is missing, else a new one (e.g. {@code "\n"}) appended to every completion.
     */
    ADD_STOP_SEQUENCE,
    /** Keep only the first of identical examples. */
    REMOVE_DUPLICATES,
    /** Leave out examples with an error finding (empty completion, unknown role, no assistant message, ...). */
    DROP_INVALID,
    /** Leave out examples longer than the model's context. */
    DROP_LONG,
    /** Lower-case prompts or completions that are mostly upper case. */
    LOWERCASE,
    /** Remove a long prefix that every prompt starts with. */
    REMOVE_PROMPT_PREFIX,
    /** Remove a prefix that every completion starts with. */
    REMOVE_COMPLETION_PREFIX,
    /**
     * Add separators and stop sequences as {@code prepare_data} does: when not every prompt ends with
     * the same text, append a new separator to every prompt, even to those that end with the separator
     * most of them use (and the same for completions). With {@link #PREPARE_DATA}, the prepared file is
     * byte for byte the one {@code prepare_data -q} writes.
     */
    LIKE_PREPARE_DATA;

    /**
     * What {@code prepare_data -q} does that keeps the data's meaning: separator, leading space, stop
     * sequence, duplicates, and leaving out invalid and over-long examples.
     */
    public static final Set<Repair> RECOMMENDED = Collections.unmodifiableSet(EnumSet.of(
            ADD_SEPARATOR, ADD_LEADING_SPACE, ADD_STOP_SEQUENCE, REMOVE_DUPLICATES, DROP_INVALID, DROP_LONG));

    /**
     * The same set as {@link #RECOMMENDED}, under the name the design uses. Repairs that rewrite text
     * ({@link #LOWERCASE}, {@link #REMOVE_PROMPT_PREFIX}, {@link #REMOVE_COMPLETION_PREFIX}) are never
     * implied: name them, or use {@link #PREPARE_DATA}.
     */
    public static final Set<Repair> ALL = RECOMMENDED;

    /**
     * Every repair {@code prepare_data -q} makes, made its way ({@link #LIKE_PREPARE_DATA}): the output
     * is byte-identical to its own. The CLI's {@code --repair-all}.
     */
    public static final Set<Repair> PREPARE_DATA = Collections.unmodifiableSet(EnumSet.allOf(Repair.class));

    /** No repair: report only. */
    public static final Set<Repair> NONE = Collections.unmodifiableSet(EnumSet.noneOf(Repair.class));
}
