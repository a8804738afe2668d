package dev.finetuner.validation;

import dev.finetuner.model.BaseModel;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a fine-tuning job will cost: billed tokens per epoch times epochs times the model's training
 * price. With no epoch count given, the epochs are chosen as the API's {@code "auto"} does: 3, or more
 * for small datasets so that at least {@value #MIN_TARGET_EXAMPLES} examples are seen, or fewer for
 * large ones so that at most {@value #MAX_TARGET_EXAMPLES} are, always within
 * {@value #MIN_AUTO_EPOCHS}..{@value #MAX_AUTO_EPOCHS}.
 *
 * @param model the model priced
 * @param trainingExamples examples in the training file
 * @param tokensPerEpoch billed tokens in one pass over the training file
 * @param epochs the epochs priced
 * @param autoEpochs true when {@code epochs} came from the "auto" rule
 * @param billedTokens {@code tokensPerEpoch * epochs}
 * @param usd the price, empty when the model's price is unknown
 */
public record CostEstimate(BaseModel model, long trainingExamples, long tokensPerEpoch, int epochs,
                           boolean autoEpochs, long billedTokens, Optional<BigDecimal> usd) {
    /** The epochs "auto" aims for. */
    public static final int TARGET_EPOCHS = 3;
    /** "auto" raises the epochs until at least this many example-passes. */
    public static final int MIN_TARGET_EXAMPLES = 100;
    /** "auto" lowers the epochs until at most this many example-passes. */
    public static final int MAX_TARGET_EXAMPLES = 25_000;
    /** The fewest epochs "auto" picks. */
    public static final int MIN_AUTO_EPOCHS = 1;
    /** The most epochs "auto" picks. */
    public static final int MAX_AUTO_EPOCHS = 25;

    /**
     * Checks that the model and price are given.
     *
     * @param model the model priced
     * @param trainingExamples examples in the training file
     * @param tokensPerEpoch billed tokens in one pass over the training file
     * @param epochs the epochs priced
     * @param autoEpochs true when {@code epochs} came from the "auto" rule
     * @param billedTokens {@code tokensPerEpoch * epochs}
     * @param usd the price, empty when the model's price is unknown
     */
    public CostEstimate {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(usd, "usd");
    }

    /**
     * Estimates a job.
     *
     * @param epochs the epoch count, or empty for the API's "auto" rule
     * @param model the base model, for its price
     * @param trainingExamples examples in the training file
     * @param tokensPerEpoch tokens billed per epoch
     * @return the estimate; no price when the model's is unknown
     */
    public static CostEstimate of(BaseModel model, long trainingExamples, long tokensPerEpoch, OptionalInt epochs) {
        if (trainingExamples < 0 || tokensPerEpoch < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
        if (epochs.isPresent() && (epochs.getAsInt() < 1 || epochs.getAsInt() > 50)) {
            throw new IllegalArgumentException("epochs must be 1..50, was " + epochs.getAsInt());
        }
        int n = epochs.isPresent() ? epochs.getAsInt() : autoEpochs(trainingExamples);
        long billed = Math.multiplyExact(tokensPerEpoch, n);
        Optional<BigDecimal> usd = model.trainingPricePerMillionTokens().map(price -> price
                .multiply(BigDecimal.valueOf(billed)).divide(BigDecimal.valueOf(1_000_000), 2, RoundingMode.HALF_UP));
        return new CostEstimate(model, trainingExamples, tokensPerEpoch, n, epochs.isEmpty(), billed, usd);
    }

    /**
     * {@return the epochs the API's "auto" setting picks for a training file of {@code examples} examples}
     *
     * @param examples examples in the training file
     */
    public static int autoEpochs(long examples) {
        if (examples <= 0) {
            return TARGET_EPOCHS;
        }
        if (examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) {
            return (int) Math.min(MAX_AUTO_EPOCHS, MIN_TARGET_EXAMPLES / examples);
        }
        if (examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) {
            return (int) Math.max(MIN_AUTO_EPOCHS, MAX_TARGET_EXAMPLES / examples);
        }
        return TARGET_EPOCHS;
    }

    /** "~1,234,567 tokens x 3 epochs = $7.41 on davinci-002" */
    @Override
    public String toString() {
        return String.format("~%,d tokens x %d epoch%s%s = %s on %s", tokensPerEpoch, epochs, epochs == 1 ? "" : "s",
                autoEpochs ? " (auto)" : "", usd.map(u -> "$" + u.toPlainString()).orElse("unknown price"),
                model.name());
    }
}
