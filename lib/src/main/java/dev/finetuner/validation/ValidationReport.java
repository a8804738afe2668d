package dev.finetuner.validation;

import dev.finetuner.model.TaskType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.dataset.DatasetFormat;
import dev.finetuner.model.BaseModel;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What validating (and possibly repairing) a dataset found: counts, findings with their lines and
 * fixes, token totals, the inferred task, the separator and stop sequence the data uses, a cost
 * estimate and the train/validation split. Render it with {@link #toText()} or {@link #toJson()}.
 *
 * <p>Every record of the source is accounted for: {@code records == kept + dropped}, and every
 * dropped or changed example has a finding.
 *
 * @param file the source file; empty for an in-memory dataset
 * @param fileFormat the format the file was read as
 * @param exampleFormat {@code prompt_completion}, {@code chat}, {@code preference}, {@code mixed} or {@code none}
 * @param model the model the data was checked against
 * @param task the inferred task
 * @param counts records read, kept, repaired, dropped, split
 * @param tokens billed tokens of the kept examples
 * @param estimate the cost of training on the kept training examples, when there are any
 * @param separator the suffix every prompt ends with after repairs (prompt/completion data only)
 * @param stopSequence the ending every completion has after repairs (prompt/completion data only)
 * @param classes for classification: each class (trimmed completion) and its count, most frequent first
 * @param findings the findings, sorted by line; at most a fixed number per code (see {@code findingCounts})
 * @param findingCounts how many findings of each code there were, including those not listed
 * @param errorCount how many error findings no applied repair resolved, including those not listed
 * @param repairs the repairs that were asked for
 * @param trainingFile where the training examples were written, if they were
 * @param validationFile where the validation examples were written, if they were
 */
public record ValidationReport(
        Optional<Path> file,
        DatasetFormat fileFormat,
        String exampleFormat,
        BaseModel model,
        TaskType task,
        Counts counts,
        Tokens tokens,
        Optional<CostEstimate> estimate,
        Optional<String> separator,
        Optional<String> stopSequence,
        Map<String, Long> classes,
        List<Finding> findings,
        Map<String, Long> findingCounts,
        long errorCount,
        Set<Repair> repairs,
        Optional<Path> trainingFile,
        Optional<Path> validationFile) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Checks that every component is given; the collections are copied.
     *
     * @param file the source file; empty for an in-memory dataset
     * @param fileFormat the format the file was read as
     * @param exampleFormat {@code prompt_completion}, {@code chat}, {@code preference}, {@code mixed} or
     *     {@code none}
     * @param model the model the data was checked against
     * @param task the inferred task
     * @param counts records read, kept, repaired, dropped, split
     * @param tokens billed tokens of the kept examples
     * @param estimate the cost of training on the kept training examples, when there are any
     * @param separator the suffix every prompt ends with after repairs (prompt/completion data only)
     * @param stopSequence the ending every completion has after repairs (prompt/completion data only)
     * @param classes for classification: each class (trimmed completion) and its count, most frequent first
     * @param findings the findings, sorted by line; at most a fixed number per code (see
     *     {@code findingCounts})
     * @param findingCounts how many findings of each code there were, including those not listed
     * @param errorCount how many error findings no applied repair resolved, including those not listed
     * @param repairs the repairs that were asked for
     * @param trainingFile where the training examples were written, if they were
     * @param validationFile where the validation examples were written, if they were
     */
    public ValidationReport {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(fileFormat, "fileFormat");
        Objects.requireNonNull(exampleFormat, "exampleFormat");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(estimate, "estimate");
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(stopSequence, "stopSequence");
        classes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(classes));
        findings = List.copyOf(findings);
        findingCounts = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(findingCounts));
        repairs = Set.copyOf(repairs);
        Objects.requireNonNull(trainingFile, "trainingFile");
        Objects.requireNonNull(validationFile, "validationFile");
    }

    /**
     * How the source's records were accounted for.
     *
     * @param records records in the source: examples read plus records that could not be read
     * @param unreadable records that could not be read as an example (and so are dropped)
     * @param kept examples kept, after repairs
     * @param repaired kept examples a repair changed
     * @param dropped records not kept: unreadable ones and those a repair left out
     * @param training kept examples in the training split
     * @param validation kept examples in the validation split
     */
    public record Counts(long records, long unreadable, long kept, long repaired, long dropped, long training,
                         long validation) {
        /**
         * Checks that the counts add up: records are kept plus dropped, kept are training plus validation.
         *
         * @param records records in the source: examples read plus records that could not be read
         * @param unreadable records that could not be read as an example (and so are dropped)
         * @param kept examples kept, after repairs
         * @param repaired kept examples a repair changed
         * @param dropped records not kept: unreadable ones and those a repair left out
         * @param training kept examples in the training split
         * @param validation kept examples in the validation split
         */
        public Counts {
            if (records != kept + dropped || kept != training + validation) {
                throw new IllegalArgumentException("counts do not add up: " + records + " records, " + kept
                        + " kept, " + dropped + " dropped, " + training + "+" + validation + " split");
            }
        }
    }

    /**
     * Billed tokens of the kept examples, per epoch.
     *
     * @param total all kept examples
     * @param training the training split only (what is billed)
     * @param maxPerExample the longest kept example
     * @param meanPerExample the mean over kept examples
     */
    public record Tokens(long total, long training, long maxPerExample, double meanPerExample) {
    }

    /** {@return true when nothing blocks training: no unrepaired error and at least one example kept} */
    public boolean isReady() {
        return errorCount() == 0 && counts.kept() > 0;
    }

    /**
     * {@return the findings with this code (as listed)}
     *
     * @param code the finding code, e.g. {@code duplicate}
     */
    public List<Finding> findings(String code) {
        return findings.stream().filter(f -> f.code().equals(code)).toList();
    }

    /** {@return the report as one JSON object, for scripts} */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("ready", isReady());
        root.put("file", file.map(Path::toString).orElse(null));
        root.put("format", fileFormat.name().toLowerCase(Locale.ROOT));
        root.put("exampleFormat", exampleFormat);
        root.put("model", model.name());
        root.put("task", task.name().toLowerCase(Locale.ROOT));
        root.put("examples", counts.records());
        root.put("kept", counts.kept());
        root.put("repaired", counts.repaired());
        root.put("dropped", counts.dropped());
        root.put("unreadable", counts.unreadable());
        root.put("training", counts.training());
        root.put("validation", counts.validation());
        ObjectNode tok = root.putObject("tokens");
        tok.put("total", tokens.total());
        tok.put("training", tokens.training());
        tok.put("maxPerExample", tokens.maxPerExample());
        tok.put("meanPerExample", Math.round(tokens.meanPerExample() * 10) / 10.0);
        if (estimate.isPresent() && estimate.get().usd().isPresent()) {
            root.put("estimatedCostUsd", estimate.get().usd().get());
        } else {
            root.putNull("estimatedCostUsd");
        }
        estimate.ifPresent(e -> {
            root.put("epochs", e.epochs());
            root.put("billedTokens", e.billedTokens());
        });
        root.put("separator", separator.orElse(null));
        root.put("stopSequence", stopSequence.orElse(null));
        if (!classes.isEmpty()) {
            ObjectNode c = root.putObject("classes");
            classes.forEach(c::put);
        }
        ArrayNode rs = root.putArray("repairs");
        repairs.stream().sorted().forEach(r -> rs.add(r.name().toLowerCase(Locale.ROOT)));
        ObjectNode fc = root.putObject("findingCounts");
        findingCounts.forEach(fc::put);
        ArrayNode fs = root.putArray("findings");
        for (Finding f : findings) {
            ObjectNode o = fs.addObject();
            o.put("code", f.code());
            o.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
            if (f.line() > 0) {
                o.put("line", f.line());
            } else {
                o.putNull("line"); // a finding about the whole dataset has no line
            }
            o.put("field", f.field().orElse(null));
            o.put("message", f.message());
            o.put("fix", f.fix().orElse(null));
            o.put("repair", f.repair().map(r -> r.name().toLowerCase(Locale.ROOT)).orElse(null));
            o.put("repaired", f.repaired());
        }
        root.put("trainingFile", trainingFile.map(Path::toString).orElse(null));
        root.put("validationFile", validationFile.map(Path::toString).orElse(null));
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the report as text a person reads top to bottom: summary, findings, then what to do next} */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(file.map(Path::toString).orElse("in-memory dataset")).append(" (")
                .append(fileFormat.name()).append(", ").append(exampleFormat.equals("none") ? "no" : exampleFormat.replace('_', '/')).append(" examples, ")
                .append(task.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(") checked for ")
                .append(model.name()).append('\n');
        sb.append(String.format("  %,d records: %,d kept (%,d repaired), %,d dropped%n",
                counts.records(), counts.kept(), counts.repaired(), counts.dropped()));
        if (counts.validation() > 0) {
            sb.append(String.format("  split: %,d training, %,d validation%n", counts.training(), counts.validation()));
        }
        // the whole set and the billed split differ once there is a split: say which number is which
        if (counts.validation() > 0) {
            sb.append(String.format("  tokens: %,d in all %,d kept examples; %,d in the %,d training examples, billed"
                            + " per epoch (max %,d per example, mean %.1f)%n", tokens.total(), counts.kept(),
                    tokens.training(), counts.training(), tokens.maxPerExample(), tokens.meanPerExample()));
        } else {
            sb.append(String.format("  tokens: %,d in the %,d kept examples, billed per epoch (max %,d per example,"
                    + " mean %.1f)%n", tokens.total(), counts.kept(), tokens.maxPerExample(), tokens.meanPerExample()));
        }
        estimate.ifPresent(e -> sb.append("  estimate: ").append(e).append('\n'));
        separator.ifPresent(s -> sb.append("  separator: ").append(visible(s)).append('\n'));
        stopSequence.ifPresent(s -> sb.append("  stop sequence: ").append(visible(s)).append('\n'));
        if (!classes.isEmpty()) {
            long all = classes.values().stream().mapToLong(Long::longValue).sum();
            sb.append("  classes: ").append(classes.size()).append(' ').append(classes.entrySet().stream().limit(10)
                    .map(c -> visible(c.getKey()) + " " + c.getValue() + String.format(Locale.ROOT, " (%.1f%%)",
                            100.0 * c.getValue() / all)).collect(java.util.stream.Collectors.joining(", ", "[", "]")))
                    .append(classes.size() > 10 ? " ..." : "").append('\n');
        }
        if (!findings.isEmpty()) {
            sb.append("\nFindings:\n");
            for (Finding f : findings) {
                sb.append("  ").append(f.severity()).append(' ').append(f.location()).append(" [").append(f.code())
                        .append("] ").append(f.message());
                if (f.repaired()) {
                    sb.append(" (repaired: ").append(f.repair().orElseThrow().name().toLowerCase(Locale.ROOT)).append(')');
                } else {
                    f.fix().ifPresent(x -> sb.append("\n      fix: ").append(x));
                }
                sb.append('\n');
            }
            long listed = findings.size();
            long all = findingCounts.values().stream().mapToLong(Long::longValue).sum();
            if (all > listed) {
                sb.append(String.format("  ... and %,d more (counts by code: %s)%n", all - listed, findingCounts));
            }
        }
        String unread = counts.unreadable() == 0 ? "" : String.format(" %,d record(s) of the file could not be read"
                + " and are not among the examples: see the findings above.", counts.unreadable());
        sb.append('\n').append(isReady()
                ? counts.unreadable() == 0 ? "Ready for fine-tuning." : "Ready for fine-tuning, but not all of it:" + unread
                : "Not ready: " + errorCount() + " error(s) to fix (or repair) first." + unread).append('\n');
        trainingFile.ifPresent(p -> sb.append("Wrote training file ").append(p).append('\n'));
        validationFile.ifPresent(p -> sb.append("Wrote validation file ").append(p).append('\n'));
        return sb.toString();
    }

    /**
     * A text with its line breaks and tabs shown as escapes, in backquotes; long texts are cut to an
     * excerpt, so that a message never carries a whole record.
     */
    static String visible(String s) {
        String shown = s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN - 3) + "...";
        return "`" + shown.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "`";
    }

    private static final int MAX_SHOWN = 60;

    @Override
    public String toString() {
        return "ValidationReport[" + file.map(Path::toString).orElse("in-memory") + ", ready=" + isReady()
                + ", records=" + counts.records() + ", kept=" + counts.kept() + ", dropped=" + counts.dropped()
                + ", findings=" + findingCounts + "]";
    }
}
