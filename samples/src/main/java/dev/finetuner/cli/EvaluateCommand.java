package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.completion.EvaluationReport;
import dev.finetuner.completion.Evaluator;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.model.TaskType;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code finetuner evaluate -m MODEL FILE}: a model scored on held-out examples. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate a model on a held-out file: accuracy, per-class F1, confusion matrix and ROC AUC for"
                + " classification; exact match and token F1 for generation."})
final class EvaluateCommand extends ApiCommand {
    @Option(names = {"-m", "--model"}, required = true, description = "The model to evaluate: a fine-tuned model's id, or the id of the job that made it (ftjob-...).")
    String model;

    @Parameters(paramLabel = "FILE", description = "The held-out examples (CSV, TSV, XLSX, JSON, JSONL).")
    Path file;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report as an HTML page to this file.")
    Path html;

    @Option(names = "--task", paramLabel = "TASK", description = "Score as this task: ${COMPLETION-CANDIDATES}"
            + " (default: inferred from the reference answers, as prepare infers it).")
    TaskType task;

    @Override
    int run(OpenAiConnection c) {
        String model = modelNamed(c, this.model);
        EvaluationReport r;
        try (FineTuner ft = fineTuner(c)) {
            Evaluator evaluator = task == null ? Evaluator.standard() : Evaluator.builder().task(task).build();
            r = ft.model(model).evaluate(Dataset.read(file), evaluator);
        }
        out().println(json ? r.toJson() : r.toText());
        if (html != null) {
            Path written = html.toAbsolutePath();
            try {
                Files.createDirectories(written.getParent());
                Files.writeString(written, r.toHtml(model, file.toString()));
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot write --html " + html + ": " + e);
            }
            // stdout is one JSON document under --json: the note then goes to stderr
            (json ? err() : out()).println("Wrote evaluation report to " + written);
        }
        return 0;
    }
}
