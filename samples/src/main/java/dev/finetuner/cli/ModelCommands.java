package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.completion.Evaluator;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.model.TaskType;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code metrics} and {@code evaluate}: what a training run learned, and how well the model does. */
final class ModelCommands {
    private ModelCommands() {
    }

    @Command(name = "metrics", mixinStandardHelpOptions = true,
            description = "Print a job's training curves (step, losses, accuracies); --svg writes a loss chart.")
    static final class Metrics extends JobCommands.ApiCommand {
        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Option(names = "--svg", paramLabel = "FILE", description = "write the loss chart here")
        Path svg;

        @Override
        int run(OpenAiConnection c) {
            TrainingMetrics m;
            try (FineTuner ft = fineTuner(c)) {
                m = ft.job(jobId).metrics();
            }
            out().println("step,train_loss,train_accuracy,valid_loss,valid_accuracy");
            for (TrainingMetrics.Step s : m.steps()) {
                out().println(s.step() + "," + v(s.trainLoss()) + "," + v(s.trainAccuracy()) + "," + v(s.validLoss())
                        + "," + v(s.validAccuracy()));
            }
            if (svg != null) {
                m.chart().withTitle("Loss of " + jobId).writeTo(svg);
                err().println("wrote " + svg);
            }
            return 0;
        }

        private static String v(java.util.OptionalDouble d) {
            return d.isPresent() ? String.valueOf(d.getAsDouble()) : "";
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"Evaluate a model on a held-out file: accuracy, per-class F1, confusion matrix and",
                    "ROC AUC for classification; exact match and token F1 for generation."})
    static final class Evaluate extends JobCommands.ApiCommand {
        @Option(names = {"-m", "--model"}, required = true)
        String model;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--json")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "also write the report as an HTML page")
        Path html;

        @Option(names = "--task", paramLabel = "TASK", description = {"score as this task: ${COMPLETION-CANDIDATES}",
                "(default: inferred from the reference answers, as prepare infers it)"})
        TaskType task;

        @Override
        int run(OpenAiConnection c) {
            EvaluationReport r;
            try (FineTuner ft = fineTuner(c)) {
                Evaluator evaluator = task == null ? Evaluator.standard() : Evaluator.builder().task(task).build();
                r = ft.model(model).evaluate(Dataset.read(file), evaluator);
            }
            out().println(json ? r.toJson() : r.toText());
            if (html != null) {
                try {
                    Files.writeString(html, r.toHtml());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return 0;
        }
    }
}
