package dev.finetuner.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.FineTuner;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code finetuner metrics JOB_ID}: a job's training curves. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = {"Print a job's training curves as CSV: step, losses and accuracies, one row per step.",
                "With --svg, also draw the losses: each step's training loss faint under its exponential moving"
                        + " average, the validation loss, and the full-validation losses as dots."})
final class MetricsCommand extends ApiCommand {
    @Parameters(paramLabel = "JOB_ID", description = "The job, e.g. ftjob-abc123.")
    String jobId;

    @Option(names = "--svg", paramLabel = "FILE", description = "Write the loss chart to this SVG file.")
    Path svg;

    @Option(names = "--json", description = "Print the steps as one JSON object instead of CSV.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        TrainingMetrics m;
        try (FineTuner ft = fineTuner(c)) {
            m = ft.job(jobId).metrics();
        }
        if (json) {
            out().println(CliJson.json(toJson(m)));
        } else {
            // new columns go at the end: scripts that read the first five by position keep working
            out().println("step,train_loss,train_accuracy,valid_loss,valid_accuracy,full_valid_loss,full_valid_accuracy");
            for (TrainingMetrics.Step s : m.steps()) {
                out().println(s.step() + "," + v(s.trainLoss()) + "," + v(s.trainAccuracy()) + "," + v(s.validLoss())
                        + "," + v(s.validAccuracy()) + "," + v(s.fullValidLoss()) + "," + v(s.fullValidAccuracy()));
            }
        }
        if (svg != null) {
            Path written;
            try {
                written = m.chart().withTitle("Loss of " + jobId).writeTo(svg).toAbsolutePath();
            } catch (java.io.UncheckedIOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot write --svg " + svg + ": "
                        + e.getCause());
            }
            // stdout is data (CSV or JSON) here: the note goes to stderr so that `> metrics.csv` stays a CSV
            err().println("Wrote the loss chart to " + written);
        }
        return 0;
    }

    private ObjectNode toJson(TrainingMetrics m) {
        ObjectNode o = CliJson.object().put("jobId", jobId);
        ArrayNode steps = o.putArray("steps");
        for (TrainingMetrics.Step s : m.steps()) {
            ObjectNode step = steps.addObject().put("step", s.step());
            CliJson.put(step, "trainLoss", s.trainLoss());
            CliJson.put(step, "trainAccuracy", s.trainAccuracy());
            CliJson.put(step, "validLoss", s.validLoss());
            CliJson.put(step, "validAccuracy", s.validAccuracy());
            CliJson.put(step, "fullValidLoss", s.fullValidLoss());
            CliJson.put(step, "fullValidAccuracy", s.fullValidAccuracy());
        }
        return o;
    }

    private static String v(java.util.OptionalDouble d) {
        return d.isPresent() ? String.valueOf(d.getAsDouble()) : "";
    }
}
