package dev.finetuner.completion;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** In-memory held-out sets and fake prediction sources for the evaluator's tests. */
final class EvaluationFixtures {
    private EvaluationFixtures() {
    }

    /** A dataset whose example i has the prompt {@code "example i ->"} and the given completion. */
    static Dataset dataset(String... completions) {
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < completions.length; i++) {
            examples.add(Example.PromptCompletion.of("example " + i + " ->", completions[i]));
        }
        return Dataset.of(examples);
    }

    /** The position of an example made by {@link #dataset}. */
    static int indexOf(Example example) {
        String prompt = ((Example.PromptCompletion) example).prompt();
        return Integer.parseInt(prompt.substring("example ".length(), prompt.indexOf(" ->")));
    }

    /** A source answering example i with {@code answers[i]}, without log-probabilities. */
    static PredictionSource answers(String... answers) {
        return e -> Prediction.of(answers[indexOf(e)]);
    }

    /** A source answering example i with {@code predictions[i]}. */
    static PredictionSource predictions(Prediction... predictions) {
        return e -> predictions[indexOf(e)];
    }

    /**
     * A prediction of {@code answer} whose first token is {@code " " + token} with probability {@code p},
     * the rest of the mass on {@code " " + other}.
     */
    static Prediction scored(String answer, String token, double p, String other) {
        return Prediction.of(answer).withFirstTokenLogprobs(Map.of(" " + token, Math.log(p), " " + other,
                Math.log(1 - p)));
    }
}
