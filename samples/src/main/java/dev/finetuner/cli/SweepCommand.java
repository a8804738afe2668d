package dev.finetuner.cli;

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
        description = {"Train one model per combination of --epochs, --batch-size and --lr-multiplier on FILE",
                "(prepared with the recommended repairs and a validation split), within --budget dollars,",
                "evaluate each on the split, and print the table with the best and the cheapest near it."})
final class SweepCommand extends ApiCommand {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = {"-m", "--model"}, required = true)
    String model;

    @Option(names = "--epochs", split = ",", description = "e.g. 1,3 (default: auto)")
    List<Integer> epochs = List.of();

    @Option(names = "--batch-size", split = ",", description = "e.g. 8,16 (default: auto)")
    List<Integer> batchSizes = List.of();

    @Option(names = "--lr-multiplier", split = ",", description = "e.g. 0.05,0.2 (default: auto)")
    List<Double> learningRates = List.of();

    @Option(names = "--budget", required = true, description = "the most the sweep may cost, in USD")
    BigDecimal budget;

    @Option(names = "--split", defaultValue = "0.2", description = "validation share (default: ${DEFAULT-VALUE})")
    double split;

    @Option(names = "--concurrency", defaultValue = "2")
    int concurrency;

    @Option(names = "--svg", paramLabel = "FILE", description = "write every run's loss curves here")
    Path svg;

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
        out().print(report.toText());
        if (svg != null) {
            report.chart().writeTo(svg);
            err().println("wrote " + svg);
        }
        return report.best().isPresent() ? 0 : 1;
    }
}
