package dev.finetuner.validation;

/** How much a finding matters. */
public enum Severity {
    /** The dataset cannot be trained on as it is (unless a repair resolved it). */
    ERROR,
    /** Training works, but the result is likely worse or surprising. */
    WARNING,
    /** A fact about the dataset worth knowing. */
    INFO
}
