package dev.finetuner.cli;

import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetuner get JOB_ID}: one job, as text or (with {@code --json}) as JSON. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "Show a fine-tuning job: status, files, model and hyperparameters.")
final class GetCommand extends ApiCommand {
    @Parameters(paramLabel = "JOB_ID", description = "The job, e.g. ftjob-abc123.")
    String jobId;

    @Option(names = "--json", description = "Print the job as one JSON object.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        Job job = c.jobs().retrieve(jobId);
        out().print(json ? CliJson.json(CliJson.jobJson(job)) + System.lineSeparator() : text(job));
        return 0;
    }

    /** A job as a person reads it: one "name  value" line per field the job has. */
    static String text(Job j) {
        java.util.List<String[]> rows = new java.util.ArrayList<>();
        rows.add(new String[] {"id", j.id()});
        rows.add(new String[] {"status", j.status().asString()});
        rows.add(new String[] {"model", j.model()});
        j.fineTunedModel().ifPresent(m -> rows.add(new String[] {"fine-tuned model", m}));
        rows.add(new String[] {"created", j.createdAt().toString()});
        j.finishedAt().ifPresent(f -> rows.add(new String[] {"finished", f.toString()}));
        rows.add(new String[] {"training file", j.trainingFile()});
        j.validationFile().ifPresent(v -> rows.add(new String[] {"validation file", v}));
        Hyperparameters h = j.hyperparameters();
        rows.add(new String[] {"epochs", h.epochs().map(String::valueOf).orElse("auto")});
        rows.add(new String[] {"batch size", h.batchSize().map(String::valueOf).orElse("auto")});
        rows.add(new String[] {"lr multiplier", h.learningRateMultiplier().map(String::valueOf).orElse("auto")});
        h.beta().ifPresent(b -> rows.add(new String[] {"beta", String.valueOf(b)}));
        j.trainedTokens().ifPresent(t -> rows.add(new String[] {"trained tokens", String.format(java.util.Locale.ROOT, "%,d", t)}));
        if (!j.resultFiles().isEmpty()) {
            rows.add(new String[] {"result files", String.join(", ", j.resultFiles())});
        }
        j.error().ifPresent(e -> rows.add(new String[] {"error", e.code() + ": " + e.message()
                + e.param().map(p -> " (" + p + ")").orElse("")}));
        // a stored separator or stop is often a line break: shown escaped, so that each field stays one line
        if (!j.metadata().isEmpty()) {
            rows.add(new String[] {"metadata", new java.util.TreeMap<>(j.metadata()).entrySet().stream()
                    .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\n", "\\n")
                            .replace("\r", "\\r").replace("\t", "\\t") + "\"")
                    .collect(java.util.stream.Collectors.joining(", "))});
        }
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(r[0]).append(" ".repeat(width - r[0].length() + 2)).append(r[1]).append(System.lineSeparator());
        }
        return sb.toString();
    }
}
