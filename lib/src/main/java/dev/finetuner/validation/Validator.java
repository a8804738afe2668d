package dev.finetuner.validation;

import dev.finetuner.DatasetException;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.DatasetWriter;
import dev.finetuner.dataset.Example;
import dev.finetuner.model.BaseModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Validates a dataset for fine-tuning and, when asked, repairs it: every check of
 * {@code openai tools fine_tunes.prepare_data}, the chat checks of OpenAI's data-preparation cookbook
 * and the file checks of together.ai's {@code check_file}, plus your own {@link Check}s. It reads the
 * dataset twice (statistics first, then repairs, token counts and output), streaming, so a file of any
 * size is validated in bounded memory.
 *
 * <pre>{@code
 * ValidationReport report = Validator.standard().validate(Dataset.read(Path.of("helpdesk.csv")));
 * ValidationReport prepared = Validator.builder().model("davinci-002").repair(Repair.RECOMMENDED)
 *         .validationFraction(0.2).seed(42).build()
 *         .prepare(Dataset.read(Path.of("helpdesk.csv")), Path.of("out"));
 * }</pre>
 *
 * <p>Defaults: the model is inferred from the data ({@code davinci-002} for prompt/completion,
 * {@code gpt-4o-mini-2024-07-18} for chat and preference), no repair, no validation split, seed
 * {@value #DEFAULT_SEED}, epochs "auto", at most {@value #DEFAULT_MAX_FINDINGS_PER_CODE} listed
 * findings per code (all are counted). Instances are immutable and thread-safe.
 */
public final class Validator {
    /**
     * Every finding code the built-in rules and the readers report: derived from the rules that run, so
     * a new rule is listed by being registered.
     */
    public static final Set<String> CODES = builtInCodes();

    /** Findings listed per code; the rest are counted. */
    public static final int DEFAULT_MAX_FINDINGS_PER_CODE = 100;
    /** The seed of the train/validation split. */
    public static final long DEFAULT_SEED = 42;
    /** Fewest examples the fine-tuning API accepts. */
    public static final int MIN_EXAMPLES = 10;
    /** Below this many examples, prepare_data advises collecting more. */
    public static final int RECOMMENDED_EXAMPLES = 100;

    private final Optional<String> model;
    private final Set<Repair> repairs;
    private final Set<String> disabled;
    private final List<UserCheck> checks;
    private final double validationFraction;
    private final long seed;
    private final OptionalInt epochs;
    private final int maxFindingsPerCode;
    private final DatasetStats.Budget dedupeBudget;

    private Validator(Builder b) {
        this.model = Optional.ofNullable(b.model);
        this.repairs = Set.copyOf(b.repairs);
        this.disabled = Set.copyOf(b.disabled);
        this.checks = List.copyOf(b.checks);
        this.validationFraction = b.validationFraction;
        this.seed = b.seed;
        this.epochs = b.epochs;
        this.maxFindingsPerCode = b.maxFindingsPerCode;
        this.dedupeBudget = b.dedupeBudget;
    }

    /** {@return a validator with the defaults: report only, no repair} */
    public static Validator standard() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding this validator's settings} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model.orElse(null);
        b.repairs = EnumSet.noneOf(Repair.class);
        b.repairs.addAll(repairs);
        b.disabled.addAll(disabled);
        b.checks.addAll(checks);
        checks.forEach(c -> c.code().ifPresent(b.userCodes::add));
        b.validationFraction = validationFraction;
        b.seed = seed;
        b.epochs = epochs;
        b.maxFindingsPerCode = maxFindingsPerCode;
        b.dedupeBudget = dedupeBudget;
        return b;
    }

    /** {@return the repairs this validator applies} */
    public Set<Repair> repairs() {
        return repairs;
    }

    /**
     * Validates, and repairs in memory if repairs are set, without writing anything.
     *
     * @param dataset the examples to validate
     * @return the report: findings, counts, tokens and cost
     */
    public ValidationReport validate(Dataset dataset) {
        return validate(dataset, null);
    }

    /**
     * Validates and hands every kept (and repaired) example, in source order, to {@code output}.
     *
     * @param output receives the examples; null to only report
     * @param dataset the examples to validate
     * @return the report: findings, counts, tokens and cost
     */
    public ValidationReport validate(Dataset dataset, Output output) {
        Objects.requireNonNull(dataset, "dataset");
        return new ValidationRun(this, dataset, output).run();
    }

    /**
     * Validates, repairs, splits and writes {@code <name>_prepared_train.jsonl} (and
     * {@code <name>_prepared_valid.jsonl} when a validation fraction is set) into {@code outDir}.
     * Files are written even when the report is not ready, so that they can be inspected.
     *
     * @param dataset the examples to prepare
     * @param outDir the directory to write into, created if missing
     * @return the report, naming the files written
     * @throws dev.finetuner.DatasetException when a file cannot be written, or would replace the dataset's
     *     own file
     */
    public ValidationReport prepare(Dataset dataset, Path outDir) {
        Objects.requireNonNull(outDir, "outDir");
        String base = dataset.file().map(p -> p.getFileName().toString().replaceFirst("\\.[^.]*$", ""))
                .orElse("dataset");
        Path train = outDir.resolve(base + "_prepared_train.jsonl");
        Path valid = validationFraction > 0 ? outDir.resolve(base + "_prepared_valid.jsonl") : null;
        refuseToOverwrite(dataset, train);
        refuseToOverwrite(dataset, valid);
        // write beside the targets and move into place only when the run completes: a failed run
        // (a throwing Check, an unreadable file) leaves no half-written training file behind. The
        // temporary names are random and created exclusively, so a link planted at a name we would use
        // cannot point the writing at another file (the input, say).
        Path trainPart;
        Path validPart;
        try {
            Files.createDirectories(outDir);
            trainPart = readable(Files.createTempFile(outDir, base + "_prepared_train.", ".jsonl.part"));
            validPart = valid == null ? null
                    : readable(Files.createTempFile(outDir, base + "_prepared_valid.", ".jsonl.part"));
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", train, 0, null, "cannot create the prepared file: " + e, e);
        }
        ValidationReport r;
        try {
            try (DatasetWriter t = DatasetWriter.open(trainPart);
                 DatasetWriter v = validPart == null ? null : DatasetWriter.open(validPart)) {
                r = validate(dataset, new Output() {
                    @Override
                    public void training(Example e) {
                        t.write(e);
                    }

                    @Override
                    public void validation(Example e) {
                        v.write(e);
                    }
                });
            }
            Files.move(trainPart, train, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (validPart != null) {
                Files.move(validPart, valid, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", train, 0, null, "cannot move the prepared file into place: "
                    + e, e);
        } finally {
            deleteQuietly(trainPart);
            deleteQuietly(validPart);
        }
        return new ValidationReport(r.file(), r.fileFormat(), r.exampleFormat(), r.model(), r.task(), r.counts(),
                r.tokens(), r.estimate(), r.separator(), r.stopSequence(), r.classes(), r.findings(),
                r.findingCounts(), r.errorCount(), r.repairs(), Optional.of(train), Optional.ofNullable(valid));
    }

    /** A temporary file is private; the prepared file it becomes is as readable as any file one writes. */
    private static Path readable(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        return file;
    }

    /** The prepared file must never replace the file it is prepared from (through a link, say). */
    private static void refuseToOverwrite(Dataset dataset, Path target) {
        if (target == null || dataset.file().isEmpty() || !Files.exists(target)) {
            return;
        }
        try {
            if (Files.isSameFile(dataset.file().get(), target)) {
                throw new DatasetException("unwritable_file", target, 0, null, "is the file being prepared (or a link"
                        + " to it); write the prepared files into another directory");
            }
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", target, 0, null, "cannot check the output path: " + e, e);
        }
    }

    private static void deleteQuietly(Path part) {
        if (part != null) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // a leftover .part file is harmless and named as such
            }
        }
    }

    /** Receives the examples validation keeps, each once, in source order. */
    public interface Output {
        /**
         * An example for the training file.
         *
         * @param example the example, as kept (and repaired)
         */
        void training(Example example);

        /**
         * An example for the validation file.
         *
         * @param example the example, as kept (and repaired)
         */
        void validation(Example example);
    }

    Optional<String> model() {
        return model;
    }

    boolean enabled(String code) {
        return code == null || !disabled.contains(code);
    }

    Set<String> disabled() {
        return disabled;
    }

    /** Fresh instances of the built-in rules and the user's checks, in the order they run. */
    List<Rule> rules() {
        return Rules.standard(checks.stream()
                .map(c -> (Rule) new Rule.User(c.code().orElse(null), c.check().get())).toList());
    }

    private static Set<String> builtInCodes() {
        Set<String> codes = new java.util.HashSet<>(ReadIssueRule.CODES.keySet());
        Rules.standard(List.of()).forEach(r -> codes.add(r.code()));
        return Set.copyOf(codes);
    }

    /** A user's check, with the code it declared (so that it can be disabled), if it did. */
    private record UserCheck(Optional<String> code, Supplier<? extends Check> check) {
    }

    boolean applies(Repair r) {
        return repairs.contains(r);
    }

    double validationFraction() {
        return validationFraction;
    }

    long seed() {
        return seed;
    }

    OptionalInt epochs() {
        return epochs;
    }

    int maxFindingsPerCode() {
        return maxFindingsPerCode;
    }

    DatasetStats.Budget dedupeBudget() {
        return dedupeBudget;
    }

    @Override
    public String toString() {
        return "Validator[model=" + model.orElse("inferred") + ", repairs=" + repairs + ", disabled=" + disabled
                + ", checks=" + checks.size() + ", validationFraction=" + validationFraction + ", seed=" + seed + "]";
    }

    /** Builds a {@link Validator}; setters reject bad values at once. */
    public static final class Builder {
        private String model;
        private Set<Repair> repairs = EnumSet.noneOf(Repair.class);
        private final Set<String> disabled = new LinkedHashSet<>();
        private final List<UserCheck> checks = new ArrayList<>();
        private final Set<String> userCodes = new LinkedHashSet<>();
        private double validationFraction;
        private long seed = DEFAULT_SEED;
        private OptionalInt epochs = OptionalInt.empty();
        private int maxFindingsPerCode = DEFAULT_MAX_FINDINGS_PER_CODE;
        private DatasetStats.Budget dedupeBudget = DatasetStats.Budget.DEFAULT;

        private Builder() {
        }

        /**
         * The model to check against (context, encoding, format, price); any name {@link BaseModel#resolve} takes.
         *
         * @param name the model's name
         * @return this builder
         */
        public Builder model(String name) {
            BaseModel.resolve(name); // rejects blank names now
            this.model = name.trim();
            return this;
        }

        /**
         * The repairs to apply, e.g. {@link Repair#RECOMMENDED}.
         *
         * @param repairs the repairs (default: none)
         * @return this builder
         */
        public Builder repair(Set<Repair> repairs) {
            this.repairs = EnumSet.noneOf(Repair.class);
            this.repairs.addAll(Objects.requireNonNull(repairs, "repairs"));
            return this;
        }

        /**
         * The repairs to apply.
         *
         * @param repairs the repairs (default: none)
         * @return this builder
         */
        public Builder repair(Repair... repairs) {
            EnumSet<Repair> set = EnumSet.noneOf(Repair.class);
            for (Repair r : repairs) {
                set.add(Objects.requireNonNull(r, "repair"));
            }
            return repair(set);
        }

        /**
         * Turns off the findings with these codes (see {@link #CODES}, and the codes of checks added with
         * {@link #check(String, Supplier)} before), the rules that report them and the repairs tied to
         * them: with {@code disable("duplicate")} duplicates are neither reported nor removed.
         *
         * @param codes the finding codes to turn off
         * @return this builder
         * @throws IllegalArgumentException for a code no built-in rule or declared check reports (a typo
         *     would otherwise silently disable nothing)
         */
        public Builder disable(String... codes) {
            for (String c : codes) {
                String code = Objects.requireNonNull(c, "code").toLowerCase(Locale.ROOT);
                if (!CODES.contains(code) && !userCodes.contains(code)) {
                    throw new IllegalArgumentException("no built-in check reports '" + c + "'; known codes: "
                            + new java.util.TreeSet<>(CODES));
                }
                disabled.add(code);
            }
            return this;
        }

        /**
         * Adds a check of your own; the supplier makes a fresh instance for every validation.
         *
         * @param check makes the check
         * @return this builder
         */
        public Builder check(Supplier<? extends Check> check) {
            checks.add(new UserCheck(Optional.empty(), Objects.requireNonNull(check, "check")));
            return this;
        }

        /**
         * Adds a check of your own that reports findings with {@code code}: a rule like the built-in ones,
         * which {@link #disable(String...)} turns off by that code. The supplier makes a fresh instance for
         * every validation.
         *
         * @param code the code its findings have, lower case
         * @param check makes the check
         * @return this builder
         * @throws IllegalArgumentException for a blank code, or one that is not lower case
         */
        public Builder check(String code, Supplier<? extends Check> check) {
            Objects.requireNonNull(code, "code");
            if (code.isBlank() || !code.equals(code.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("a check's code must be lower case and not blank, was '"
                        + code + "'");
            }
            checks.add(new UserCheck(Optional.of(code), Objects.requireNonNull(check, "check")));
            userCodes.add(code);
            return this;
        }

        /**
         * The share of examples (per class, for classification) held out for validation, in [0, 1).
         *
         * @param fraction the fraction (default 0: no split)
         * @return this builder
         */
        public Builder validationFraction(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), was " + fraction);
            }
            this.validationFraction = fraction;
            return this;
        }

        /**
         * The seed of the train/validation split.
         *
         * @param seed the seed (default {@value Validator#DEFAULT_SEED})
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The epochs to estimate the cost for (1..50); unset means the API's "auto".
         *
         * @param epochs the epochs
         * @return this builder
         */
        public Builder epochs(int epochs) {
            if (epochs < 1 || epochs > 50) {
                throw new IllegalArgumentException("epochs must be 1..50, was " + epochs);
            }
            this.epochs = OptionalInt.of(epochs);
            return this;
        }

        /**
         * How many findings of one code are listed in the report (all are counted).
         *
         * @param max at least 1 (default {@value Validator#DEFAULT_MAX_FINDINGS_PER_CODE})
         * @return this builder
         */
        public Builder maxFindingsPerCode(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxFindingsPerCode must be >= 1, was " + max);
            }
            this.maxFindingsPerCode = max;
            return this;
        }

        /** What duplicate detection holds in the heap before it sorts on disk; tests set a small one. */
        Builder dedupeBudget(DatasetStats.Budget budget) {
            this.dedupeBudget = java.util.Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** {@return the validator} */
        public Validator build() {
            return new Validator(this);
        }
    }
}
