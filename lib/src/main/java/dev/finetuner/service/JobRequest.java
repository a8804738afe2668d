package dev.finetuner.service;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What to fine-tune: everything the create-job call takes, checked against the API's limits when built.
 *
 * <pre>{@code
 * JobRequest r = JobRequest.builder("davinci-002", "file-abc")
 *     .validationFile("file-def").hyperparameters(Hyperparameters.auto().withEpochs(4))
 *     .suffix("helpdesk").seed(42).putMetadata("team", "support").build();
 * }</pre>
 *
 * @param model the base model (or a fine-tuned model to continue from)
 * @param trainingFile the training file's id
 * @param validationFile the validation file's id
 * @param method supervised or DPO
 * @param hyperparameters the hyperparameters, "auto" where empty; {@code beta} only for DPO
 * @param suffix up to {@value #MAX_SUFFIX} characters added to the fine-tuned model's name
 * @param seed for reproducible training
 * @param metadata up to {@value #MAX_METADATA} key/value pairs
 * @param wandbProject a Weights &amp; Biases project to report to, if any
 * @param idempotencyKey sent as {@code Idempotency-Key} so a retried create never makes two jobs; a
 *     random one unless given
 * @param lora train a LoRA adapter with these options (Together AI only; empty: the service's default)
 */
public record JobRequest(String model, String trainingFile, Optional<String> validationFile, Method method,
                         Hyperparameters hyperparameters, Optional<String> suffix, OptionalLong seed,
                         Map<String, String> metadata, Optional<String> wandbProject, String idempotencyKey,
                         Optional<Lora> lora) {
    /** The most characters of a suffix. */
    public static final int MAX_SUFFIX = 64;
    /** The most metadata pairs of a job. */
    public static final int MAX_METADATA = 16;
    /** The most characters of a metadata key. */
    public static final int MAX_METADATA_KEY = 64;
    /** The most characters of a metadata value. */
    public static final int MAX_METADATA_VALUE = 512;

    /**
     * This request with {@code extra} added to its metadata (same idempotency key: the same create).
     *
     * @param extra the pairs to add; a key already there takes the new value
     * @return the new request
     */
    JobRequest withMetadata(Map<String, String> extra) {
        Map<String, String> m = new java.util.LinkedHashMap<>(metadata);
        m.putAll(extra);
        return new JobRequest(model, trainingFile, validationFile, method, hyperparameters, suffix, seed, m,
                wandbProject, idempotencyKey, lora);
    }

    /** The training method. */
    public enum Method {
        /** Learn the completions (or assistant messages) of the examples. */
        SUPERVISED,
        /** Direct preference optimisation on preferred / non-preferred pairs. */
        DPO
    }

    /**
     * Checks the request against the API's limits (model and training file not blank, suffix length, metadata
     * size, {@code beta} only for DPO); the metadata is copied.
     *
     * @param model the base model (or a fine-tuned model to continue from)
     * @param trainingFile the training file's id
     * @param validationFile the validation file's id
     * @param method supervised or DPO
     * @param hyperparameters the hyperparameters, "auto" where empty; {@code beta} only for DPO
     * @param suffix up to {@value #MAX_SUFFIX} characters added to the fine-tuned model's name
     * @param seed for reproducible training
     * @param metadata up to {@value #MAX_METADATA} key/value pairs
     * @param wandbProject a Weights &amp; Biases project to report to, if any
     * @param idempotencyKey sent as {@code Idempotency-Key} so a retried create never makes two jobs; a
     *     random one unless given
     * @param lora train a LoRA adapter with these options (Together AI only; empty: the service's default)
     */
    public JobRequest {
        Objects.requireNonNull(lora, "lora");
        requireText(model, "model");
        requireText(trainingFile, "trainingFile");
        Objects.requireNonNull(validationFile, "validationFile");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        Objects.requireNonNull(suffix, "suffix");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(wandbProject, "wandbProject");
        requireText(idempotencyKey, "idempotencyKey");
        suffix.ifPresent(s -> {
            if (s.isEmpty() || s.length() > MAX_SUFFIX) {
                throw new IllegalArgumentException("suffix must be 1.." + MAX_SUFFIX + " characters, was " + s.length()
                        + ": \"" + s + "\"");
            }
        });
        if (hyperparameters.beta().isPresent() && method != Method.DPO) {
            throw new IllegalArgumentException("beta is a DPO hyperparameter; use method(Method.DPO)");
        }
        if (metadata.size() > MAX_METADATA) {
            throw new IllegalArgumentException("metadata holds at most " + MAX_METADATA + " pairs, was " + metadata.size());
        }
        metadata.forEach((k, v) -> {
            Objects.requireNonNull(k, "metadata key");
            Objects.requireNonNull(v, "metadata value of " + k);
            if (k.isEmpty() || k.length() > MAX_METADATA_KEY || v.length() > MAX_METADATA_VALUE) {
                throw new IllegalArgumentException("metadata keys are 1.." + MAX_METADATA_KEY + " characters and values at"
                        + " most " + MAX_METADATA_VALUE + "; '" + k + "' is not");
            }
        });
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    private static void requireText(String s, String name) {
        Objects.requireNonNull(s, name);
        if (s.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /**
     * {@return a request for a model and a training file; everything else optional}
     *
     * @param model the base model (or a fine-tuned model to continue from)
     * @param trainingFile the training file's id
     */
    public static Builder builder(String model, String trainingFile) {
        return new Builder(model, trainingFile);
    }

    /** Builds a {@link JobRequest}. */
    public static final class Builder {
        private final String model;
        private final String trainingFile;
        private String validationFile;
        private Method method = Method.SUPERVISED;
        private Hyperparameters hyperparameters = Hyperparameters.auto();
        private String suffix;
        private Long seed;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private String wandbProject;
        private String idempotencyKey;
        private Lora lora;

        private Builder(String model, String trainingFile) {
            this.model = model;
            this.trainingFile = trainingFile;
        }

        /**
         * The validation file (default: none).
         *
         * @param fileId the validation file's id
         * @return this builder
         */
        public Builder validationFile(String fileId) {
            this.validationFile = Objects.requireNonNull(fileId, "validationFile");
            return this;
        }

        /**
         * The training method (default {@link Method#SUPERVISED}).
         *
         * @param method supervised or DPO
         * @return this builder
         */
        public Builder method(Method method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * The hyperparameters (default: all "auto").
         *
         * @param h the hyperparameters
         * @return this builder
         */
        public Builder hyperparameters(Hyperparameters h) {
            this.hyperparameters = Objects.requireNonNull(h, "hyperparameters");
            return this;
        }

        /**
         * Added to the fine-tuned model's name, 1 to {@value JobRequest#MAX_SUFFIX} characters (default:
         * none).
         *
         * @param suffix the suffix
         * @return this builder
         */
        public Builder suffix(String suffix) {
            this.suffix = Objects.requireNonNull(suffix, "suffix");
            return this;
        }

        /**
         * The seed, for reproducible training (default: none).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * A key/value pair kept with the job; set again, a key takes the new value. Limits are checked by
         * {@link #build()}.
         *
         * @param key the key
         * @param value the value
         * @return this builder
         */
        public Builder putMetadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /**
         * A Weights &amp; Biases project to report to (default: none).
         *
         * @param project the project's name
         * @return this builder
         */
        public Builder wandbProject(String project) {
            this.wandbProject = Objects.requireNonNull(project, "wandbProject");
            return this;
        }

        /**
         * Reuse a key to make a create you repeat (after a crash, say) return the job already made.
         *
         * @param key the key (default: a random one per request)
         * @return this builder
         */
        public Builder idempotencyKey(String key) {
            this.idempotencyKey = Objects.requireNonNull(key, "idempotencyKey");
            return this;
        }

        /**
         * Train a LoRA adapter with these options (default: the service's own choice). Only Together AI
         * takes it; OpenAI refuses a request that has it.
         *
         * @param lora rank, alpha and dropout
         * @return this builder
         */
        public Builder lora(Lora lora) {
            this.lora = Objects.requireNonNull(lora, "lora");
            return this;
        }

        /**
         * {@return the request}
         *
         * @throws IllegalArgumentException when it exceeds a limit of the API
         */
        public JobRequest build() {
            return new JobRequest(model, trainingFile, Optional.ofNullable(validationFile), method, hyperparameters,
                    Optional.ofNullable(suffix), seed == null ? OptionalLong.empty() : OptionalLong.of(seed), metadata,
                    Optional.ofNullable(wandbProject),
                    idempotencyKey != null ? idempotencyKey : Calls.idempotencyKey(), Optional.ofNullable(lora));
        }
    }
}
