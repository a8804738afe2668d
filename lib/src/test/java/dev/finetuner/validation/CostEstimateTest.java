package dev.finetuner.validation;

import dev.finetuner.model.BaseModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link CostEstimate} prices: tokens times epochs times the model's price, epochs as "auto" picks them. */
class CostEstimateTest {

    @ParameterizedTest(name = "{0} examples train for {1} epochs")
    @CsvSource({
            "1, 25",      // 100 / 1, capped at 25
            "5, 20",      // 100 / 5
            "10, 10",     // 100 / 10
            "33, 3",      // 99 < 100: 100 / 33
            "34, 3",      // 102 >= 100: the target 3
            "40, 3",
            "8333, 3",    // 24,999 <= 25,000
            "8334, 2",    // 25,002 > 25,000: 25,000 / 8334
            "10000, 2",
            "30000, 1"    // 25,000 / 30,000 rounds down to 0, raised to 1
    })
    void auto_epochs_follow_the_fine_tuning_api_rule(long examples, int epochs) {
        // when
        int auto = CostEstimate.autoEpochs(examples);
        // then
        assertThat(auto).isEqualTo(epochs);
    }

    @Test
    void the_price_is_tokens_times_epochs_times_the_price_per_million_rounded_to_cents() {
        // given: davinci-002 at $6.00 per 1M tokens, 40 examples so 3 epochs
        BaseModel model = BaseModel.DAVINCI_002;
        // when
        CostEstimate estimate = CostEstimate.of(model, 40, 123_456, OptionalInt.empty());
        // then: 123,456 x 3 x 6 / 1,000,000 = 2.222208
        assertThat(estimate.epochs()).isEqualTo(3);
        assertThat(estimate.autoEpochs()).isTrue();
        assertThat(estimate.billedTokens()).isEqualTo(370_368);
        assertThat(estimate.usd()).contains(new BigDecimal("2.22"));
        assertThat(estimate.toString()).contains("3 epochs (auto)").contains("$2.22").contains("davinci-002");
    }

    @Test
    void half_a_cent_is_rounded_up() {
        // given: babbage-002 at $0.40 per 1M tokens; 12,500 tokens x 1 epoch = $0.005
        BaseModel model = BaseModel.BABBAGE_002;
        // when
        CostEstimate estimate = CostEstimate.of(model, 100, 12_500, OptionalInt.of(1));
        // then
        assertThat(estimate.usd()).contains(new BigDecimal("0.01"));
    }

    @Test
    void explicit_epochs_are_priced_as_given() {
        // given
        BaseModel model = BaseModel.GPT_4O_MINI;
        // when
        CostEstimate estimate = CostEstimate.of(model, 5, 1_000_000, OptionalInt.of(2));
        // then: $3.00 x 2
        assertThat(estimate.epochs()).isEqualTo(2);
        assertThat(estimate.autoEpochs()).isFalse();
        assertThat(estimate.billedTokens()).isEqualTo(2_000_000);
        assertThat(estimate.usd()).contains(new BigDecimal("6.00"));
        assertThat(estimate.toString()).doesNotContain("auto");
    }

    @Test
    void an_unknown_price_gives_no_amount() {
        // given
        BaseModel unknown = BaseModel.named("acme-model");
        // when
        CostEstimate estimate = CostEstimate.of(unknown, 40, 1_000, OptionalInt.empty());
        // then
        assertThat(estimate.usd()).isEmpty();
        assertThat(estimate.billedTokens()).isEqualTo(3_000);
        assertThat(estimate.toString()).contains("unknown price");
    }

    @Test
    void epochs_outside_one_to_fifty_are_rejected() {
        // when / then
        assertThatThrownBy(() -> CostEstimate.of(BaseModel.DAVINCI_002, 10, 100, OptionalInt.of(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..50");
        assertThatThrownBy(() -> CostEstimate.of(BaseModel.DAVINCI_002, 10, 100, OptionalInt.of(51)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("51");
    }

    @Test
    void the_validator_rejects_invalid_epochs_when_built() {
        // when / then
        assertThatThrownBy(() -> Validator.builder().epochs(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..50");
    }

    @Test
    void negative_counts_are_rejected() {
        // when / then
        assertThatThrownBy(() -> CostEstimate.of(BaseModel.DAVINCI_002, -1, 100, OptionalInt.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CostEstimate.of(BaseModel.DAVINCI_002, 10, -1, OptionalInt.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
