package dev.finetuner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.ApiException;
import dev.finetuner.FineTuner;
import dev.finetuner.FineTunerException;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** The legacy {@code openai api fine_tunes.*} commands, one each, on the service layer. */
final class JobCommands {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JobCommands() {
    }

    /** Shared plumbing: the connection, output, and the exit code of an API error. */
    abstract static class ApiCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ApiOptions api;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() {
            try (OpenAiConnection connection = api.connect(spec.commandLine())) {
                try {
                    return run(connection);
                } catch (ApiException e) {
                    if (refused(e)) {
                        throw new Failures.WithHint(e, "Is the server at " + connection.baseUrl()
                                + " running? (For the embedded backend: finetuner serve.)");
                    }
                    throw e;
                }
            }
        }

        private static boolean refused(ApiException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof java.net.ConnectException) {
                    return true;
                }
            }
            return false;
        }

        /** The facade on this command's connection: models called as trained, metrics, evaluation. */
        static FineTuner fineTuner(OpenAiConnection c) {
            return FineTuner.builder().client(c.client()).retry(c.retryPolicy()).follow(c.follower().options()).build();
        }

        abstract int run(OpenAiConnection connection);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode jobJson(Job j) {
        ObjectNode o = JSON.createObjectNode().put("id", j.id()).put("model", j.model())
                .put("status", j.status().asString()).put("trainingFile", j.trainingFile())
                .put("createdAt", j.createdAt().toString());
        j.validationFile().ifPresent(v -> o.put("validationFile", v));
        j.fineTunedModel().ifPresent(m -> o.put("fineTunedModel", m));
        j.finishedAt().ifPresent(f -> o.put("finishedAt", f.toString()));
        j.trainedTokens().ifPresent(t -> o.put("trainedTokens", t));
        j.error().ifPresent(e -> o.putObject("error").put("code", e.code()).put("message", e.message())
                .put("param", e.param().orElse(null)));
        o.putPOJO("resultFiles", j.resultFiles());
        o.putPOJO("metadata", j.metadata());
        return o;
    }

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = "Upload a JSONL file for fine-tuning (large files in parts; an identical file is reused).")
    static final class Upload extends ApiCommand {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--no-reuse", description = "upload even if an identical file is there")
        boolean noReuse;

        @Option(names = "--json", description = "print the file as JSON")
        boolean json;

        @Override
        int run(OpenAiConnection c) {
            var options = dev.finetuner.service.UploadOptions.defaults();
            FileInfo f = c.files().upload(file, noReuse ? options.withoutReuse() : options);
            ObjectNode o = JSON.createObjectNode().put("id", f.id()).put("filename", f.filename()).put("bytes", f.bytes())
                    .put("purpose", f.purpose()).put("status", f.status()).put("createdAt", f.createdAt().toString());
            f.statusDetails().ifPresent(d -> o.put("statusDetails", d));
            out().println(json ? json(o) : f.id() + "  " + f.filename() + "  " + f.bytes() + " bytes  " + f.status());
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Upload (if given paths), create a fine-tuning job and follow it to its end,",
                    "as `openai api fine_tunes.create` did. Exit code 1 when the job fails."})
    static final class Create extends ApiCommand {
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
            return noFollow ? 0 : Follow.follow(c, job.id(), null, out(), err());
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

    @Command(name = "follow", mixinStandardHelpOptions = true,
            description = {"Follow a job's events to its end; resumable with --after.",
                    "Exit code 1 when the job fails or is cancelled."})
    static final class Follow extends ApiCommand {
        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Option(names = "--after", paramLabel = "EVENT_ID", description = "continue after this event")
        String after;

        @Override
        int run(OpenAiConnection c) {
            return follow(c, jobId, after, out(), err());
        }

        static int follow(OpenAiConnection c, String jobId, String after, PrintWriter out, PrintWriter err) {
            AtomicReference<String> last = new AtomicReference<>(after);
            boolean terminal = System.console() != null;
            Thread hint = new Thread(() -> {
                err.println();
                err.println("Stream interrupted. Resume with: finetuner follow " + jobId
                        + (last.get() == null ? "" : " --after " + last.get()));
                err.flush();
            });
            Runtime.getRuntime().addShutdownHook(hint);
            try {
                Job done = c.follower().follow(jobId, after, new FollowListener() {
                    @Override
                    public void onEvent(JobEvent e) {
                        last.set(e.id());
                        if (terminal && e.metrics().isPresent()) {
                            JobEvent.Metrics m = e.metrics().get();
                            long step = m.step().orElse(0);
                            long total = m.totalSteps().orElse(0);
                            out.print("\r" + progress(step, total) + " " + e.message());
                        } else {
                            out.println("[" + e.createdAt() + "] " + e.message());
                        }
                        out.flush();
                    }
                });
                if (terminal) {
                    out.println();
                }
                if (done.status().equals(JobStatus.SUCCEEDED)) {
                    out.println("Job complete! Status: succeeded. Model: " + done.fineTunedModel().orElse("?"));
                    return 0;
                }
                out.println("Job ended: " + done.status() + done.error().map(e -> " (" + e.code() + ": " + e.message() + ")")
                        .orElse(""));
                return 1;
            } catch (FineTunerException e) {
                if (e instanceof ApiException a && a.statusCode().orElse(0) == 404) {
                    throw e; // no such job: nothing to resume
                }
                throw new Failures.WithHint(e, "Resume with: finetuner follow " + jobId
                        + (last.get() == null ? "" : " --after " + last.get()));
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hint);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it prints the resume command
                }
            }
        }

        static String progress(long step, long total) {
            int width = 30;
            int filled = total <= 0 ? 0 : (int) Math.min(width, step * width / total);
            return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "]"
                    + (total <= 0 ? "" : String.format(" %3d%%", step * 100 / total));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List fine-tuning jobs, newest first.")
    static final class ListJobs extends ApiCommand {
        @Option(names = "--json")
        boolean json;

        @Option(names = "--limit", defaultValue = "20", description = "at most this many (default: ${DEFAULT-VALUE})")
        int limit;

        @Override
        int run(OpenAiConnection c) {
            List<Job> jobs = c.jobs().list().limit(limit).toList();
            if (json) {
                out().println(json(jobs.stream().map(JobCommands::jobJson).toList()));
            } else {
                jobs.forEach(j -> out().printf("%-30s %-17s %-28s %s%n", j.id(), j.status(), j.model(),
                        j.fineTunedModel().orElse("")));
            }
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a fine-tuning job.")
    static final class Get extends ApiCommand {
        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Override
        int run(OpenAiConnection c) {
            out().println(json(jobJson(c.jobs().retrieve(jobId))));
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a fine-tuning job.")
    static final class Cancel extends ApiCommand {
        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Override
        int run(OpenAiConnection c) {
            Job j = c.jobs().cancel(jobId);
            out().println(j.id() + " " + j.status());
            return 0;
        }
    }

    @Command(name = "complete", mixinStandardHelpOptions = true,
            description = {"Ask a model. With a fine-tuned model made by finetuner, the separator and stop",
                    "it was trained with are applied (read from its job's metadata)."})
    static final class Complete extends ApiCommand {
        @Option(names = {"-m", "--model"}, required = true)
        String model;

        @Option(names = {"-p", "--prompt"}, required = true)
        String prompt;

        @Option(names = "--max-tokens", defaultValue = "256")
        int maxTokens;

        @Option(names = "--temperature", defaultValue = "0")
        double temperature;

        @Override
        int run(OpenAiConnection c) {
            CompletionOptions options;
            try {
                options = CompletionOptions.defaults().withMaxTokens(maxTokens).withTemperature(temperature);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try (FineTuner ft = fineTuner(c)) {
                out().println(ft.model(model).complete(prompt, options).text());
            }
            return 0;
        }
    }
}
