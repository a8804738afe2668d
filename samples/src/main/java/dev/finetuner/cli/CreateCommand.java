package dev.finetuner.cli;

import dev.finetuner.completion.PromptFormat;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code finetuner create -t FILE -m MODEL}: {@code openai api fine_tunes.create}, uploading paths first. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Upload (if given paths), create a fine-tuning job and follow it to its end,",
                "as `openai api fine_tunes.create` did. Exit code 1 when the job fails."})
final class CreateCommand extends ApiCommand {
    @Option(names = {"-t", "--training-file"}, required = true, paramLabel = "FILE|FILE_ID")
    String training;

    @Option(names = {"-v", "--validation-file"}, paramLabel = "FILE|FILE_ID")
    String validation;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL")
    String model;

    @Option(names = "--epochs")
    Integer epochs;

    @Option(names = "--batch-size")
    Integer batchSize;

    @Option(names = "--lr-multiplier")
    Double lrMultiplier;

    @Option(names = "--suffix")
    String suffix;

    @Option(names = "--seed")
    Long seed;

    @Option(names = "--no-follow", description = "print the job id and return at once")
    boolean noFollow;

    @CommandLine.Mixin
    FollowDisplay display;

    @Override
    int run(OpenAiConnection c) {
        JobRequest request;
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
            JobRequest.Builder b = JobRequest.builder(dev.finetuner.model.BaseModel.resolve(model).model().name(),
                    fileId(c, training)).hyperparameters(h);
            if (validation != null) {
                b.validationFile(fileId(c, validation));
            }
            if (suffix != null) {
                b.suffix(suffix);
            }
            if (seed != null) {
                b.seed(seed);
            }
            if (Files.isRegularFile(Path.of(training))) {
                // kept with the job, so that `complete` and `evaluate` call the model as it was trained
                PromptFormat format = PromptFormat.infer(dev.finetuner.dataset.Dataset.read(Path.of(training)));
                b.putMetadata(PromptFormat.SEPARATOR_KEY, format.separator());
                format.stop().ifPresent(stop -> b.putMetadata(PromptFormat.STOP_KEY, stop));
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        dev.finetuner.model.BaseModel.resolve(model).warning().ifPresent(w -> err().println("warning: " + w));
        Job job = c.jobs().create(request);
        out().println("Created fine-tuning job " + job.id());
        out().flush();
        return noFollow ? 0 : FollowCommand.follow(c, job.id(), null, display, out(), err());
    }

    private String fileId(OpenAiConnection c, String pathOrId) {
        Path p = Path.of(pathOrId);
        if (Files.exists(p)) {
            FileInfo f = c.files().upload(p);
            out().println("Uploaded " + p + " as " + f.id());
            return f.id();
        }
        return pathOrId;
    }
}
