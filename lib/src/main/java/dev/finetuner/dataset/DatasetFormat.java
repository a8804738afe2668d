package dev.finetuner.dataset;

import java.util.Locale;

/** The file formats a dataset can be read from. */
public enum DatasetFormat {
    /** Comma-separated values with a header row. */
    CSV,
    /** Tab-separated values with a header row. */
    TSV,
    /** An Excel workbook: the first sheet with data, a header row. */
    XLSX,
    /** A JSON array of objects, or an object of columns as pandas writes it. */
    JSON,
    /** One JSON object per line: what the fine-tuning API takes. */
    JSONL;

    /** The format a file name's extension suggests, or null when it suggests none. */
    static DatasetFormat fromExtension(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".csv")) {
            return CSV;
        }
        if (lower.endsWith(".tsv") || lower.endsWith(".tab")) {
            return TSV;
        }
        if (lower.endsWith(".xlsx") || lower.endsWith(".xlsm")) {
            return XLSX;
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return JSONL;
        }
        if (lower.endsWith(".json")) {
            return JSON;
        }
        return null;
    }
}
