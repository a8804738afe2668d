package dev.finetuner.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link BaseModel#resolve(String)} turns a model name a user types into what preparing data needs. */
class BaseModelTest {

    @Test
    void the_catalogue_lists_the_fine_tunable_models_with_their_limits() {
        // when
        var catalogue = BaseModel.catalogue();
        // then
        assertThat(catalogue).extracting(BaseModel::name).containsExactly("babbage-002", "davinci-002",
                "gpt-3.5-turbo", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14",
                "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14");
        assertThat(catalogue).allSatisfy(m -> {
            assertThat(m.known()).isTrue();
            assertThat(m.trainingPricePerMillionTokens()).isPresent();
            assertThat(m.contextTokens()).isGreaterThanOrEqualTo(BaseModel.DEFAULT_CONTEXT_TOKENS);
        });
        assertThat(catalogue).filteredOn(m -> m.format() == ExampleFormat.COMPLETION)
                .extracting(BaseModel::name).containsExactly("babbage-002", "davinci-002");
        assertThat(BaseModel.DAVINCI_002.encoding()).isEqualTo(TokenEncoding.CL100K_BASE);
        assertThat(BaseModel.GPT_4O_MINI.encoding()).isEqualTo(TokenEncoding.O200K_BASE);
        assertThat(BaseModel.GPT_4O_MINI.trainingPricePerMillionTokens()).contains(new BigDecimal("3.00"));
    }

