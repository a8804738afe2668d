package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.metrics.TrainingMetrics;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code finetuner metrics JOB_ID}: a job's training curves. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Print a job's training curves (step, losses, accuracies); --svg writes a loss chart.")
final class MetricsCommand extends ApiCommand {
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
