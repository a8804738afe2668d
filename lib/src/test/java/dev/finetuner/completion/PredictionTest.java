package dev.finetuner.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

class PredictionTest {

    @Test
    void a_prediction_keeps_its_own_copy_of_the_logprobs() {
        // given
        Map<String, Double> top = new HashMap<>(Map.of(" yes", -0.1));

        // when
        Prediction p = Prediction.of("yes").withFirstTokenLogprobs(top);
        top.put(" no", -3.0);

        // then
        assertThat(p.firstTokenLogprobs()).hasValue(Map.of(" yes", -0.1));
        assertThatThrownBy(() -> p.firstTokenLogprobs().get().put("x", -1.0))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void a_reference_logprob_needs_its_token_count() {
        // when / then
        assertThatThrownBy(() -> new Prediction("x", Optional.empty(), OptionalDouble.of(-1), OptionalInt.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("go together");
    }

    @Test
    void a_positive_log_probability_is_rejected() {
        // when / then
        assertThatThrownBy(() -> Prediction.of("x").withReferenceLogprob(0.5, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<= 0");
        assertThatThrownBy(() -> Prediction.of("x").withFirstTokenLogprobs(Map.of(" x", 1.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<= 0");
    }

    @Test
    void a_reference_of_no_tokens_is_rejected() {
        // when / then
        assertThatThrownBy(() -> Prediction.of("x").withReferenceLogprob(-1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("referenceTokens must be >= 1");
    }
}
