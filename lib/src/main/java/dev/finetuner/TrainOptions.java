package dev.finetuner;

import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Lora;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How to train: hyperparameters ("auto" where unset), a suffix, a seed, metadata, how long
 * {@code train} waits, and whether a dataset with error findings may be trained on anyway.
 *
 * <pre>{@code
 * TrainOptions.builder().epochs(4).batchSize(8).learningRateMultiplier(0.1).suffix("helpdesk").build();
 * }</pre>
 *
 * <p>Defaults: everything "auto", no suffix, no seed, {@link #DEFAULT_AWAIT} for {@code train}, and
 * datasets with errors refused.
 *
 * @param hyperparameters epochs, batch size, learning-rate multiplier
 * @param suffix added to the fine-tuned model's name (at most 64 characters)
 * @param seed for reproducible training
 * @param metadata key/value pairs kept with the job
 * @param await how long {@code train} waits for the job
 * @param allowErrors train even when validation found errors (they are still reported)
 * @param lora train a LoRA adapter with these options (Together AI only; empty: the service's default)
 */
public record TrainOptions(Hyperparameters hyperparameters, Optional<String> suffix, OptionalLong seed,
                           Map<String, String> metadata, Duration await, boolean allowErrors, Optional<Lora> lora) {
    /** How long {@code train} waits by default: fine-tunes take hours. */
    public static final Duration DEFAULT_AWAIT = Duration.ofHours(12);

    /**
     * Checks the components: none null, and {@code await} positive; the metadata is copied.
     *
     * @param hyperparameters epochs, batch size, learning-rate multiplier
     * @param suffix added to the fine-tuned model's name (at most 64 characters)
     * @param seed for reproducible training
     * @param metadata key/value pairs kept with the job
     * @param await how long {@code train} waits for the job
     * @param allowErrors train even when validation found errors (they are still reported)
     * @param lora train a LoRA adapter with these options (Together AI only; empty: the service's default)
     */
    public TrainOptions {
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        Objects.requireNonNull(suffix, "suffix");
        Objects.requireNonNull(seed, "seed");
        metadata = Map.copyOf(metadata);
        Objects.requireNonNull(await, "await");
        if (await.isNegative() || await.isZero()) {
            throw new IllegalArgumentException("await must be positive, was " + await);
        }
    }

    /** {@return the defaults} */
    public static TrainOptions defaults() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link TrainOptions}; values are checked against the API's ranges as they are set. */
    public static final class Builder {
        private Hyperparameters hyperparameters = Hyperparameters.auto();
        private String suffix;
        private Long seed;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private Duration await = DEFAULT_AWAIT;
        private boolean allowErrors;
        private Lora lora;

        private Builder() {
        }

        /**
         * {@code n_epochs}, 1..50.
         *
         * @param n the number of epochs
         * @return this builder
         */
        public Builder epochs(int n) {
            hyperparameters = hyperparameters.withEpochs(n);
            return this;
        }

        /**
         * {@code batch_size}, 1..256.
         *
         * @param n the batch size
         * @return this builder
         */
        public Builder batchSize(int n) {
            hyperparameters = hyperparameters.withBatchSize(n);
            return this;
        }

        /**
         * {@code learning_rate_multiplier}, above 0.
         *
         * @param m the multiplier
         * @return this builder
         */
        public Builder learningRateMultiplier(double m) {
            hyperparameters = hyperparameters.withLearningRateMultiplier(m);
            return this;
        }

        /**
         * All three hyperparameters at once (default: all "auto").
         *
         * @param h the hyperparameters
         * @return this builder
         */
        public Builder hyperparameters(Hyperparameters h) {
            hyperparameters = Objects.requireNonNull(h, "hyperparameters");
            return this;
        }

        /**
         * Added to the model's name, 1..64 characters.
         *
         * @param s the suffix
         * @return this builder
         */
        public Builder suffix(String s) {
            Objects.requireNonNull(s, "suffix");
            if (s.isEmpty() || s.length() > 64) {
                throw new IllegalArgumentException("suffix must be 1..64 characters, was " + s.length());
            }
            suffix = s;
            return this;
        }

        /**
         * The seed, for reproducible training (default: none).
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * A key/value pair kept with the job; set again, a key takes the new value.
         *
         * @param key the key
         * @param value the value
         * @return this builder
         */
        public Builder putMetadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * How long {@code train} waits for the job before an {@link AwaitTimeoutException}.
         *
         * @param d a positive duration (default {@link #DEFAULT_AWAIT})
         * @return this builder
         */
        public Builder await(Duration d) {
            await = Objects.requireNonNull(d, "await");
            return this;
        }

        /**
         * Train even when validation found errors.
         *
         * @param allow true to train anyway (default false)
         * @return this builder
         */
        public Builder allowErrors(boolean allow) {
            allowErrors = allow;
            return this;
        }

        /**
         * Train a LoRA adapter: Together AI's {@code training_type} (default: the service's own choice,
         * which on Together AI is LoRA at its defaults). OpenAI refuses a job with it.
         *
         * @param rank {@code lora_r}, at least 1
         * @param alpha {@code lora_alpha}, at least 1
         * @param dropout {@code lora_dropout}, 0 to below 1
         * @return this builder
         */
        public Builder lora(int rank, int alpha, double dropout) {
            lora = new Lora(rank, alpha, dropout);
            return this;
        }

        /** {@return the options} */
        public TrainOptions build() {
            return new TrainOptions(hyperparameters, Optional.ofNullable(suffix),
                    seed == null ? OptionalLong.empty() : OptionalLong.of(seed), metadata, await, allowErrors,
                    Optional.ofNullable(lora));
        }
    }
}
