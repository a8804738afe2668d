package dev.finetuner.samples;

import dev.finetuner.FineTuneJob;
import dev.finetuner.FineTuner;
import dev.finetuner.Preparation;
import dev.finetuner.PrepareOptions;
import dev.finetuner.TrainOptions;
import dev.finetuner.TrainedModel;
import dev.finetuner.completion.Completion;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobStatus;
import dev.finetuner.validation.ValidationReport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The OpenAI cookbook's "fine-tuned classification" lab in Java: 1,200 restaurant and product reviews
 * labelled {@code positive} or {@code negative} ({@code samples/data/reviews.csv}) train a sentiment
 * classifier on {@code babbage-002}.
 *
 * <p>It shows that {@code prepare} recognises a classification task (few distinct completions) and
 * holds out a stratified fifth, so both classes keep their share; that the held-out score of a
 * classifier is accuracy, precision, recall and F1 per class, the confusion matrix and, with two
 * classes, the ROC AUC of the positive class's first-token probability; that the report renders as
 * HTML ({@code target/classification-report.html}); and how to classify a new text with one token and
 * its log-probabilities, as the lab does.
 *
 * <p>Offline by default, on the embedded backend ({@link LocalOpenAi}): no key, no network, a few
 * seconds. With {@code OPENAI_API_KEY} set it trains on the real API (or the OpenAI-compatible server
 * at {@code OPENAI_BASE_URL}), which costs money. Run it from the repository root:
 *
 * <pre>{@code
 * mvn -q -DskipTests package && java -cp samples/target/finetuner.jar dev.finetuner.samples.Classification [reviews.csv]
 * }</pre>
 */
public final class Classification {
    /** The model trained. */
    public static final String MODEL = "babbage-002";
    /** Where {@link #main} writes the HTML report. */
    public static final Path HTML_REPORT = Path.of("target", "classification-report.html");

    /** Reviews that are not in the data set, classified by the trained model. */
    static final List<String> NEW_REVIEWS = List.of(
            "Ordered the noise-cancelling headphones for my commute. They fit well and the sound is excellent.",
            "Took my parents to the new Thai place by the station. The curry was cold and we waited forty minutes.");

    private Classification() {
    }

    /**
     * What a run produced, for the caller to check.
     *
     * @param report the validation report (task, classes, split)
     * @param jobId the fine-tuning job
     * @param status the job's final status
     * @param modelId the trained classifier
     * @param evaluation its score on the held-out reviews
     * @param htmlReport where the evaluation was written as HTML
     * @param labels the labels given to {@link #NEW_REVIEWS}, in that order
     */
    public record Result(ValidationReport report, String jobId, JobStatus status, String modelId,
                         EvaluationReport evaluation, Path htmlReport, List<String> labels) {
    }

    public static void main(String[] args) {
        Samples.quietLogs();
        run(Samples.dataFile(args, "reviews.csv"), Samples.offline(), HTML_REPORT, System.out);
    }

    /**
     * Runs the sample on {@code data}, printing each step to {@code out}.
     *
     * @param offline true for the embedded backend; false for the API named by {@code OPENAI_API_KEY}
     *     (and {@code OPENAI_BASE_URL})
     * @param htmlReport where to write the evaluation as HTML (missing directories are created)
     */
    public static Result run(Path data, boolean offline, Path htmlReport, PrintStream out) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(htmlReport, "htmlReport");
        Objects.requireNonNull(out, "out");
        // A null resource is allowed (and not closed): online there is no embedded backend.
        try (LocalOpenAi local = offline ? LocalOpenAi.builder().speed(LocalOpenAi.DEFAULT_SPEED).build() : null;
             FineTuner ft = offline ? Samples.localFineTuner(local) : Samples.apiFineTuner()) {
            out.println(offline
                    ? "Backend: the embedded OpenAI-compatible server at " + local.baseUrl() + " (offline)"
                    : "Backend: " + Samples.apiDescription());

            Samples.step(out, "1. Prepare " + data + " (a fifth held out, stratified by class)");
            Preparation preparation = ft.prepare(data, PrepareOptions.builder()
                    .validationFraction(0.2).seed(42).build());
            ValidationReport report = preparation.report(MODEL);
            out.println(report.toText());
            out.println("Task: " + report.task() + ", classes: " + report.classes().entrySet().stream()
                    .map(e -> e.getKey().strip() + " " + e.getValue()).collect(Collectors.joining(", ")));

            Samples.step(out, "2. Train " + MODEL + " (" + preparation.estimate(MODEL) + ")");
            FineTuneJob job = preparation.start(MODEL, TrainOptions.builder().suffix("reviews").build());
            out.println("  job " + job.id() + " started");
            ProgressDisplay progress = new ProgressDisplay(out, ProgressDisplay.isTerminal(out));
            Job finished = job.follow(progress);
            progress.endLine();
            TrainedModel model = job.await(offline ? Duration.ofMinutes(2) : TrainOptions.DEFAULT_AWAIT);
            out.println("  classifier " + model.id() + " is ready");

            Samples.step(out, "3. Evaluate on the " + report.counts().validation() + " held-out reviews");
            EvaluationReport evaluation = model.evaluate(preparation.validation(MODEL));
            out.println(evaluation.toText());
            out.println(summary(evaluation));
            writeHtml(evaluation, htmlReport);
            out.println("HTML report: " + htmlReport.toAbsolutePath().normalize());

            Samples.step(out, "4. Classify new reviews (one token, with its log-probabilities)");
            List<String> labels = new ArrayList<>();
            for (String review : NEW_REVIEWS) {
                Completion c = model.complete(review, CompletionOptions.defaults().withMaxTokens(1).withLogprobs(2));
                labels.add(c.text());
                out.println("  " + review);
                out.println("    -> " + c.text() + c.firstTokenLogprobs().map(Classification::probabilities).orElse(""));
            }

            out.println();
            out.println("Model: " + model.id());
            out.println("Job:   " + job.id());
            return new Result(report, job.id(), finished.status(), model.id(), evaluation, htmlReport,
                    List.copyOf(labels));
        }
    }

    /** The numbers of the lab in one line: accuracy, F1 per class, ROC AUC. */
    static String summary(EvaluationReport e) {
        StringBuilder sb = new StringBuilder("Held out: accuracy ")
                .append(e.accuracy().isPresent() ? format(e.accuracy().getAsDouble()) : "n/a");
        e.classes().forEach(c -> sb.append(", F1 ").append(c.label()).append(' ').append(format(c.f1())));
        sb.append(", ROC AUC ").append(e.rocAuc().isPresent() ? format(e.rocAuc().getAsDouble()) : "n/a");
        e.positiveClass().ifPresent(p -> sb.append(" (positive class: ").append(p).append(')'));
        return sb.toString();
    }

    private static String probabilities(Map<String, Double> logprobs) {
        return logprobs.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "'%s' %.1f%%", e.getKey(), 100 * Math.exp(e.getValue())))
                .collect(Collectors.joining(", ", "   (", ")"));
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static void writeHtml(EvaluationReport evaluation, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(file, evaluation.toHtml());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the HTML report to " + file, e);
        }
    }
}
