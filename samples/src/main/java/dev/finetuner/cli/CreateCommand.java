package dev.finetuner.cli;

import dev.finetuner.ApiException;
import dev.finetuner.DatasetException;
import dev.finetuner.PrepareOptions;
import dev.finetuner.Preparation;
import dev.finetuner.FineTunerException;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.DatasetFormat;
import dev.finetuner.model.BaseModel;
import dev.finetuner.validation.Repair;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code finetuner create -t FILE -m MODEL}: {@code openai api fine_tunes.create}, uploading paths first. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Upload (if given paths), create a fine-tuning job and follow it to its end, as `openai api"
                + " fine_tunes.create` did.", "A path must be a JSONL file ready for the model; with --prepare any"
                + " dataset (CSV, TSV, XLSX, JSON, JSONL) is prepared first.", "Exit code: 0 the job succeeded (or was"
                + " created, with --no-follow), 1 the job failed or the API refused, 2 a usage error (a missing or"
                + " unprepared file, an unknown model, a model that does not train on the data's format)."})
final class CreateCommand extends JobWaitingCommand {
    /** What a dataset file's name ends with; a value ending so is a path, never a file id. */
    private static final java.util.regex.Pattern DATASET_EXTENSION =
            java.util.regex.Pattern.compile("(?i).*\\.(jsonl|json|csv|tsv|xlsx|txt)$");

    @Option(names = {"-t", "--training-file"}, required = true, paramLabel = "FILE|FILE_ID", description = {
            "The training data: a path to a JSONL file, which is uploaded, or the id of an uploaded file"
                    + " (file-...). A value with a path separator or a dataset file's extension (jsonl, csv,"
                    + " json, tsv, xlsx, txt), or that names an existing file, is a path."})
    String training;