    @Test
    void a_catalogue_name_resolves_to_its_entry_without_a_warning() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("davinci-002");
        // then
        assertThat(r.model()).isEqualTo(BaseModel.DAVINCI_002);
        assertThat(r.warning()).isEmpty();
        assertThat(r.replaced()).isFalse();
    }

    @ParameterizedTest(name = "{0} is replaced by {1}")
    @CsvSource({"ada, babbage-002", "babbage, babbage-002", "curie, davinci-002", "davinci, davinci-002"})
    void a_retired_name_is_replaced_with_a_warning_naming_the_replacement(String legacy, String replacement) {
        // when
        BaseModel.Resolution r = BaseModel.resolve(legacy);
        // then
        assertThat(r.model().name()).isEqualTo(replacement);
        assertThat(r.model().known()).isTrue();
        assertThat(r.replaced()).isTrue();
        assertThat(r.requested()).isEqualTo(legacy);
        assertThat(r.warning()).hasValueSatisfying(w -> assertThat(w).contains(legacy).contains("retired")
                .contains(replacement));
    }

    @Test
    void names_are_matched_ignoring_case_and_surrounding_spaces() {
        // when / then
        assertThat(BaseModel.named("  DaVinci-002 ")).isEqualTo(BaseModel.DAVINCI_002);
        assertThat(BaseModel.resolve("CURIE").model()).isEqualTo(BaseModel.DAVINCI_002);
        assertThat(BaseModel.named("GPT-4o-mini").contextTokens()).isEqualTo(BaseModel.GPT_4O_MINI.contextTokens());
    }

    @Test
    void an_alias_has_the_limits_of_its_dated_snapshot() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("gpt-4o-mini");
        // then
        BaseModel m = r.model();
        assertThat(m.name()).isEqualTo("gpt-4o-mini");
        assertThat(m.format()).isEqualTo(BaseModel.GPT_4O_MINI.format());
        assertThat(m.contextTokens()).isEqualTo(BaseModel.GPT_4O_MINI.contextTokens());
        assertThat(m.encoding()).isEqualTo(BaseModel.GPT_4O_MINI.encoding());
        assertThat(m.trainingPricePerMillionTokens()).isEqualTo(BaseModel.GPT_4O_MINI.trainingPricePerMillionTokens());
        assertThat(m.known()).isTrue();
        assertThat(r.warning()).isEmpty();
    }

    @Test
    void a_fine_tuned_model_resolves_to_its_base_model_under_its_own_name() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("ft:gpt-4o-mini-2024-07-18:org::abc");
        // then
        BaseModel m = r.model();
        assertThat(m.name()).isEqualTo("ft:gpt-4o-mini-2024-07-18:org::abc");
        assertThat(m.format()).isEqualTo(ExampleFormat.CHAT);
        assertThat(m.contextTokens()).isEqualTo(BaseModel.GPT_4O_MINI.contextTokens());
        assertThat(m.encoding()).isEqualTo(TokenEncoding.O200K_BASE);
        assertThat(m.trainingPricePerMillionTokens()).isEqualTo(BaseModel.GPT_4O_MINI.trainingPricePerMillionTokens());
        assertThat(m.known()).isTrue();
        assertThat(r.warning()).isEmpty();
    }

    @Test
    void an_unknown_name_gets_a_small_context_no_price_and_a_warning() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("acme-model");
        // then
        BaseModel m = r.model();
        assertThat(m.name()).isEqualTo("acme-model");
        assertThat(m.known()).isFalse();
        assertThat(m.contextTokens()).isEqualTo(4096);
        assertThat(m.trainingPricePerMillionTokens()).isEmpty();
        assertThat(m.format()).isEqualTo(ExampleFormat.COMPLETION);
        assertThat(r.replaced()).isFalse();
        assertThat(r.warning()).hasValueSatisfying(w -> assertThat(w).contains("acme-model")
                .contains("not in the catalogue").contains("4096").contains("unknown price"));
    }

    @Test
    void an_unknown_gpt_name_is_assumed_to_be_a_chat_model() {
        // when
        BaseModel m = BaseModel.named("gpt-99");
        // then
        assertThat(m.known()).isFalse();
        assertThat(m.format()).isEqualTo(ExampleFormat.CHAT);
        assertThat(m.contextTokens()).isEqualTo(4096);
    }

    @Test
    void a_newer_snapshot_of_a_known_family_is_assumed_like_that_family_with_an_unknown_price() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("gpt-4.1-mini-2025-09-01");
        // then
        BaseModel m = r.model();
        assertThat(m.known()).isFalse();
        assertThat(m.format()).isEqualTo(ExampleFormat.CHAT);
        assertThat(m.contextTokens()).isEqualTo(BaseModel.GPT_41_MINI.contextTokens());
        assertThat(m.encoding()).isEqualTo(TokenEncoding.O200K_BASE);
        assertThat(m.trainingPricePerMillionTokens()).isEmpty();
        assertThat(r.warning()).hasValueSatisfying(w -> assertThat(w).contains("like gpt-4.1-mini-2025-04-14"));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\t"})
    void a_missing_name_is_rejected_with_advice(String name) {
        // when / then
        assertThatThrownBy(() -> BaseModel.resolve(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model name is missing")
                .hasMessageContaining("davinci-002");
    }

    @Test
    void a_validator_rejects_a_blank_model_name_when_built() {
        // when / then
        assertThatThrownBy(() -> dev.finetuner.validation.Validator.builder().model("  "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model name is missing");
    }

    @ParameterizedTest
    @CsvSource({"babage-002, babbage-002", "davinci-02, davinci-002", "gpt-4o-mni, gpt-4o-mini", "Curi, curie",
            "gpt-4.1-nan, gpt-4.1-nano"})
    void a_name_a_typo_away_from_a_known_one_suggests_it(String typed, String meant) {
        assertThat(BaseModel.didYouMean(typed)).contains(meant);
    }

    @ParameterizedTest
    @ValueSource(strings = {"babbage-002", "curie", "gpt-4o-mini", "ft:gpt-4o-mini-2024-07-18:acme::abc",
            "gpt-4o-mini-2025-01-01", "o4-mini-2025-04-16", "my-company-model"})
    void a_known_name_a_fine_tune_a_newer_snapshot_or_a_name_far_from_all_suggests_nothing(String name) {
        assertThat(BaseModel.didYouMean(name)).isEmpty();
    }
}
