package dev.finetuner.dataset;

import java.util.Objects;
import java.util.Optional;

/**
 * How to read a dataset file. Column names are matched case-insensitively.
 *
 * <p>Defaults: prompt column {@value #DEFAULT_PROMPT_COLUMN}, completion column
 * {@value #DEFAULT_COMPLETION_COLUMN}, format detected from the content and the extension.
 *
 * @param promptColumn the column or key holding the prompt
 * @param completionColumn the column or key holding the completion
 * @param format the format to read, or empty to detect it
 * @param sheet the spreadsheet sheet to read, or empty for the first one with data
 */
public record DatasetOptions(String promptColumn, String completionColumn, Optional<DatasetFormat> format,
                             Optional<String> sheet) {
    /** The prompt column when none is given. */
    public static final String DEFAULT_PROMPT_COLUMN = "prompt";
    /** The completion column when none is given. */
    public static final String DEFAULT_COMPLETION_COLUMN = "completion";

    /**
     * Checks the components: none null, column names not blank and not the same (ignoring case).
     *
     * @param promptColumn the column or key holding the prompt
     * @param completionColumn the column or key holding the completion
     * @param format the format to read, or empty to detect it
     * @param sheet the spreadsheet sheet to read, or empty for the first one with data
     */
    public DatasetOptions {
        Objects.requireNonNull(promptColumn, "promptColumn");
        Objects.requireNonNull(completionColumn, "completionColumn");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(sheet, "sheet");
        if (promptColumn.isBlank() || completionColumn.isBlank()) {
            throw new IllegalArgumentException("column names must not be blank");
        }
        if (promptColumn.equalsIgnoreCase(completionColumn)) {
            throw new IllegalArgumentException("prompt and completion must be different columns: " + promptColumn);
        }
    }

    /** {@return the defaults} */
    public static DatasetOptions defaults() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding these options} */
    public Builder toBuilder() {
        Builder b = new Builder().promptColumn(promptColumn).completionColumn(completionColumn);
        format.ifPresent(b::format);
        sheet.ifPresent(b::sheet);
        return b;
    }

    /** Builds {@link DatasetOptions}; every setter rejects null. */
    public static final class Builder {
        private String promptColumn = DEFAULT_PROMPT_COLUMN;
        private String completionColumn = DEFAULT_COMPLETION_COLUMN;
        private DatasetFormat format;
        private String sheet;

        private Builder() {
        }

        /**
         * The column or key holding the prompt, e.g. {@code question}.
         *
         * @param name the column or key (default {@value DatasetOptions#DEFAULT_PROMPT_COLUMN})
         * @return this builder
         */
        public Builder promptColumn(String name) {
            this.promptColumn = Objects.requireNonNull(name, "promptColumn").trim();
            return this;
        }

        /**
         * The column or key holding the completion, e.g. {@code answer}.
         *
         * @param name the column or key (default {@value DatasetOptions#DEFAULT_COMPLETION_COLUMN})
         * @return this builder
         */
        public Builder completionColumn(String name) {
            this.completionColumn = Objects.requireNonNull(name, "completionColumn").trim();
            return this;
        }

        /**
         * Read as this format whatever the file looks like.
         *
         * @param format the format (default: detected)
         * @return this builder
         */
        public Builder format(DatasetFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * For a workbook: the sheet to read.
         *
         * @param name the sheet's name (default: the first one with data)
         * @return this builder
         */
        public Builder sheet(String name) {
            this.sheet = Objects.requireNonNull(name, "sheet");
            return this;
        }

        /** {@return the options} */
        public DatasetOptions build() {
            return new DatasetOptions(promptColumn, completionColumn, Optional.ofNullable(format),
                    Optional.ofNullable(sheet));
        }
    }
}
