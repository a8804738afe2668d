package dev.finetuner.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.FineTuner;
import dev.finetuner.PrepareOptions;
import dev.finetuner.Preparation;
import dev.finetuner.Sweep;
import dev.finetuner.SweepReport;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

/** {@code finetuner sweep}: epochs x batch size x learning-rate multiplier within a budget. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Train one model per combination of --epochs, --batch-size and --lr-multiplier on FILE"
                + " (prepared with the recommended repairs and a validation split), within --budget dollars.",
                "Evaluate each on the split, and print the table with the best run and the cheapest one near it.",
                "Exit code 1 when no run succeeded."})
final class SweepCommand extends JobWaitingCommand {
    @Parameters(paramLabel = "FILE", description = "The dataset (CSV, TSV, XLSX, JSON, JSONL).")
    Path file;

    @Option(names = {"-m", "--model"}, required = true, description = "The base model, e.g. babbage-002.")
    String model;

    @Option(names = "--epochs", split = ",", description = "Epochs to try, e.g. 1,3 (default: auto).")
    List<Integer> epochs = List.of();

    @Option(names = "--batch-size", split = ",", description = "Batch sizes to try, e.g. 8,16 (default: auto).")
    List<Integer> batchSizes = List.of();

    @Option(names = "--lr-multiplier", split = ",", description = "Learning rate multipliers to try, e.g. 0.05,0.2"
            + " (default: auto).")
    List<Double> learningRates = List.of();

    @Option(names = "--budget", required = true, description = "The most the whole sweep may cost, in USD.")
    BigDecimal budget;

    @Option(names = "--split", defaultValue = "0.2", description = "The share held out for validation (default:"
            + " ${DEFAULT-VALUE}).")
    double split;

    @Option(names = "--concurrency", defaultValue = "2", description = "Jobs run at the same time (default:"
            + " ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--svg", paramLabel = "FILE", description = "Write every run's loss curves to this SVG file.")
    Path svg;

    @Option(names = "--json", description = "Print the runs, the best and the cheapest near it as one JSON object.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        FineTuner ft = fineTuner(c);
        Sweep sweep;
        Preparation p;
        try {
            p = ft.prepare(file, PrepareOptions.builder().validationFraction(split).build());
            sweep = Sweep.builder(p, model).grid(epochs, batchSizes, learningRates).budgetUsd(budget)
                    .concurrency(concurrency).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SweepReport report = sweep.run();
        out().print(json ? CliJson.json(toJson(report)) + System.lineSeparator() : report.toText());
        if (svg != null) {
            report.chart().writeTo(svg);
            // on stderr under --json, so that stdout stays one JSON document
            (json ? err() : out()).println("Wrote the loss chart to " + svg.toAbsolutePath());
        }
        return report.best().isPresent() ? 0 : 1;
    }

    private static ObjectNode toJson(SweepReport report) {
        ObjectNode o = CliJson.object().put("model", report.model());
        ArrayNode runs = o.putArray("runs");
        for (SweepReport.Run r : report.runs()) {
            ObjectNode run = runs.addObject().put("name", r.name());
            run.set("hyperparameters", CliJson.hyperparameters(r.options().hyperparameters()));
            run.put("estimatedCostUsd", r.cost().usd().orElse(null));
            run.put("jobId", r.jobId().orElse(null)).put("fineTunedModel", r.modelId().orElse(null))
                    .put("status", r.status().asString());
            CliJson.put(run, "finalTrainLoss", r.metrics().finalTrainLoss());
            CliJson.put(run, "finalValidLoss", r.metrics().finalValidLoss());
            CliJson.put(run, "metric", r.metric()); // accuracy for classification, token F1 for generation
            run.put("error", r.error().orElse(null));
        }
        o.put("best", report.best().map(SweepReport.Run::name).orElse(null));
        o.put("cheapestNearBest", report.cheapestNearBest().map(SweepReport.Run::name).orElse(null));
        return o;
    }
}
