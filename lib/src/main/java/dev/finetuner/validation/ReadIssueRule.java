package dev.finetuner.validation;

import dev.finetuner.dataset.ReadIssue;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The codes the readers of {@code dev.finetuner.dataset} report, in one place, and how each becomes a
 * finding: a record the reader could not read is an error that {@link Repair#DROP_INVALID} resolves; a
 * note is a warning or, for harmless ones, information.
 */
final class ReadIssueRule {
    /** Every code a reader reports, with the fix its finding suggests ("" for none). */
    static final Map<String, String> CODES = Map.ofEntries(
            Map.entry("empty_file", ""),
            Map.entry("missing_column", ""),
            Map.entry("missing_sheet", ""),
            Map.entry("invalid_json", "correct the line so it is one JSON object"),
            Map.entry("ragged_row", "quote cells that contain the separator; give every row as many cells as the header"),
            Map.entry("invalid_utf8", "re-save the file as UTF-8"),
            Map.entry("empty_line", "remove empty lines"),
            Map.entry("bom", ""), Map.entry("jsonl_in_json_file", ""), Map.entry("column_case", ""),
            Map.entry("empty_sheet", ""), Map.entry("other_sheets", ""),
            Map.entry("data_type", ""), Map.entry("missing_messages_list", ""), Map.entry("message_missing_key", ""),
            Map.entry("missing_key", ""), Map.entry("invalid_csv", ""), Map.entry("unrecognized_format", ""),
            Map.entry("format_mismatch", ""), Map.entry("non_string_value", ""), Map.entry("formula_cell", ""),
            Map.entry("error_cell", ""), Map.entry("duplicate_column", ""),
            Map.entry("record_too_large", "split the example, or leave it out: the API trains on far shorter ones"));
    /** Errors about the whole file, not a record: nothing to drop, and no fix to offer. */
    private static final Set<String> FILE_LEVEL = Set.of("empty_file", "missing_column", "missing_sheet");
    private static final Set<String> INFO = Set.of("bom", "jsonl_in_json_file", "column_case", "empty_sheet",
            "other_sheets");

    private ReadIssueRule() {
    }

    /** True when the issue is a record that is not among the examples. */
    static boolean dropsRecord(ReadIssue issue) {
        return issue.error() && !FILE_LEVEL.contains(issue.code());
    }

    /** The finding for {@code issue}; a dropped record's finding is resolved by {@link Repair#DROP_INVALID}. */
    static Finding finding(ReadIssue issue, boolean dropInvalid) {
        Severity severity = issue.error() ? Severity.ERROR
                : INFO.contains(issue.code()) ? Severity.INFO : Severity.WARNING;
        String fix = CODES.getOrDefault(issue.code(), "");
        if (fix.isEmpty() && issue.error() && !FILE_LEVEL.contains(issue.code())) {
            fix = "correct or remove the record";
        }
        Finding f = new Finding(issue.code(), severity, issue.line(), issue.field(), issue.message(),
                Optional.ofNullable(fix.isEmpty() ? null : fix), Optional.empty(), false);
        return dropsRecord(issue) ? f.withRepair(Repair.DROP_INVALID, dropInvalid) : f;
    }
}
