package dev.finetuner.completion;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What a model answered for one held-out example, as an {@link Evaluator} scores it.
 *
 * <pre>{@code
 * Prediction p = Prediction.of("positive")
 *         .withFirstTokenLogprobs(Map.of(" positive", -0.1, " negative", -2.4));
 * }</pre>
 *
 * @param text the model's answer, already stripped of the separator and stop sequence by the caller
 *     (it is compared after trimming whitespace)
 * @param firstTokenLogprobs the top log-probabilities of the first generated token, token to natural-log
 *     probability, tokens as the model returns them (often with a leading space); empty when the model
 *     was not asked for them
 * @param referenceLogprob the summed natural-log probability the model gives the reference completion,
 *     when the caller could compute it (present exactly when {@code referenceTokens} is)
 * @param referenceTokens the number of tokens of the reference completion that {@code referenceLogprob}
 *     sums over (at least 1)
 */
public record Prediction(String text, Optional<Map<String, Double>> firstTokenLogprobs,
                         OptionalDouble referenceLogprob, OptionalInt referenceTokens) {

    /**
     * Checks the components: none null, and the reference log-probability and token count given together; the
     * log-probabilities are copied.
     *
     * @param text the model's answer, already stripped of the separator and stop sequence by the caller (it
     *     is compared after trimming whitespace)
     * @param firstTokenLogprobs the top log-probabilities of the first generated token, token to natural-log
     *     probability, tokens as the model returns them (often with a leading space); empty when the model was
     *     not asked for them
     * @param referenceLogprob the summed natural-log probability the model gives the reference completion,
     *     when the caller could compute it (present exactly when {@code referenceTokens} is)
     * @param referenceTokens the number of tokens of the reference completion that {@code referenceLogprob}
     *     sums over (at least 1)
     */
    public Prediction {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(firstTokenLogprobs, "firstTokenLogprobs");
        Objects.requireNonNull(referenceLogprob, "referenceLogprob");
        Objects.requireNonNull(referenceTokens, "referenceTokens");
        firstTokenLogprobs = firstTokenLogprobs.map(Prediction::checkedCopy);
        if (referenceLogprob.isPresent() != referenceTokens.isPresent()) {
            throw new IllegalArgumentException("referenceLogprob and referenceTokens go together: got "
                    + referenceLogprob + " and " + referenceTokens);
        }
        if (referenceLogprob.isPresent() && (Double.isNaN(referenceLogprob.getAsDouble())
                || referenceLogprob.getAsDouble() > 0)) {
            throw new IllegalArgumentException("referenceLogprob must be a log-probability (<= 0): "
                    + referenceLogprob.getAsDouble());
        }
        if (referenceTokens.isPresent() && referenceTokens.getAsInt() < 1) {
            throw new IllegalArgumentException("referenceTokens must be >= 1: " + referenceTokens.getAsInt());
        }
    }

    /**
     * {@return a prediction with only the answer's text}
     *
     * @param text the answer's text
     */
    public static Prediction of(String text) {
        return new Prediction(text, Optional.empty(), OptionalDouble.empty(), OptionalInt.empty());
    }

    /**
     * This prediction with the top log-probabilities of its first token (token to log-probability).
     *
     * @param logprobs each token's log-probability
     * @return the new prediction
     */
    public Prediction withFirstTokenLogprobs(Map<String, Double> logprobs) {
        return new Prediction(text, Optional.of(logprobs), referenceLogprob, referenceTokens);
    }

    /**
     * This prediction with the summed log-probability the model gives the reference completion and the
     * number of tokens it sums over, for the mean log-probability per token and the perplexity.
     *
     * @param logprob the summed log-probability
     * @param tokens the number of tokens summed over
     * @return the new prediction
     */
    public Prediction withReferenceLogprob(double logprob, int tokens) {
        return new Prediction(text, firstTokenLogprobs, OptionalDouble.of(logprob), OptionalInt.of(tokens));
    }

    private static Map<String, Double> checkedCopy(Map<String, Double> logprobs) {
        Map<String, Double> copy = new LinkedHashMap<>();
        logprobs.forEach((token, lp) -> {
            Objects.requireNonNull(token, "firstTokenLogprobs token");
            Objects.requireNonNull(lp, "firstTokenLogprobs value");
            if (Double.isNaN(lp) || lp > 0) {
                throw new IllegalArgumentException("firstTokenLogprobs must be log-probabilities (<= 0): "
                        + token + "=" + lp);
            }
            copy.put(token, lp);
        });
        return Collections.unmodifiableMap(copy);
    }
}
