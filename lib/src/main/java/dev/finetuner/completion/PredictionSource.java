package dev.finetuner.completion;

import dev.finetuner.dataset.Example;

/**
 * Answers held-out examples for an {@link Evaluator}: usually a fine-tuned model called through a
 * completion client, in tests a fake. It may be called from several threads at once when the evaluator's
 * concurrency is above 1. A prediction that throws is counted as an error and the evaluation goes on.
 */
@FunctionalInterface
public interface PredictionSource {

    /**
     * The model's answer to one example: its prompt (or its conversation up to the last assistant
     * message), never the reference answer.
     *
     * @param example the held-out example, reference answer included
     * @return the answer, stripped of the separator and stop sequence; never null
     */
    Prediction predict(Example example);
}
