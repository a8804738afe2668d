package dev.finetuner;

import dev.finetuner.dataset.DatasetOptions;
import dev.finetuner.validation.Repair;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How to prepare a dataset: which columns to read, which repairs to apply, and the validation split.
 * Defaults: {@code prompt}/{@code completion} columns, {@link Repair#RECOMMENDED} (what
 * {@code prepare_data} does unattended: separator, leading space, stop sequence, duplicates, invalid
 * and over-long examples; each counted in the report), no validation split, seed {@value #DEFAULT_SEED}.
 *
 * @param dataset column names, format, sheet
 * @param repairs the repairs to apply
 * @param validationFraction the share held out for validation (stratified for classification)
 * @param seed the split's seed
 * @param convertFormat convert examples to the format the model trains on (prompt/completion to chat
 *     or back) instead of refusing them; each conversion is counted in the report ({@code converted_format})
 */
public record PrepareOptions(DatasetOptions dataset, Set<Repair> repairs, double validationFraction, long seed,
                             boolean convertFormat) {
    /** The seed of the validation split when none is given. */
    public static final long DEFAULT_SEED = 42;

    /**
     * Checks the components: the dataset given and the validation fraction in [0, 1); the repairs are copied.
     *
     * @param dataset column names, format, sheet
     * @param repairs the repairs to apply
     * @param validationFraction the share held out for validation (stratified for classification)
     * @param seed the split's seed
     * @param convertFormat convert examples to the format the model trains on (prompt/completion to chat or
     *     back) instead of refusing them; each conversion is counted in the report ({@code converted_format})
     */
    public PrepareOptions {
        Objects.requireNonNull(dataset, "dataset");
        repairs = Set.copyOf(repairs);
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), was " + validationFraction);
        }
    }

    /** {@return the defaults} */
    public static PrepareOptions defaults() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link PrepareOptions}. */
    public static final class Builder {
        private final DatasetOptions.Builder dataset = DatasetOptions.builder();
        private Set<Repair> repairs = Repair.RECOMMENDED;
        private double validationFraction;
        private long seed = DEFAULT_SEED;
        private boolean convertFormat;

        private Builder() {
        }

        /**
         * Convert examples to the model's format when they differ (off: such data is refused).
         *
         * @param convert true to convert (default false)
         * @return this builder
         */
        public Builder convertFormat(boolean convert) {
            convertFormat = convert;
            return this;
        }

        /**
         * The column or key holding the prompt (default {@code prompt}).
         *
         * @param name the column name
         * @return this builder
         */
        public Builder promptColumn(String name) {
            dataset.promptColumn(name);
            return this;
        }

        /**
         * The column or key holding the completion (default {@code completion}).
         *
         * @param name the column name
         * @return this builder
         */
        public Builder completionColumn(String name) {
            dataset.completionColumn(name);
            return this;
        }

        /**
         * The spreadsheet sheet to read (default: the first one with data).
         *
         * @param name the sheet's name
         * @return this builder
         */
        public Builder sheet(String name) {
            dataset.sheet(name);
            return this;
        }

        /**
         * The repairs to apply; {@link Repair#NONE} to only report.
         *
         * @param set the repairs (default {@link Repair#RECOMMENDED})
         * @return this builder
         */
        public Builder repair(Set<Repair> set) {
            repairs = EnumSet.copyOf(Objects.requireNonNull(set, "repairs").isEmpty() ? EnumSet.noneOf(Repair.class) : set);
            return this;
        }

        /**
         * The share of examples held out for validation, in [0, 1) (default 0: no split).
         *
         * @param f the fraction
         * @return this builder
         */
        public Builder validationFraction(double f) {
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), was " + f);
            }
            validationFraction = f;
            return this;
        }

        /**
         * The seed of the validation split (default {@value #DEFAULT_SEED}).
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** {@return the options} */
        public PrepareOptions build() {
            return new PrepareOptions(dataset.build(), repairs, validationFraction, seed, convertFormat);
        }
    }
}
