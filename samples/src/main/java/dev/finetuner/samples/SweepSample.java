package dev.finetuner.samples;

import dev.finetuner.FineTuner;
import dev.finetuner.PrepareOptions;
import dev.finetuner.Preparation;
import dev.finetuner.Sweep;
import dev.finetuner.SweepReport;
import dev.finetuner.local.LocalOpenAi;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

/**
 * Experiments on the helpdesk archive at the lowest cost: epochs x batch size x learning-rate multiplier
 * within a budget checked before anything starts, each run evaluated on the held-out split, the table
 * with the best run and the cheapest run within one point of it, and an SVG of every run's loss curves.
 *
 * <pre>
 * mvn -q -DskipTests package && java -cp samples/target/finetuner.jar dev.finetuner.samples.SweepSample
 * </pre>
 *
 * Offline on the embedded backend unless {@code OPENAI_API_KEY} is set (then it trains 8 real models:
 * the budget below is checked first).
 */
public final class SweepSample {
    /** The most the sweep may cost, in USD. */
    public static final BigDecimal BUDGET = new BigDecimal("5.00");

    private SweepSample() {
    }

    /**
     * What the sweep produced.
     *
     * @param report the runs, the best and the cheapest near it
     * @param chart where the SVG of the curves was written
     */
    public record Result(SweepReport report, Path chart) {
    }

    public static void main(String[] args) {
        Samples.quietLogs();
        Path data = Samples.dataFile(args, "helpdesk.csv");
        run(data, Samples.offline(), Path.of("target", "sweep.svg"), System.out);
    }

    /** Runs the sweep on {@code data}, offline on the embedded backend or against the API. */
    public static Result run(Path data, boolean offline, Path chart, PrintStream out) {
        if (offline) {
            try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
                 FineTuner ft = Samples.localFineTuner(local)) {
                out.println("Offline: the embedded backend at " + local.baseUrl());
                return sweep(ft, data, chart, out);
            }
        }
        out.println("Online: " + Samples.apiDescription());
        try (FineTuner ft = Samples.apiFineTuner()) {
            return sweep(ft, data, chart, out);
        }
    }

    private static Result sweep(FineTuner ft, Path data, Path chart, PrintStream out) {
        Samples.step(out, "1. Prepare " + data + " with a 20% validation split");
        Preparation p = ft.prepare(data, PrepareOptions.builder().validationFraction(0.2).seed(42).build());
        Sweep sweep = Sweep.builder(p, "davinci-002")
                .grid(List.of(1, 3), List.of(4, 16), List.of(0.05, 0.5))
                .budgetUsd(BUDGET).concurrency(2).build();
        Samples.step(out, "2. Check the budget of $" + BUDGET.toPlainString());
        BigDecimal total = sweep.estimates().stream().map(e -> e.usd().orElseThrow())
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        out.println("  8 runs, estimated at $" + total.toPlainString() + " in all");
        Samples.step(out, "3. Train, evaluate and compare");
        SweepReport report = sweep.run();
        out.print(report.toText());
        Path written = report.chart().writeTo(chart);
        out.println("Loss curves of every run: " + written.toAbsolutePath());
        return new Result(report, written);
    }
}
