package dev.finetuner.completion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.model.TaskType;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How a model did on held-out examples, as an {@link Evaluator} measured it. Immutable; render it with
 * {@link #toText()}, {@link #toJson()} or {@link #toHtml()}.
 *
 * <p>Only the examples the model answered are scored ({@code examples}); predictions that threw are
 * counted in {@code errors} and left out of every metric. For classification the confusion matrix adds up
 * to {@code examples}. Metrics that do not apply, or cannot be computed, are empty.
 *
 * @param task the task the examples were scored as
 * @param examples the examples scored: those the model answered
 * @param errors the predictions that threw (not scored)
 * @param firstErrors the first few of those errors, in example order
 * @param accuracy classification: the share of answers equal to the reference label (trimmed, case-sensitive)
 * @param macroF1 classification: the mean F1 over the reference labels
 * @param classes classification: precision, recall and F1 per reference label, in label order
 * @param confusionMatrix classification: reference labels (rows) against answers (columns)
 * @param positiveClass classification with exactly two labels: the class the ROC AUC scores
 * @param rocAuc classification with exactly two labels: the area under the ROC curve of the probability
 *     of the positive class's first token; empty when no answer had log-probabilities or the scored
 *     answers hold one class only
 * @param withoutLogprobs classification with exactly two labels: scored answers left out of the ROC AUC
 *     because they came without first-token log-probabilities
 * @param exactMatch the share of answers equal to the reference (both trimmed)
 * @param tokenF1 the mean token-level F1 (SQuAD-style, lower-cased whitespace tokens) of answer and reference
 * @param meanLogprob the mean natural-log probability per reference token, over the answers that carried
 *     one (tokens weighted alike); empty when none did
 * @param perplexity {@code exp(-meanLogprob)}; empty with it
 * @param mistakes the worst wrong answers, at most {@value #MAX_MISTAKES}: for classification in example
 *     order, for generation lowest token F1 first
 */
public record EvaluationReport(
        TaskType task,
        long examples,
        long errors,
        List<Failure> firstErrors,
        OptionalDouble accuracy,
        OptionalDouble macroF1,
        List<ClassMetrics> classes,
        Optional<ConfusionMatrix> confusionMatrix,
        Optional<String> positiveClass,
        OptionalDouble rocAuc,
        long withoutLogprobs,
        double exactMatch,
        double tokenF1,
        OptionalDouble meanLogprob,
        OptionalDouble perplexity,
        List<Mistake> mistakes) {

    /** The most mistakes a report lists. */
    public static final int MAX_MISTAKES = 20;
    /** The most errors whose message a report keeps. */
    public static final int MAX_ERRORS_KEPT = 5;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int MAX_SHOWN = 60;

    /**
     * Checks the components: none null and the counts in range; the lists are copied.
     *
     * @param task the task the examples were scored as
     * @param examples the examples scored: those the model answered
     * @param errors the predictions that threw (not scored)
     * @param firstErrors the first few of those errors, in example order
     * @param accuracy classification: the share of answers equal to the reference label (trimmed,
     *     case-sensitive)
     * @param macroF1 classification: the mean F1 over the reference labels
     * @param classes classification: precision, recall and F1 per reference label, in label order
     * @param confusionMatrix classification: reference labels (rows) against answers (columns)
     * @param positiveClass classification with exactly two labels: the class the ROC AUC scores
     * @param rocAuc classification with exactly two labels: the area under the ROC curve of the probability
     *     of the positive class's first token; empty when no answer had log-probabilities or the scored answers
     *     hold one class only
     * @param withoutLogprobs classification with exactly two labels: scored answers left out of the ROC AUC
     *     because they came without first-token log-probabilities
     * @param exactMatch the share of answers equal to the reference (both trimmed)
     * @param tokenF1 the mean token-level F1 (SQuAD-style, lower-cased whitespace tokens) of answer and
     *     reference
     * @param meanLogprob the mean natural-log probability per reference token, over the answers that carried
     *     one (tokens weighted alike); empty when none did
     * @param perplexity {@code exp(-meanLogprob)}; empty with it
     * @param mistakes the worst wrong answers, at most {@value #MAX_MISTAKES}: for classification in example
     *     order, for generation lowest token F1 first
     */
    public EvaluationReport {
        Objects.requireNonNull(task, "task");
        firstErrors = List.copyOf(firstErrors);
        Objects.requireNonNull(accuracy, "accuracy");
        Objects.requireNonNull(macroF1, "macroF1");
        classes = List.copyOf(classes);
        Objects.requireNonNull(confusionMatrix, "confusionMatrix");
        Objects.requireNonNull(positiveClass, "positiveClass");
        Objects.requireNonNull(rocAuc, "rocAuc");
        Objects.requireNonNull(meanLogprob, "meanLogprob");
        Objects.requireNonNull(perplexity, "perplexity");
        mistakes = List.copyOf(mistakes);
        if (examples < 0 || errors < 0 || withoutLogprobs < 0 || withoutLogprobs > examples) {
            throw new IllegalArgumentException("counts out of range: " + examples + " examples, " + errors
                    + " errors, " + withoutLogprobs + " without logprobs");
        }
        if (firstErrors.size() > Math.min(errors, MAX_ERRORS_KEPT)) {
            throw new IllegalArgumentException(firstErrors.size() + " errors kept of " + errors);
        }
        if (mistakes.size() > MAX_MISTAKES) {
            throw new IllegalArgumentException("at most " + MAX_MISTAKES + " mistakes: " + mistakes.size());
        }
        if (confusionMatrix.isPresent() && confusionMatrix.get().total() != examples) {
            throw new IllegalArgumentException("the confusion matrix holds " + confusionMatrix.get().total()
                    + " answers, not " + examples);
        }
        if (meanLogprob.isPresent() != perplexity.isPresent()) {
            throw new IllegalArgumentException("meanLogprob and perplexity go together");
        }
    }

    /**
     * Precision, recall and F1 of one class (0 where a ratio has nothing to divide by).
     *
     * @param label the reference label
     * @param precision of the answers that gave this label, the share whose reference is this label
     * @param recall of the examples with this reference label, the share answered with it
     * @param f1 the harmonic mean of precision and recall
     * @param support the scored examples whose reference is this label
     */
    public record ClassMetrics(String label, double precision, double recall, double f1, long support) {
        /**
         * Checks the components: the label given and the support not negative.
         *
         * @param label the reference label
         * @param precision of the answers that gave this label, the share whose reference is this label
         * @param recall of the examples with this reference label, the share answered with it
         * @param f1 the harmonic mean of precision and recall
         * @param support the scored examples whose reference is this label
         */
        public ClassMetrics {
            Objects.requireNonNull(label, "label");
            if (support < 0) {
                throw new IllegalArgumentException("support must be >= 0: " + support);
            }
        }
    }

    /**
     * A square confusion matrix: {@code rows.get(i).get(j)} counts the examples whose reference is
     * {@code labels.get(i)} and whose answer is {@code labels.get(j)}. The labels are the reference labels,
     * sorted, then {@value Evaluator#OTHER}, the column of every answer outside them, when there was one
     * (its row is all zeros).
     *
     * @param labels the labels, rows and columns in the same order
     * @param rows one row per label, one count per label
     */
    public record ConfusionMatrix(List<String> labels, List<List<Long>> rows) {
        /**
         * Checks that there are as many rows as labels, each with as many counts; the lists are copied.
         *
         * @param labels the labels, rows and columns in the same order
         * @param rows one row per label, one count per label
         */
        public ConfusionMatrix {
            labels = List.copyOf(labels);
            rows = rows.stream().map(List::copyOf).toList();
            int n = labels.size();
            if (rows.size() != n || rows.stream().anyMatch(r -> r.size() != n)) {
                throw new IllegalArgumentException("a confusion matrix of " + n
                        + " labels needs that many rows of that many counts");
            }
        }

        /**
         * {@return the examples with this reference label answered with that label; 0 for an unknown label}
         *
         * @param reference the reference label
         * @param answer the label answered
         */
        public long count(String reference, String answer) {
            int i = labels.indexOf(reference);
            int j = labels.indexOf(answer);
            return i < 0 || j < 0 ? 0 : rows.get(i).get(j);
        }

        /** {@return every count added up: the scored examples} */
        public long total() {
            return rows.stream().flatMap(List::stream).mapToLong(Long::longValue).sum();
        }
    }

    /**
     * A wrong answer.
     *
     * @param index the example's 0-based position among the evaluated examples
     * @param line the example's line in its source file; 0 when it was made in memory
     * @param prompt what the model was asked: the prompt of a prompt/completion example, the last message
     *     before the answer of a chat or preference example
     * @param reference the reference answer, trimmed
     * @param prediction the model's answer, trimmed
     * @param tokenF1 the token-level F1 of the two
     */
    public record Mistake(int index, long line, String prompt, String reference, String prediction, double tokenF1) {
        /**
         * Checks that every text is given.
         *
         * @param index the example's 0-based position among the evaluated examples
         * @param line the example's line in its source file; 0 when it was made in memory
         * @param prompt what the model was asked: the prompt of a prompt/completion example, the last message
         *     before the answer of a chat or preference example
         * @param reference the reference answer, trimmed
         * @param prediction the model's answer, trimmed
         * @param tokenF1 the token-level F1 of the two
         */
        public Mistake {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(reference, "reference");
            Objects.requireNonNull(prediction, "prediction");
        }
    }

    /**
     * A prediction that threw.
     *
     * @param index the example's 0-based position among the evaluated examples
     * @param line the example's line in its source file; 0 when it was made in memory
     * @param message the exception's class and message
     */
    public record Failure(int index, long line, String message) {
        /**
         * Checks that the message is given.
         *
         * @param index the example's 0-based position among the evaluated examples
         * @param line the example's line in its source file; 0 when it was made in memory
         * @param message the exception's class and message
         */
        public Failure {
            Objects.requireNonNull(message, "message");
        }
    }

    /** {@return true when the examples were scored as classification} */
    public boolean isClassification() {
        return task == TaskType.CLASSIFICATION;
    }

    /**
     * {@return the metrics of one class, if it is a reference label}
     *
     * @param label the class's label
     */
    public Optional<ClassMetrics> classMetrics(String label) {
        return classes.stream().filter(c -> c.label().equals(label)).findFirst();
    }

    /** {@return the report as one JSON object, for scripts: absent metrics are {@code null}} */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", task.name().toLowerCase(Locale.ROOT));
        root.put("examples", examples);
        root.put("errors", errors);
        put(root, "accuracy", accuracy);
        put(root, "macroF1", macroF1);
        ArrayNode cs = root.putArray("classes");
        for (ClassMetrics c : classes) {
            ObjectNode o = cs.addObject();
            o.put("label", c.label());
            o.put("precision", c.precision());
            o.put("recall", c.recall());
            o.put("f1", c.f1());
            o.put("support", c.support());
        }
        if (confusionMatrix.isPresent()) {
            ObjectNode cm = root.putObject("confusionMatrix");
            ArrayNode labels = cm.putArray("labels");
            confusionMatrix.get().labels().forEach(labels::add);
            ArrayNode rows = cm.putArray("rows");
            for (List<Long> row : confusionMatrix.get().rows()) {
                ArrayNode r = rows.addArray();
                row.forEach(r::add);
            }
        } else {
            root.putNull("confusionMatrix");
        }
        root.put("positiveClass", positiveClass.orElse(null));
        put(root, "rocAuc", rocAuc);
        root.put("withoutLogprobs", withoutLogprobs);
        root.put("exactMatch", exactMatch);
        root.put("tokenF1", tokenF1);
        put(root, "meanLogprob", meanLogprob);
        put(root, "perplexity", perplexity);
        ArrayNode ms = root.putArray("mistakes");
        for (Mistake m : mistakes) {
            ObjectNode o = ms.addObject();
            o.put("index", m.index());
            putLine(o, m.line());
            o.put("prompt", m.prompt());
            o.put("reference", m.reference());
            o.put("prediction", m.prediction());
            o.put("tokenF1", m.tokenF1());
        }
        ArrayNode es = root.putArray("firstErrors");
        for (Failure f : firstErrors) {
            ObjectNode o = es.addObject();
            o.put("index", f.index());
            putLine(o, f.line());
            o.put("message", f.message());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the report as text a person reads: the numbers, the classes, the confusion matrix, the mistakes} */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("Evaluation (").append(taskName()).append("): ").append(String.format(Locale.ROOT, "%,d", examples))
                .append(" examples scored");
        if (errors > 0) {
            sb.append(String.format(Locale.ROOT, ", %,d prediction error(s) not scored", errors));
        }
        sb.append('\n');
        List<String[]> numbers = numbers();
        int w = numbers.stream().mapToInt(n -> n[0].length()).max().orElse(0);
        for (String[] n : numbers) {
            sb.append("  ").append(pad(n[0], w)).append("  ").append(n[1]).append('\n');
        }
        if (!classes.isEmpty()) {
            List<String> labels = classes.stream().map(c -> shown(c.label())).toList();
            int lw = Math.max(5, labels.stream().mapToInt(String::length).max().orElse(0));
            sb.append('\n').append("  ").append(pad("class", lw)).append("  precision  recall     f1  support\n");
            for (int i = 0; i < classes.size(); i++) {
                ClassMetrics c = classes.get(i);
                sb.append("  ").append(pad(labels.get(i), lw)).append(String.format(Locale.ROOT,
                        "  %9.3f  %6.3f  %5.3f  %,7d%n", c.precision(), c.recall(), c.f1(), c.support()));
            }
        }
        confusionMatrix.ifPresent(cm -> appendMatrix(sb, cm));
        if (!mistakes.isEmpty()) {
            sb.append("\nMistakes").append(isClassification() ? "" : " (lowest token F1 first)").append(":\n");
            for (Mistake m : mistakes) {
                sb.append("  ").append(where(m.index(), m.line())).append(": ").append(quoted(m.prompt()))
                        .append(" expected ").append(quoted(m.reference())).append(", got ").append(quoted(m.prediction()))
                        .append('\n');
            }
        }
        if (!firstErrors.isEmpty()) {
            sb.append("\nErrors").append(errors > firstErrors.size() ? " (the first " + firstErrors.size() + ")" : "")
                    .append(":\n");
            for (Failure f : firstErrors) {
                sb.append("  ").append(where(f.index(), f.line())).append(": ").append(f.message()).append('\n');
            }
        }
        return sb.toString();
    }

    /** {@return the report as a small self-contained HTML page (no scripts, no external resources)} */
    public String toHtml() {
        return html(Optional.empty(), Optional.empty());
    }

    /**
     * The report as {@link #toHtml()} makes it, naming what was evaluated in its title and heading: a page
     * saved next to others says which model and which data it is about.
     *
     * @param model the model evaluated, e.g. {@code ft:davinci-002:acme::abc123}
     * @param dataFile the held-out data, as the user named it (any text: it is escaped)
     * @return a self-contained HTML page
     */
    public String toHtml(String model, String dataFile) {
        return html(Optional.of(Objects.requireNonNull(model, "model")),
                Optional.of(Objects.requireNonNull(dataFile, "dataFile")));
    }

    private String html(Optional<String> model, Optional<String> dataFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>Evaluation: ").append(html(taskName())).append(model.map(m -> " of " + html(m)).orElse(""))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}\n")
                .append("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\n")
                .append("th:first-child,td:first-child,td.text{text-align:left}\n")
                .append("td.hit{background:#e3f4e3;font-weight:bold}\n")
                .append("td.text{white-space:pre-wrap}\n</style>\n</head>\n<body>\n");
        sb.append("<h1>Evaluation: ").append(html(taskName())).append("</h1>\n");
        if (model.isPresent() || dataFile.isPresent()) {
            sb.append("<table class=\"subject\">\n");
            model.ifPresent(m -> sb.append("<tr><th>model</th><td class=\"text model\">").append(html(m)).append("</td></tr>\n"));
            dataFile.ifPresent(f -> sb.append("<tr><th>data file</th><td class=\"text data-file\">").append(html(f))
                    .append("</td></tr>\n"));
            sb.append("</table>\n");
        }
        sb.append("<p>").append(examples).append(" examples scored");
        if (errors > 0) {
            sb.append(", ").append(errors).append(" prediction error(s) not scored");
        }
        sb.append(".</p>\n<table>\n");
        for (String[] n : numbers()) {
            sb.append("<tr><th>").append(html(n[0])).append("</th><td>").append(html(n[1])).append("</td></tr>\n");
        }
        sb.append("</table>\n");
        if (!classes.isEmpty()) {
            sb.append("<h2>Classes</h2>\n<table>\n<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>")
                    .append("<th>support</th></tr>\n");
            for (ClassMetrics c : classes) {
                sb.append("<tr><td>").append(html(c.label())).append("</td><td>").append(fmt(c.precision()))
                        .append("</td><td>").append(fmt(c.recall())).append("</td><td>").append(fmt(c.f1()))
                        .append("</td><td>").append(c.support()).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        confusionMatrix.ifPresent(cm -> {
            sb.append("<h2>Confusion matrix</h2>\n<p>Rows: reference; columns: answer.</p>\n<table>\n<tr><th></th>");
            cm.labels().forEach(l -> sb.append("<th>").append(html(l)).append("</th>"));
            sb.append("</tr>\n");
            for (int i = 0; i < cm.labels().size(); i++) {
                sb.append("<tr><th>").append(html(cm.labels().get(i))).append("</th>");
                for (int j = 0; j < cm.labels().size(); j++) {
                    sb.append(i == j && i < classes.size() ? "<td class=\"hit\">" : "<td>").append(cm.rows().get(i).get(j)).append("</td>");
                }
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        });
        if (!mistakes.isEmpty()) {
            sb.append("<h2>Mistakes</h2>\n<table class=\"mistakes\">\n<tr><th>example</th><th>prompt</th>")
                    .append("<th>expected</th><th>predicted</th></tr>\n");
            for (Mistake m : mistakes) {
                sb.append("<tr><td>").append(html(where(m.index(), m.line()))).append("</td><td class=\"text prompt\">")
                        .append(html(m.prompt())).append("</td><td class=\"text expected\">").append(html(m.reference()))
                        .append("</td><td class=\"text predicted\">").append(html(m.prediction())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        if (!firstErrors.isEmpty()) {
            sb.append("<h2>Errors</h2>\n<ul>\n");
            for (Failure f : firstErrors) {
                sb.append("<li>").append(html(where(f.index(), f.line()) + ": " + f.message())).append("</li>\n");
            }
            sb.append("</ul>\n");
        }
        return sb.append("</body>\n</html>\n").toString();
    }

    @Override
    public String toString() {
        return "EvaluationReport[" + taskName() + ", examples=" + examples + ", errors=" + errors
                + accuracy.stream().mapToObj(a -> ", accuracy=" + fmt(a)).findFirst().orElse("")
                + ", exactMatch=" + fmt(exactMatch) + ", tokenF1=" + fmt(tokenF1) + "]";
    }

    /** The headline numbers, name and value, as both renderings list them. */
    private List<String[]> numbers() {
        List<String[]> n = new ArrayList<>();
        accuracy.ifPresent(a -> n.add(new String[] {"accuracy", fmt(a)}));
        macroF1.ifPresent(a -> n.add(new String[] {"macro F1", fmt(a)}));
        positiveClass.ifPresent(p -> {
            String excluded = withoutLogprobs > 0 ? ", " + withoutLogprobs + " answer(s) without logprobs left out" : "";
            n.add(new String[] {"ROC AUC", (rocAuc.isPresent() ? fmt(rocAuc.getAsDouble()) : "n/a")
                    + " (positive class " + quoted(p) + excluded + ")"});
        });
        n.add(new String[] {"exact match", fmt(exactMatch)});
        n.add(new String[] {"token F1", fmt(tokenF1)});
        meanLogprob.ifPresent(m -> n.add(new String[] {"mean logprob/token", fmt(m)}));
        perplexity.ifPresent(p -> n.add(new String[] {"perplexity", fmt(p)}));
        return n;
    }

    private void appendMatrix(StringBuilder sb, ConfusionMatrix cm) {
        List<String> labels = cm.labels().stream().map(EvaluationReport::shown).toList();
        int rowHead = labels.stream().mapToInt(String::length).max().orElse(0);
        int[] widths = new int[labels.size()];
        for (int j = 0; j < labels.size(); j++) {
            int w = labels.get(j).length();
            for (List<Long> row : cm.rows()) {
                w = Math.max(w, String.format(Locale.ROOT, "%,d", row.get(j)).length());
            }
            widths[j] = w;
        }
        sb.append("\nConfusion matrix (rows: reference, columns: answer):\n  ").append(" ".repeat(rowHead));
        for (int j = 0; j < labels.size(); j++) {
            sb.append("  ").append(padLeft(labels.get(j), widths[j]));
        }
        sb.append('\n');
        for (int i = 0; i < labels.size(); i++) {
            sb.append("  ").append(pad(labels.get(i), rowHead));
            for (int j = 0; j < labels.size(); j++) {
                sb.append("  ").append(padLeft(String.format(Locale.ROOT, "%,d", cm.rows().get(i).get(j)), widths[j]));
            }
            sb.append('\n');
        }
    }

    private String taskName() {
        return task.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** A line, or null for an example made in memory: 0 is no line, as in a validation report's JSON. */
    private static void putLine(ObjectNode node, long line) {
        if (line > 0) {
            node.put("line", line);
        } else {
            node.putNull("line");
        }
    }

    private static void put(ObjectNode node, String key, OptionalDouble value) {
        if (value.isPresent()) {
            node.put(key, value.getAsDouble());
        } else {
            node.putNull(key);
        }
    }

    private static String where(int index, long line) {
        return line > 0 ? "line " + line : "example " + index;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String padLeft(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** A text on one line, cut to an excerpt: line breaks and tabs shown as escapes. */
    private static String shown(String s) {
        String cut = s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN - 3) + "...";
        return cut.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    private static String quoted(String s) {
        return "`" + shown(s) + "`";
    }

    /** Text escaped for HTML element content and attribute values. */
    static String html(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
