package dev.finetuner.completion;

import java.util.OptionalInt;

/**
 * Options of one call. Defaults: {@value #DEFAULT_MAX_TOKENS} tokens, temperature 0 (the most likely
 * answer, what evaluation wants), one answer, no log-probabilities.
 *
 * @param maxTokens the most tokens to generate
 * @param temperature 0..2
 * @param n answers to generate, 1..128
 * @param logprobs how many top log-probabilities of each generated token to return (0..20), if any
 */
public record CompletionOptions(int maxTokens, double temperature, int n, OptionalInt logprobs) {
    public static final int DEFAULT_MAX_TOKENS = 256;

    public CompletionOptions {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, was " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be 0..2, was " + temperature);
        }
        if (n < 1 || n > 128) {
            throw new IllegalArgumentException("n must be 1..128, was " + n);
        }
        if (logprobs.isPresent() && (logprobs.getAsInt() < 0 || logprobs.getAsInt() > 20)) {
            throw new IllegalArgumentException("logprobs must be 0..20, was " + logprobs.getAsInt());
        }
    }

    /** {@return the defaults} */
    public static CompletionOptions defaults() {
        return new CompletionOptions(DEFAULT_MAX_TOKENS, 0, 1, OptionalInt.empty());
    }

    public CompletionOptions withMaxTokens(int max) {
        return new CompletionOptions(max, temperature, n, logprobs);
    }

    public CompletionOptions withTemperature(double t) {
        return new CompletionOptions(maxTokens, t, n, logprobs);
    }

    public CompletionOptions withN(int answers) {
        return new CompletionOptions(maxTokens, temperature, answers, logprobs);
    }

    public CompletionOptions withLogprobs(int top) {
        return new CompletionOptions(maxTokens, temperature, n, OptionalInt.of(top));
    }
}