    @Option(names = {"-v", "--validation-file"}, paramLabel = "FILE|FILE_ID",
            description = "The validation data, a path or a file id as for --training-file.")
    String validation;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = {"The base model"
            + " (babbage-002, davinci-002, gpt-4o-mini, ...) or a fine-tuned id (ft:...) to train further."
            + " Legacy names (ada, babbage, curie, davinci) train their replacement. A name a typo away from a"
            + " known one is refused with the name meant, unless the server lists it; a name far from every"
            + " known one is taken as a model newer than the catalogue, with a warning."})
    String model;

    @Option(names = "--prepare", description = {"Prepare the files given as paths (any of CSV, TSV, XLSX, JSON,"
            + " JSONL) with the recommended repairs, as `finetuner prepare FILE --repair` does, into a temporary"
            + " directory, and upload the prepared files. Without it a path must be a JSONL file that is"
            + " ready as it is."})
    boolean prepare;

    @Mixin
    ColumnOptions columns;

    @Option(names = "--epochs", description = "Epochs to train (1..50). Default: the API's \"auto\".")
    Integer epochs;

    @Option(names = "--batch-size", description = "Examples per batch (1..256). Default: the API's \"auto\".")
    Integer batchSize;

    @Option(names = "--lr-multiplier", description = "Learning rate multiplier (> 0). Default: the API's \"auto\".")
    Double lrMultiplier;

    @Option(names = "--suffix", description = "Up to 64 characters that end the fine-tuned model's name.")
    String suffix;

    @Option(names = "--seed", description = "The seed of the training run, for a reproducible job.")
    Long seed;

    @Option(names = "--no-follow", description = "Print the job id and return at once.")
    boolean noFollow;

    @Option(names = {"-q", "--quiet"}, description = "Print only an id on stdout: the job's with --no-follow, else the"
            + " model's once the job succeeds (for scripts: JOB=$(finetuner create ... --no-follow -q)).")
    boolean quiet;

    @Option(names = "--json", description = "Print the job as get --json prints it on stdout: at once with --no-follow,"
            + " else when it ends (the progress then goes to stderr).")
    boolean json;

    @Mixin
    FollowDisplay display;

    @Override
    int run(OpenAiConnection c) {
        if (json && quiet) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--json and --quiet exclude each other:"
                    + " --json prints the whole job, --quiet only its id");
        }
        requestFor("file-to-upload"); // hyperparameters out of range fail before any upload
        BaseModel.Resolution target = Mistakes.model(model, name -> listed(c, name), err(), true);
        List<Preparation> preparations = new ArrayList<>();
        JobRequest request;
        try {
            // every file is checked (and prepared) before the first upload: a mistake costs no upload
            Optional<Path> trainingPath = dataset(c, training, target, preparations);
            Optional<Path> validationPath = validation == null ? Optional.empty()
                    : dataset(c, validation, target, preparations);
            JobRequest.Builder b = requestFor(upload(c, training, trainingPath));
            if (validation != null) {
                b.validationFile(upload(c, validation, validationPath));
            }
            trainingPath.ifPresent(p -> {
                // kept with the job, so that `complete` and `evaluate` call the model as it was trained
                PromptFormat format = PromptFormat.infer(Dataset.read(p));
                b.putMetadata(PromptFormat.SEPARATOR_KEY, format.separator());
                format.stop().ifPresent(stop -> b.putMetadata(PromptFormat.STOP_KEY, stop));
            });
            request = b.build();
        } finally {
            preparations.forEach(Preparation::close); // the prepared files are uploaded, or not needed
        }
        Job job = c.jobs().create(request);
        // with --json, stdout holds the job as JSON and nothing else; with --quiet, the id and nothing else
        progress().println("Created fine-tuning job " + job.id());
        progress().flush();
        if (quiet) {
            return quietly(c, job);
        }
        if (json && noFollow) {
            out().println(CliJson.json(CliJson.jobJson(job)));
            return 0;
        }
        if (json) {
            return FollowCommand.followToJson(c, job.id(), null, display, out(), err());
        }
        if (noFollow) {
            out().println("Follow it with: finetuner follow " + job.id());
            return 0;
        }
        return FollowCommand.follow(c, job.id(), null, display, out(), err());
    }

    /** The job request with the options given; an option out of range is a usage error. */
    private JobRequest.Builder requestFor(String trainingFileId) {
        try {
            Hyperparameters h = Hyperparameters.auto();
            if (epochs != null) {
                h = h.withEpochs(epochs);
            }
            if (batchSize != null) {
                h = h.withBatchSize(batchSize);
            }
            if (lrMultiplier != null) {
                h = h.withLearningRateMultiplier(lrMultiplier);
            }
            JobRequest.Builder b = JobRequest.builder(BaseModel.resolve(model).model().name(), trainingFileId)
                    .hyperparameters(h);
            if (suffix != null) {
                b.suffix(suffix);
            }
            if (seed != null) {
                b.seed(seed);
            }
            b.build();
            return b;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** True when the server knows {@code name} as a model, e.g. a model of its own with a name like a typo. */
    private static boolean listed(OpenAiConnection c, String name) {
        try {
            c.call("retrieve model " + name, () -> c.client().models().retrieve(
                    com.openai.models.models.ModelRetrieveParams.builder().model(name).build()));
            return true;
        } catch (ApiException e) {
            if (e.statusCode().orElse(0) == 404) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The file to upload for a value that is a path; empty for a file id. A path must name a JSONL file
     * that is ready for the model, unless --prepare prepares it.
     */
    private Optional<Path> dataset(OpenAiConnection c, String value, BaseModel.Resolution target,
                                   List<Preparation> preparations) {
        Path file = Path.of(value);
        if (!value.contains("/") && !value.contains(java.io.File.separator)
                && !DATASET_EXTENSION.matcher(value).matches() && !Files.exists(file)) {
            return Optional.empty();
        }
        Dataset dataset = columns.read(file); // a missing file or column fails here, as in every command
        String model = target.model().name();
        if (prepare) {
            Preparation p = fineTuner(c).prepare(dataset, PrepareOptions.builder().repair(Repair.RECOMMENDED).build());
            preparations.add(p);
            ValidationReport r = p.report(model);
            Mistakes.formatMatches(r, file);
            if (!r.isReady()) {
                // without the "Wrote training file" lines: the temporary files go with the preparation
                out().print(r.toText().replaceAll("(?m)^Wrote .*\\R", ""));
                out().flush();
                throw new FineTunerException(file + " is not ready for fine-tuning even after the recommended repairs ("
                        + Mistakes.errors(r) + "): see the findings above");
            }
            progress().println("Prepared " + file + " for " + model + ": " + r.counts().kept() + " example(s) kept ("
                    + r.counts().repaired() + " repaired), " + r.counts().dropped() + " dropped. Ready for fine-tuning.");
            return Optional.of(p.training(model).file().orElseThrow());
        }
        String hint = "Run `finetuner prepare " + value + columns.flags() + " -m " + model
                + " --repair --out DIR` first (or add --prepare to prepare it on the fly).";
        DatasetFormat format = dataset.format();
        if (format != DatasetFormat.JSONL || !value.toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
            throw new Failures.WithHint(new DatasetException("not_jsonl", file, 0, null, "is " + article(format)
                    + " file; the API trains on JSONL files (.jsonl) only"), hint);
        }
        ValidationReport r = Validator.builder().model(model).repair(Repair.NONE).build().validate(dataset);
        Mistakes.formatMatches(r, file);
        if (!r.isReady()) {
            throw new Failures.WithHint(new DatasetException("not_ready", file, 0, null, "is not ready for fine-tuning ("
                    + Mistakes.errors(r) + ")"), hint);
        }
        return Optional.of(file);
    }

    private static String article(DatasetFormat format) {
        return (format == DatasetFormat.XLSX ? "an " : "a ") + format.name();
    }

    /**
     * Where lines about the work in progress go: stderr with --json, so that stdout is one JSON document;
     * nowhere with --quiet, whose stdout is one id.
     */
    private java.io.PrintWriter progress() {
        return quiet ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : json ? err() : out();
    }

    /** The job's id, or (following it without a word) its model's; the exit code is the follow's. */
    private int quietly(OpenAiConnection c, Job job) {
        if (noFollow) {
            out().println(job.id());
            return 0;
        }
        Job done = FollowCommand.followToEnd(c, job.id(), null, display, progress(), err());
        done.fineTunedModel().ifPresent(out()::println);
        int code = FollowCommand.exitCode(done);
        if (code != 0) {
            // no closing line is printed quietly: the reason still must be
            err().println("error: job " + done.id() + " ended " + FollowCommand.ending(done));
        }
        return code;
    }

    /** The id to send for a value: the uploaded file's for a path, the value itself for a file id. */
    private String upload(OpenAiConnection c, String value, Optional<Path> path) {
        if (path.isEmpty()) {
            return value;
        }
        FileInfo f = c.files().upload(path.get());
        progress().println("Uploaded " + (value.equals(path.get().toString()) ? value : value + " (prepared)") + " as " + f.id());
        return f.id();
    }
}
