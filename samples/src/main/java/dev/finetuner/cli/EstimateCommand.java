package dev.finetuner.cli;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.validation.CostEstimate;
import dev.finetuner.validation.Repair;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code finetuner estimate FILE --model M}: billed tokens, epochs and price, offline. */
@Command(name = "estimate", mixinStandardHelpOptions = true,
        description = {"Estimate what training on FILE costs: billed tokens x epochs x the model's price, after the"
                + " recommended repairs, with the API's \"auto\" epochs unless --epochs is given.",
                "Exit code: 0 estimated and ready, 1 no valid example or not ready (the errors are named), 2 usage"
                + " error (a missing file or column, an unknown model, a model that does not train on this format)."})
final class EstimateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The dataset file (CSV, TSV, XLSX, JSON, JSONL).")
    Path file;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = {"The model to price"
            + " training for. A name a typo away from a known one (babage-002) is refused with the name meant;"
            + " a name far from every known one is taken as a model newer than the catalogue, with a warning"
            + " and an unknown price."})
    String model;

    @Option(names = "--epochs", description = "The epochs to price. Default: the API's \"auto\" rule for the file's size.")
    Integer epochs;

    @Option(names = "--json", description = "Print the estimate as one JSON object.")
    boolean json;

    @Mixin
    ColumnOptions columns;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Validator.Builder b = Validator.builder().model(model).repair(Repair.RECOMMENDED);
        try {
            if (epochs != null) {
                b.epochs(epochs);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Dataset dataset = columns.read(file);
        Mistakes.model(model, err, true);
        ValidationReport r = b.build().validate(dataset);
        Mistakes.formatMatches(r, file);
        String prepare = "finetuner prepare " + file + columns.flags() + " -m " + model;
        if (r.estimate().isEmpty()) {
            err.println("error: " + file + ": no valid examples to estimate: " + r.counts().records() + " record(s), "
                    + r.counts().kept() + " kept (errors found: " + Mistakes.allErrors(r) + ")");
            err.println("Run `" + prepare + "` to see the findings.");
            return Failures.NOT_DONE;
        }
        CostEstimate e = r.estimate().get();
        if (json) {
            java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("model", e.model().name());
            o.put("trainingExamples", e.trainingExamples());
            o.put("tokensPerEpoch", e.tokensPerEpoch());
            o.put("epochs", e.epochs());
            o.put("autoEpochs", e.autoEpochs());
            o.put("billedTokens", e.billedTokens());
            o.put("estimatedCostUsd", e.usd().orElse(null)); // a number, as in prepare's report; null when unknown
            spec.commandLine().getOut().println(CliJson.json(o));
        } else {
            spec.commandLine().getOut().println(e);
        }
        if (!r.isReady()) {
            // the estimate is of the examples that are fine; the exit code says the file is not yet trainable
            err.println("error: " + file + " is not ready for fine-tuning (" + Mistakes.errors(r) + ")");
            err.println("Run `" + prepare + " --repair` to see the findings and what repairs them.");
            return Failures.NOT_DONE;
        }
        return 0;
    }
}
