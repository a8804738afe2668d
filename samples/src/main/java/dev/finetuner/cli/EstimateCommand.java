package dev.finetuner.cli;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.validation.CostEstimate;
import dev.finetuner.validation.Repair;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code finetuner estimate FILE --model M}: billed tokens, epochs and price, offline. */
@Command(name = "estimate", mixinStandardHelpOptions = true,
        description = {"Estimate what training on FILE costs: billed tokens x epochs x the model's price, after the"
                + " recommended repairs, with the API's \"auto\" epochs unless --epochs is given."})
final class EstimateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The dataset (CSV, TSV, XLSX, JSON, JSONL).")
    Path file;

    @Option(names = {"-m", "--model"}, required = true, description = "The model to price, e.g. davinci-002.")
    String model;

    @Option(names = "--epochs", description = "Epochs to price (default: the API's auto rule).")
    Integer epochs;

    @Option(names = "--json", description = "Print the estimate as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Validator.Builder b = Validator.builder().model(model).repair(Repair.RECOMMENDED);
        try {
            if (epochs != null) {
                b.epochs(epochs);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ValidationReport r = b.build().validate(Dataset.read(file));
        if (r.estimate().isEmpty()) {
            spec.commandLine().getErr().println("error: nothing to train on; run `finetuner prepare " + file + "`");
            return 1;
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
        return r.isReady() ? 0 : 1;
    }
}
