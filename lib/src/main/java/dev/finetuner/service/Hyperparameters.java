package dev.finetuner.service;

import java.util.Objects;
import java.util.Optional;

/**
 * Training hyperparameters; an empty value means {@code "auto"} (the API chooses). Values are checked
 * against the API's ranges here, before anything is sent.
 *
 * <pre>{@code
 * Hyperparameters h = Hyperparameters.auto().withEpochs(4).withBatchSize(8).withLearningRateMultiplier(0.1);
 * }</pre>
 *
 * @param epochs {@code n_epochs}, 1..50
 * @param batchSize {@code batch_size}, 1..256
 * @param learningRateMultiplier {@code learning_rate_multiplier}, above 0
 * @param beta DPO only: {@code beta}, above 0
 */
public record Hyperparameters(Optional<Integer> epochs, Optional<Integer> batchSize,
                              Optional<Double> learningRateMultiplier, Optional<Double> beta) {
    /** The most epochs the API takes. */
    public static final int MAX_EPOCHS = 50;
    /** The largest batch size the API takes. */
    public static final int MAX_BATCH_SIZE = 256;

    /**
     * Checks each value against the API's range.
     *
     * @param epochs {@code n_epochs}, 1..50
     * @param batchSize {@code batch_size}, 1..256
     * @param learningRateMultiplier {@code learning_rate_multiplier}, above 0
     * @param beta DPO only: {@code beta}, above 0
     */
    public Hyperparameters {
        Objects.requireNonNull(epochs, "epochs");
        Objects.requireNonNull(batchSize, "batchSize");
        Objects.requireNonNull(learningRateMultiplier, "learningRateMultiplier");
        Objects.requireNonNull(beta, "beta");
        epochs.ifPresent(e -> {
            if (e < 1 || e > MAX_EPOCHS) {
                throw new IllegalArgumentException("n_epochs must be 1.." + MAX_EPOCHS + " or auto, was " + e);
            }
        });
        batchSize.ifPresent(b -> {
            if (b < 1 || b > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batch_size must be 1.." + MAX_BATCH_SIZE + " or auto, was " + b);
            }
        });
        learningRateMultiplier.ifPresent(l -> {
            if (!(l > 0) || l.isInfinite()) {
                throw new IllegalArgumentException("learning_rate_multiplier must be above 0 or auto, was " + l);
            }
        });
        beta.ifPresent(b -> {
            if (!(b > 0) || b.isInfinite()) {
                throw new IllegalArgumentException("beta must be above 0 or auto, was " + b);
            }
        });
    }

    /** {@return everything "auto"} */
    public static Hyperparameters auto() {
        return new Hyperparameters(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * This with {@code n_epochs} set.
     *
     * @param n 1 to {@value #MAX_EPOCHS}
     * @return the new hyperparameters
     */
    public Hyperparameters withEpochs(int n) {
        return new Hyperparameters(Optional.of(n), batchSize, learningRateMultiplier, beta);
    }

    /**
     * This with {@code batch_size} set.
     *
     * @param n 1 to {@value #MAX_BATCH_SIZE}
     * @return the new hyperparameters
     */
    public Hyperparameters withBatchSize(int n) {
        return new Hyperparameters(epochs, Optional.of(n), learningRateMultiplier, beta);
    }

    /**
     * This with {@code learning_rate_multiplier} set.
     *
     * @param m above 0
     * @return the new hyperparameters
     */
    public Hyperparameters withLearningRateMultiplier(double m) {
        return new Hyperparameters(epochs, batchSize, Optional.of(m), beta);
    }

    /**
     * This with DPO's {@code beta} set.
     *
     * @param b above 0
     * @return the new hyperparameters
     */
    public Hyperparameters withBeta(double b) {
        return new Hyperparameters(epochs, batchSize, learningRateMultiplier, Optional.of(b));
    }

    @Override
    public String toString() {
        return "Hyperparameters[epochs=" + epochs.map(String::valueOf).orElse("auto") + ", batchSize="
                + batchSize.map(String::valueOf).orElse("auto") + ", learningRateMultiplier="
                + learningRateMultiplier.map(String::valueOf).orElse("auto")
                + beta.map(b -> ", beta=" + b).orElse("") + "]";
    }
}
