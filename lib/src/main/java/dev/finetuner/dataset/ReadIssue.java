package dev.finetuner.dataset;

import java.util.Objects;
import java.util.Optional;

/**
 * Something reading a file noticed: a record that could not be read (and so is not among the examples)
 * or a note about the file (a byte-order mark, a format other than its extension says). Validation
 * turns each into a finding; a strict read turns a dropped record into a
 * {@link dev.finetuner.DatasetException}.
 *
 * @param code a stable key, e.g. {@code invalid_json}, {@code ragged_row}, {@code bom}
 * @param error true when a record (or the whole file) could not be read and so is not among the examples
 * @param line 1-based line or row; 0 for the whole file
 * @param field the column or key at fault, if one is
 * @param message what is wrong, in words a person can act on
 */
public record ReadIssue(String code, boolean error, long line, Optional<String> field, String message) {
    /**
     * Checks that the code, field and message are given.
     *
     * @param code a stable key, e.g. {@code invalid_json}, {@code ragged_row}, {@code bom}
     * @param error true when a record (or the whole file) could not be read and so is not among the examples
     * @param line 1-based line or row; 0 for the whole file
     * @param field the column or key at fault, if one is
     * @param message what is wrong, in words a person can act on
     */
    public ReadIssue {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    static ReadIssue dropped(String code, long line, String field, String message) {
        return new ReadIssue(code, true, line, Optional.ofNullable(field), message);
    }

    static ReadIssue note(String code, long line, String field, String message) {
        return new ReadIssue(code, false, line, Optional.ofNullable(field), message);
    }
}
