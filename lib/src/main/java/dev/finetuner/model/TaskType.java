package dev.finetuner.model;

/**
 * What a dataset teaches, inferred as {@code prepare_data} does. The rule lives here, once, so that
 * preparing a dataset and evaluating a model on it call the same data the same task.
 */
public enum TaskType {
    /** Few distinct completions (fewer than a third of the examples): labels. */
    CLASSIFICATION,
    /** Prompts and varied completions. */
    CONDITIONAL_GENERATION,
    /** Empty prompts: the model learns to write text like the completions. */
    OPEN_ENDED_GENERATION;

    /**
     * A dataset is classification when it has more than one distinct answer and fewer distinct answers
     * than a third of its examples ({@code prepare_data}'s rule).
     */
    public static final int CLASSIFICATION_THRESHOLD = 3;

    /**
     * Infers the task from counts, as {@code prepare_data} does.
     *
     * @param examples         examples counted
     * @param distinctAnswers  distinct (trimmed) answers among them
     * @param emptyPrompts     whether every prompt is empty (open-ended generation)
     * @return the task
     */
    public static TaskType infer(long examples, long distinctAnswers, boolean emptyPrompts) {
        if (emptyPrompts) {
            return OPEN_ENDED_GENERATION;
        }
        return distinctAnswers > 1 && distinctAnswers < (double) examples / CLASSIFICATION_THRESHOLD
                ? CLASSIFICATION
                : CONDITIONAL_GENERATION;
    }
}
