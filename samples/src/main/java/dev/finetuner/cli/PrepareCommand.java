package dev.finetuner.cli;

import dev.finetuner.dataset.Dataset;
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

/** {@code finetuner prepare FILE}: what {@code openai tools fine_tunes.prepare_data} did, without questions. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Check a dataset (CSV, TSV, XLSX, JSON, JSONL) for fine-tuning and, with --repair, fix it.",
                "Writes <name>_prepared_train.jsonl (and _valid.jsonl with --split) into --out when given.",
                "Exit code: 0 ready, 1 not ready, 2 usage error (a missing file or column, an unknown model, a model"
                        + " that does not train on this format)."})
final class PrepareCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the dataset file")
    Path file;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = {"The model to check against. Default: inferred from the data. Legacy names like curie"
                    + " resolve to their replacement; a name a typo away from a known one is refused with the name"
                    + " meant, and a model that does not train on the data's format is refused with the fix."})
    String model;

    @Option(names = "--repair", description = "apply the recommended repairs: separator, leading space, stop "
            + "sequence, duplicates, invalid and over-long examples")
    boolean repair;

    @Option(names = {"--repair-all", "--like-prepare-data"}, description = {"every repair prepare_data -q makes, made"
            + " its way (also lower-casing and prefix removal; a new separator and stop on every example unless all"
            + " share one): the output is byte-identical to prepare_data's"})
    boolean repairAll;

    @Option(names = "--split", paramLabel = "FRACTION", description = "hold out this share for validation, e.g. 0.2")
    double split;

    @Option(names = "--seed", description = "seed of the split (default: ${DEFAULT-VALUE})", defaultValue = "42")
    long seed;

    @Option(names = "--epochs", description = "epochs to estimate the cost for (default: the API's auto rule)")
    Integer epochs;

    @Option(names = "--out", paramLabel = "DIR", description = "write the prepared JSONL file(s) here")
    Path out;

    @Mixin
    ColumnOptions columns;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        Validator.Builder b = Validator.builder().seed(seed);
        try {
            if (model != null) {
                b.model(model);
            }
            b.validationFraction(split); // the validator refuses -1 and NaN; 0 is no split
            if (epochs != null) {
                b.epochs(epochs);
            }
            b.repair(repairAll ? Repair.PREPARE_DATA : repair ? Repair.RECOMMENDED : Repair.NONE);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Validator validator = b.build();
        Dataset dataset = columns.read(file);
        if (model != null) {
            // the report names an unknown or retired model itself: no warning line on top of it
            Mistakes.model(model, spec.commandLine().getErr(), false);
        }
        ReadProgress progress = null;
        if (Terminal.attached()) {
            progress = new ReadProgress(spec.commandLine().getErr(), file.getFileName().toString(), size(file));
            dataset = dataset.withProgress(progress);
        }
        ValidationReport report;
        try {
            report = out != null ? validator.prepare(dataset, out) : validator.validate(dataset);
        } finally {
            if (progress != null) {
                progress.clear();
            }
        }
        if (model != null) {
            // files for a model that cannot train on them help nobody: they go, and the mistake is explained
            // (one pass over the data instead of a validation before the prepare, which would read it twice more)
            try {
                Mistakes.formatMatches(report, file);
            } catch (RuntimeException mismatch) {
                deleteWritten(report);
                throw mismatch;
            }
        }
        stdout.print(json ? report.toJson() + System.lineSeparator() : report.toText());
        if (!json && out == null && (repair || repairAll)) {
            stdout.println("Nothing was written: add --out DIR to write the prepared files.");
        }
        stdout.flush();
        return report.isReady() ? 0 : 1;
    }

    private static void deleteWritten(ValidationReport report) {
        for (Path written : new Path[] {report.trainingFile().orElse(null), report.validationFile().orElse(null)}) {
            try {
                if (written != null) {
                    java.nio.file.Files.deleteIfExists(written);
                }
            } catch (java.io.IOException e) {
                // the usage error that follows matters more than a file left behind
            }
        }
    }

    private static long size(Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (java.io.IOException e) {
            return 0; // Dataset.read has seen the file: if it is gone now, reading it says so
        }
    }
}
