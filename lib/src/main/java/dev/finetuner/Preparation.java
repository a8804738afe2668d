package dev.finetuner;

import dev.finetuner.completion.PromptFormat;
import dev.finetuner.dataset.Conversions;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.model.ExampleFormat;
import dev.finetuner.validation.Check;
import dev.finetuner.validation.Finding;
import dev.finetuner.validation.Severity;
import dev.finetuner.model.BaseModel;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.OpenAiConnection;
import dev.finetuner.validation.CostEstimate;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import dev.finetuner.internal.Cleaners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A dataset on its way to a fine-tune: validated and repaired for a model, split, written as JSONL, and
 * then trained on. Validation runs when first needed, once per model (the model decides the token
 * encoding, the context limit and the example format). Methods without a model use the model the data
 * suits best ({@code davinci-002} for prompt/completion, {@code gpt-4o-mini} for chat). Thread-safe.
 *
 * <p>The prepared files live in temporary directories until {@link #close()} (or, if it is never
 * closed, until the preparation is garbage collected). Jobs and models it started keep working after
 * it is closed.
 *
 * <pre>{@code
 * try (Preparation p = ft.prepare(Path.of("tickets.xlsx"), PrepareOptions.builder().validationFraction(0.2).build())) {
 *     log.info(p.report().toText());
 *     CostEstimate cost = p.estimate("davinci-002");
 *     TrainedModel model = p.train("davinci-002", TrainOptions.builder().epochs(4).build());
 *     EvaluationReport eval = model.evaluate(p.validation("davinci-002"));
 * }
 * }</pre>
 */
