package dev.finetuner.cli;

import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;
import dev.finetuner.validation.Finding;
import dev.finetuner.validation.Severity;
import dev.finetuner.validation.ValidationReport;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The mistakes that the commands reading a dataset for a model (prepare, estimate, create) catch before
 * anything reaches the API, worded once so that each is explained, and exits, the same way everywhere.
 */
final class Mistakes {
    /** The one line that shows what a chat example looks like, for those who have prompt/completion data. */
    static final String CHAT_EXAMPLE = "{\"messages\": [{\"role\": \"user\", \"content\": \"PROMPT\"},"
            + " {\"role\": \"assistant\", \"content\": \"COMPLETION\"}]}";

    private Mistakes() {
    }

    /**
     * The model a user named, refused when it is a typo of a known name ({@link BaseModel#didYouMean}) that
     * {@code listedByBackend} does not know either. A name far from every known one may be a model newer
     * than the catalogue: it is used, with a warning on {@code err} when {@code warn} is set.
     *
     * @throws Failures.Usage (exit 2) for a typo
     */
    static BaseModel.Resolution model(String name, Predicate<String> listedByBackend, PrintWriter err, boolean warn) {
        Optional<String> meant = BaseModel.didYouMean(name);
        if (meant.isPresent() && !listedByBackend.test(name)) {
            throw new Failures.Usage("unknown model " + name + "; did you mean " + meant.get() + "?");
        }
        BaseModel.Resolution r = BaseModel.resolve(name);
        if (warn) {
            r.warning().ifPresent(w -> err.println("warning: " + w));
        }
        return r;
    }

    /** {@link #model(String, Predicate, PrintWriter, boolean)} for an offline command: no backend to ask. */
    static BaseModel.Resolution model(String name, PrintWriter err, boolean warn) {
        return model(name, n -> false, err, warn);
    }

    /**
     * Refuses a report whose data the model does not train on (chat data for davinci-002, prompt/completion
     * data for a chat model), with the two ways out.
     *
     * @throws Failures.WithHint (of a {@link Failures.Usage}, exit 2) when they do not match
     */
    static void formatMatches(ValidationReport report, Path file) {
        List<Finding> mismatch = report.findings("model_format");
        if (mismatch.isEmpty()) {
            return;
        }
        boolean chatModel = report.model().format() == ExampleFormat.CHAT;
        String fix = chatModel
                ? "Train a prompt/completion model on it (--model davinci-002, or babbage-002), or convert the"
                + " examples to chat messages, one JSON object a line: " + CHAT_EXAMPLE
                : "Train a chat model on it (--model gpt-4o-mini), or convert each chat to"
                + " one {\"prompt\": ..., \"completion\": ...} line.";
        throw new Failures.WithHint(new Failures.Usage(file + ": " + mismatch.get(0).message()), fix);
    }

    /**
     * Every kind of error found, repaired or not, with its count, most first: "5 invalid_json, 1 too_few_examples", for
     * a one-line reason why a file has no example left.
     */
    static String allErrors(ValidationReport report) {
        return report.findings().stream().filter(f -> f.severity() == Severity.ERROR).map(Finding::code).distinct()
                .sorted(java.util.Comparator.comparingLong((String code) -> -report.findingCounts().getOrDefault(code, 1L)))
                .map(code -> report.findingCounts().getOrDefault(code, 1L) + " " + code)
                .collect(Collectors.joining(", "));
    }

    /** "2 error(s): identical_completions, empty_completion", for a one-line reason why data is not ready. */
    static String errors(ValidationReport report) {
        String codes = report.findings().stream().filter(Finding::blocking).map(Finding::code).distinct()
                .collect(Collectors.joining(", "));
        return report.errorCount() + " error(s)" + (codes.isEmpty() ? "" : ": " + codes);
    }
}
