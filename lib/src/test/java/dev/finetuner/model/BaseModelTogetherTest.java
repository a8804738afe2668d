package dev.finetuner.model;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Together AI's models join the catalogue, marked as Together's and dated, without changing OpenAI's. */
class BaseModelTogetherTest {

    @Test
    void a_together_model_resolves_by_its_name_in_any_case_without_a_warning_and_is_marked_as_together_s() {
        // when
        BaseModel.Resolution r = BaseModel.resolve("meta-llama/meta-llama-3.1-8b-instruct-reference");

        // then
        assertThat(r.model().name()).isEqualTo("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference");
        assertThat(r.model().known()).isTrue();
        assertThat(r.warning()).isEmpty();
        assertThat(r.model().provider()).isEqualTo("together");
        assertThat(r.model().format()).isEqualTo(ExampleFormat.COMPLETION);
        assertThat(r.model().trainingPricePerMillionTokens()).contains(new BigDecimal("0.48"));
    }

    @Test
    void the_together_catalogue_is_separate_from_openai_s_and_dated() {
        // then
        assertThat(BaseModel.togetherCatalogue()).extracting(BaseModel::name).containsExactly(
                "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference",
                "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-72B-Instruct");
        assertThat(BaseModel.togetherCatalogue()).allSatisfy(m -> assertThat(m.provider()).isEqualTo("together"));
        assertThat(BaseModel.catalogue()).allSatisfy(m -> assertThat(m.provider()).isEqualTo("openai"))
                .doesNotContainAnyElementsOf(BaseModel.togetherCatalogue());
        assertThat(BaseModel.TOGETHER_CATALOGUE_DATE).matches("\\d{4}-\\d{2}-\\d{2}");
    }

    @Test
    void a_together_fine_tuned_output_name_is_an_unknown_completion_model_so_it_is_called_on_completions() {
        // when
        BaseModel m = BaseModel.named("acme/Meta-Llama-3.1-8B-Instruct-Reference-helpdesk-5c2b1a3e");

        // then
        assertThat(m.known()).isFalse();
        assertThat(m.format()).isEqualTo(ExampleFormat.COMPLETION);
    }
}
