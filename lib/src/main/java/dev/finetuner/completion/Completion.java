package dev.finetuner.completion;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a model answered.
 *
 * @param answers the answers (one per {@code n}), separator and stop stripped
 * @param raw the answers as the model returned them
 * @param firstTokenLogprobs the top log-probabilities of the first generated token of the first answer,
 *     when asked for and returned
 * @param finishReason why the first answer ended ({@code stop}, {@code length}, ...)
 */
public record Completion(List<String> answers, List<String> raw, Optional<Map<String, Double>> firstTokenLogprobs,
                         String finishReason) {
    /**
     * Checks that there is at least one answer; the lists are copied.
     *
     * @param answers the answers (one per {@code n}), separator and stop stripped
     * @param raw the answers as the model returned them
     * @param firstTokenLogprobs the top log-probabilities of the first generated token of the first answer,
     *     when asked for and returned
     * @param finishReason why the first answer ended ({@code stop}, {@code length}, ...)
     */
    public Completion {
        answers = List.copyOf(answers);
        raw = List.copyOf(raw);
        Objects.requireNonNull(firstTokenLogprobs, "firstTokenLogprobs");
        Objects.requireNonNull(finishReason, "finishReason");
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("a completion has at least one answer");
        }
    }

    /** {@return the first answer} */
    public String text() {
        return answers.get(0);
    }
}
