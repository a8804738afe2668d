package dev.finetuner;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A dataset file could not be read: it is missing, unreadable, or (when read strictly) one of its
 * records is malformed. Names the file, the 1-based line (or spreadsheet row) and the field when known.
 */
public class DatasetException extends FineTunerException {
    /** The file, or null for an in-memory dataset. */
    private final Path file;
    /** The 1-based line or row, 0 for the whole file. */
    private final long line;
    /** The column or JSON key, or null. */
    private final String field;
    /** A stable key for the problem. */
    private final String code;

    /**
     * @param code a stable key for the problem, e.g. {@code invalid_json}
     * @param file the file, or null for an in-memory dataset
     * @param line 1-based line or row, 0 when the problem is with the whole file
     * @param field the column or JSON key, or null
     * @param detail what is wrong and what to do
     */
    public DatasetException(String code, Path file, long line, String field, String detail) {
        this(code, file, line, field, detail, null);
    }

    /**
     * The same, keeping the exception that caused it.
     *
     * @param code a stable key for the problem, e.g. {@code invalid_json}
     * @param file the file, or null for an in-memory dataset
     * @param line 1-based line or row, 0 when the problem is with the whole file
     * @param field the column or JSON key, or null
     * @param detail what is wrong and what to do
     * @param cause the exception that caused it
     */
    public DatasetException(String code, Path file, long line, String field, String detail, Throwable cause) {
        super(format(file, line, field, detail), cause);
        this.code = code;
        this.file = file;
        this.line = line;
        this.field = field;
    }

    private static String format(Path file, long line, String field, String detail) {
        StringBuilder where = new StringBuilder();
        where.append(file == null ? "<in-memory dataset>" : file.toString());
        if (line > 0) {
            where.append(", line ").append(line);
        }
        if (field != null) {
            where.append(", field '").append(field).append('\'');
        }
        return where + ": " + detail;
    }

    /** {@return a stable key for the problem, e.g. {@code file_not_found}, {@code invalid_json}} */
    public String code() {
        return code;
    }

    /** {@return the file, empty for an in-memory dataset} */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** {@return the 1-based line or spreadsheet row; 0 when the problem concerns the whole file} */
    public long line() {
        return line;
    }

    /** {@return the column or key at fault, if one is} */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
