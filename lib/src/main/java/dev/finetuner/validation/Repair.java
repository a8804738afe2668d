package dev.finetuner.validation;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * A change validation may make to the examples it keeps, as {@code prepare_data} offered them. Each
 * change is counted in the {@link ValidationReport}; none is made unless asked for.
 */
public enum Repair {
    /** Append a separator (e.g. {@code "\n\n###\n\n"}) to every prompt when they share none. */
    ADD_SEPARATOR,
    /** Start every completion with a space, which tokenizes better. */
    ADD_LEADING_SPACE,
    /** Append a stop sequence (e.g. {@code "\n"}) to every completion when they share no ending. */
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
    REMOVE_COMPLETION_PREFIX;

    /**
     * What {@code prepare_data -q} does that keeps the data's meaning: separator, leading space, stop
     * sequence, duplicates, and leaving out invalid and over-long examples.
     */
    public static final Set<Repair> RECOMMENDED = Collections.unmodifiableSet(EnumSet.of(
            ADD_SEPARATOR, ADD_LEADING_SPACE, ADD_STOP_SEQUENCE, REMOVE_DUPLICATES, DROP_INVALID, DROP_LONG));

    /**
     * The same set as {@link #RECOMMENDED}, under the name the design uses. Repairs that rewrite text
     * ({@link #LOWERCASE}, {@link #REMOVE_PROMPT_PREFIX}, {@link #REMOVE_COMPLETION_PREFIX}) are never
     * implied: name them, or use {@code EnumSet.allOf(Repair.class)}.
     */
    public static final Set<Repair> ALL = RECOMMENDED;

    /** No repair: report only. */
    public static final Set<Repair> NONE = Collections.unmodifiableSet(EnumSet.noneOf(Repair.class));
}
