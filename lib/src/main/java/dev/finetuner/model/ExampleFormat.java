package dev.finetuner.model;

/** The shape of training examples a base model takes. */
public enum ExampleFormat {
    /** {@code {"prompt": ..., "completion": ...}}: babbage-002, davinci-002. */
    COMPLETION,
    /** {@code {"messages": [...]}}: chat models. */
    CHAT
}