public final class Preparation implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Preparation.class);

    private final FineTuner fineTuner;
    private final Dataset dataset;
    private final PrepareOptions options;
    private final Map<String, Prepared> byModel = new HashMap<>();
    private final TempFiles temp = new TempFiles();
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    /** The prepared files and report for one model. */
    private record Prepared(ValidationReport report, Path training, Optional<Path> validation) {
    }

    Preparation(FineTuner fineTuner, Dataset dataset, PrepareOptions options) {
        this.fineTuner = fineTuner;
        this.dataset = dataset;
        this.options = options;
        // the action holds the files, not this preparation, so an unclosed preparation is still collected
        this.cleanable = Cleaners.register(this, temp);
    }

    /** {@return the report for the model the data suits best (davinci-002 for prompt/completion, gpt-4o-mini for chat)} */
    public ValidationReport report() {
        return prepared(null).report();
    }

    /**
     * {@return the report for a model: findings, counts, tokens and cost with that model's encoding and limits}
     *
     * @param model the base model, e.g. {@code davinci-002}
     */
    public ValidationReport report(String model) {
        return prepared(Objects.requireNonNull(model, "model")).report();
    }

    /**
     * {@return what training on {@code model} costs with "auto" hyperparameters}
     *
     * @param model the base model, e.g. {@code davinci-002}
     */
    public CostEstimate estimate(String model) {
        return estimate(model, Hyperparameters.auto());
    }

    /**
     * {@return what training on {@code model} costs with these hyperparameters ("auto" epochs as the API picks them)}
     *
     * @param model the base model, e.g. {@code davinci-002}
     * @param hyperparameters the epochs, batch size and learning-rate multiplier to price
     */
    public CostEstimate estimate(String model, Hyperparameters hyperparameters) {
        ValidationReport r = report(model);
        return CostEstimate.of(BaseModel.named(model), r.counts().training(), r.tokens().training(),
                hyperparameters.epochs().map(OptionalInt::of).orElse(OptionalInt.empty()));
    }

    /**
     * Writes the prepared training (and validation) JSONL into {@code dir}; returns the report naming them.
     *
     * @param dir the directory to write into
     * @return the report for the model the data suits best, with the files written
     */
    public ValidationReport writeTo(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return validator(null).prepare(dataset, dir);
    }

    /** {@return the prepared training examples for the model the data suits best} */
    public Dataset training() {
        return Dataset.read(prepared(null).training());
    }

    /**
     * {@return the prepared training examples for {@code model} (its format, context limit and repairs)}
     *
     * @param model the base model, e.g. {@code davinci-002}
     */
    public Dataset training(String model) {
        return Dataset.read(prepared(target(model)).training());
    }

    /** {@return the held-out examples for the model the data suits best; empty when no validation fraction was set} */
    public Dataset validation() {
        return prepared(null).validation().map(Dataset::read).orElseGet(Dataset::of);
    }

    /**
     * The held-out examples as prepared for {@code model}, e.g. to evaluate the model trained on
     * {@link #training(String)}; empty when no validation fraction was set.
     *
     * @param model the base model, e.g. {@code davinci-002}
     * @return the validation examples; empty when there are none
     */
    public Dataset validation(String model) {
        return prepared(target(model)).validation().map(Dataset::read).orElseGet(Dataset::of);
    }

    private static String target(String model) {
        return BaseModel.resolve(Objects.requireNonNull(model, "model")).model().name();
    }

    /**
     * Uploads the prepared files and starts a job with the defaults.
     *
     * @param model the base model; a retired name (ada, babbage, curie, davinci) trains its replacement
     * @return the job, started
     */
    public FineTuneJob start(String model) {
        return start(model, TrainOptions.defaults());
    }

    /**
     * Uploads the prepared files and starts a job. A retired model name (ada, babbage, curie, davinci)
     * trains its replacement, with one WARN line.
     *
     * @param model the base model, e.g. {@code davinci-002}
     * @param train the hyperparameters, suffix, seed, metadata and whether errors are allowed
     * @return the job, started
     * @throws ValidationException when the dataset has errors, unless {@link TrainOptions#allowErrors()}
     */
    public FineTuneJob start(String model, TrainOptions train) {
        Objects.requireNonNull(train, "train");
        BaseModel.Resolution resolution = BaseModel.resolve(model);
        resolution.warning().ifPresent(w -> LOG.warn("{}", w));
        String target = resolution.model().name();
        Prepared p = prepared(target);
        if (!p.report().isReady() && !train.allowErrors()) {
            throw new ValidationException(p.report());
        }
        OpenAiConnection api = fineTuner.connection();
        FileInfo trainingFile = api.files().upload(p.training());
        api.files().awaitProcessed(trainingFile.id(), Duration.ofMinutes(30));
        Optional<FileInfo> validationFile = p.validation().map(api.files()::upload);
        validationFile.ifPresent(f -> api.files().awaitProcessed(f.id(), Duration.ofMinutes(30)));
        PromptFormat format = new PromptFormat(p.report().separator().orElse(""), p.report().stopSequence(),
                false);
        JobRequest.Builder request = JobRequest.builder(target, trainingFile.id())
                .hyperparameters(train.hyperparameters());
        validationFile.ifPresent(f -> request.validationFile(f.id()));
        train.suffix().ifPresent(request::suffix);
        train.seed().ifPresent(request::seed);
        train.lora().ifPresent(request::lora);
        train.metadata().forEach(request::putMetadata);
        // kept with the job, so that the model is called as trained even after a restart
        request.putMetadata(PromptFormat.SEPARATOR_KEY, format.separator());
        format.stop().ifPresent(s -> request.putMetadata(PromptFormat.STOP_KEY, s));
        Job job = api.jobs().create(request.build());
        return new FineTuneJob(fineTuner, job, format);
    }

    /**
     * Starts a job and waits for the trained model with the defaults.
     *
     * @param model the base model; a retired name (ada, babbage, curie, davinci) trains its replacement
     * @return the trained model
     */
    public TrainedModel train(String model) {
        return train(model, TrainOptions.defaults());
    }

    /**
     * Starts a job and waits for the trained model, up to {@link TrainOptions#await()}.
     *
     * @param model the base model, e.g. {@code davinci-002}
     * @param train the hyperparameters, suffix, seed, metadata, wait and whether errors are allowed
     * @return the trained model, called with the prompt format it was trained with
     * @throws ValidationException when the dataset has errors (unless allowed)
     * @throws JobFailedException when the job fails or is cancelled
     * @throws AwaitTimeoutException when the job outlasts the wait (it goes on)
     */
    public TrainedModel train(String model, TrainOptions train) {
        return start(model, train).await(train.await());
    }

    private Validator validator(String model) {
        return validator(model, null);
    }

    private Validator validator(String model, Check check) {
        Validator.Builder b = Validator.builder().repair(options.repairs()).seed(options.seed());
        if (check != null) {
            b.check(() -> check);
        }
        if (options.validationFraction() > 0) {
            b.validationFraction(options.validationFraction());
        }
        if (model != null) {
            b.model(model);
        }
        return b.build();
    }

    private synchronized Prepared prepared(String model) {
        if (closed) {
            throw new IllegalStateException("this preparation is closed: its prepared files are deleted");
        }
        String key = model == null ? "" : model;
        Prepared p = byModel.get(key);
        Prepared inferred = byModel.get("");
        if (p == null && inferred != null && inferred.report().model().name().equals(model)) {
            p = inferred; // the model the data was first checked for is the one asked for: validated already
        }
        if (p == null) {
            try {
                Path dir = temp.add(Files.createTempDirectory("finetuner-prepared"));
                Dataset data = dataset;
                Check conversions = null;
                if (model != null && options.convertFormat()) {
                    Conversion c = new Conversion(BaseModel.named(model).format());
                    data = dataset.map(c::apply);
                    conversions = c;
                }
                ValidationReport r = validator(model, conversions).prepare(data, dir);
                p = new Prepared(r, r.trainingFile().orElseThrow(), r.validationFile());
                LOG.info("prepared {} for {}: {} kept, {} dropped, {} repaired", dataset, r.model().name(),
                        r.counts().kept(), r.counts().dropped(), r.counts().repaired());
                fineTuner.connection().listener().tokensPrepared(r.model().name(), r.tokens().training());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for the prepared files", e);
            }
            byModel.put(key, p);
        }
        return p;
    }

    /** Converts examples to a model's format, and reports how many it converted. */
    private static final class Conversion implements Check {
        private final ExampleFormat target;
        private final BitSet convertedLines = new BitSet();
        private volatile boolean convertedInMemory;
        private long converted;

        Conversion(ExampleFormat target) {
            this.target = target;
        }

        synchronized Example apply(Example e) {
            Example out = target == ExampleFormat.CHAT ? Conversions.toChat(e) : Conversions.toPromptCompletion(e);
            if (out != e) {
                if (e.line() > 0 && e.line() < Integer.MAX_VALUE) {
                    convertedLines.set((int) e.line());
                } else {
                    convertedInMemory = true;
                }
            }
            return out;
        }

        @Override
        public synchronized void inspect(Example example, Consumer<Finding> findings) {
            long line = example.line();
            if (line > 0 && line < Integer.MAX_VALUE ? convertedLines.get((int) line) : convertedInMemory) {
                converted++;
            }
        }

        @Override
        public synchronized void complete(Consumer<Finding> findings) {
            if (converted > 0) {
                findings.accept(Finding.dataset("converted_format", Severity.INFO, converted + " example(s) were"
                        + " converted to the " + (target == ExampleFormat.CHAT ? "chat" : "prompt/completion")
                        + " format the model trains on", null));
            }
        }
    }

    /**
     * Deletes the prepared files. Reports already returned stay valid; asking for anything that needs the
     * files afterwards throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            byModel.clear();
        }
        cleanable.clean();
    }

    /** The temporary directories of a preparation, deleted with their contents once. */
    private static final class TempFiles implements Runnable {
        private final List<Path> dirs = new ArrayList<>();

        synchronized Path add(Path dir) {
            dirs.add(dir);
            return dir;
        }

        @Override
        public synchronized void run() {
            for (Path dir : dirs) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException | UncheckedIOException e) {
                    LOG.warn("could not delete the prepared files in {}: {}", dir, e.toString());
                }
            }
            dirs.clear();
        }
    }

    @Override
    public String toString() {
        return "Preparation[" + dataset + ", " + options.repairs() + "]";
    }
}
