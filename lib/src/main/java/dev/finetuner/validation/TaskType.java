package dev.finetuner.validation;

/** What a dataset teaches, inferred as {@code prepare_data} does. */
public enum TaskType {
    /** Few distinct completions (fewer than a third of the examples): labels. */
    CLASSIFICATION,
    /** Prompts and varied completions. */
    CONDITIONAL_GENERATION,
    /** Empty prompts: the model learns to write text like the completions. */
    OPEN_ENDED_GENERATION
}
