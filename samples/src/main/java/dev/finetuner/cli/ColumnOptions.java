package dev.finetuner.cli;

import dev.finetuner.DatasetException;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.DatasetOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which columns of a CSV, TSV or XLSX file (or keys of a JSON file) hold the prompt and the completion.
 * Mixed into every command that reads a dataset, so that a file whose headers are not prompt/completion
 * is read the same way by prepare, estimate and create.
 */
final class ColumnOptions {
    /** Header names that usually hold the prompt, the likeliest first, for the flags a mistake suggests. */
    private static final List<String> PROMPT_NAMES = List.of("question", "input", "prompt", "query", "text",
            "instruction", "request", "ticket", "message", "source");
    /** Header names that usually hold the completion. */
    private static final List<String> COMPLETION_NAMES = List.of("answer", "output", "completion", "response",
            "label", "reply", "target", "category", "class", "result");

    @Option(names = "--prompt-column", paramLabel = "NAME", defaultValue = DatasetOptions.DEFAULT_PROMPT_COLUMN,
            description = "The column (or JSON key) that holds the prompt. Default: ${DEFAULT-VALUE}.")
    String promptColumn;

    @Option(names = "--completion-column", paramLabel = "NAME", defaultValue = DatasetOptions.DEFAULT_COMPLETION_COLUMN,
            description = "The column (or JSON key) that holds the completion. Default: ${DEFAULT-VALUE}.")
    String completionColumn;

    DatasetOptions options() {
        return DatasetOptions.builder().promptColumn(promptColumn).completionColumn(completionColumn).build();
    }

    /** The flags as a user types them, only when they differ from the defaults (for a command to suggest). */
    String flags() {
        return (promptColumn.equals(DatasetOptions.DEFAULT_PROMPT_COLUMN) ? "" : " --prompt-column " + promptColumn)
                + (completionColumn.equals(DatasetOptions.DEFAULT_COMPLETION_COLUMN) ? ""
                : " --completion-column " + completionColumn);
    }

    /**
     * The dataset in {@code file}, read with these columns. A table without them is refused here, before
     * anything is validated or uploaded, naming the columns it has and the flags that map them: the
     * library's own finding names the Java builder method, which is no help at a terminal.
     *
     * @throws Failures.WithHint (of a {@link DatasetException}, exit 2) when a column is not in the header
     */
    Dataset read(Path file) {
        Dataset dataset = Dataset.read(file, options());
        List<String> header = dataset.columns();
        boolean hasPrompt = has(header, promptColumn);
        boolean hasCompletion = has(header, completionColumn);
        if (header.isEmpty() || hasPrompt && hasCompletion) {
            return dataset;
        }
        String missing = !hasPrompt && !hasCompletion ? promptColumn + "/" + completionColumn + " columns"
                : (hasPrompt ? completionColumn : promptColumn) + " column";
        List<String> left = new ArrayList<>(header);
        String prompt = hasPrompt ? promptColumn : guess(left, PROMPT_NAMES, 0);
        left.remove(prompt);
        String completion = hasCompletion ? completionColumn : guess(left, COMPLETION_NAMES, 0);
        throw new Failures.WithHint(new DatasetException("missing_column", file, 1, null,
                "no " + missing + ": found " + String.join(", ", header)),
                "Name the columns to read with --prompt-column " + quoted(prompt) + " --completion-column "
                        + quoted(completion) + ".");
    }

    private static boolean has(List<String> header, String column) {
        // the reader matches a column whatever its case
        return header.stream().anyMatch(h -> h.equalsIgnoreCase(column));
    }

    /** The header name among {@code likely} that comes first, else the column at {@code fallback}, else NAME. */
    private static String guess(List<String> header, List<String> likely, int fallback) {
        for (String name : likely) {
            for (String h : header) {
                if (h.toLowerCase(Locale.ROOT).equals(name)) {
                    return h;
                }
            }
        }
        return header.size() > fallback ? header.get(fallback) : "NAME";
    }

    private static String quoted(String column) {
        return column.matches("[\\w.-]+") ? column : "'" + column.replace("'", "'\\''") + "'";
    }
}
