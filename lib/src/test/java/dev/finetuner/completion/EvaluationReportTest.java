package dev.finetuner.completion;

import static dev.finetuner.completion.EvaluationFixtures.answers;
import static dev.finetuner.completion.EvaluationFixtures.dataset;
import static dev.finetuner.completion.EvaluationFixtures.predictions;
import static dev.finetuner.completion.EvaluationFixtures.scored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.model.TaskType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

class EvaluationReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** yes x4, no x4; one answer outside the labels, one prediction failing, logprobs on every answer. */
    private static EvaluationReport yesNo() {
        PredictionSource scoredAnswers = predictions(
                scored("yes", "yes", 0.9, "no"), scored("yes", "yes", 0.8, "no"), scored("maybe", "yes", 0.5, "no"),
                scored("yes", "yes", 0.7, "no"), scored("no", "yes", 0.3, "no"), scored("no", "yes", 0.1, "no"),
                scored("no", "yes", 0.2, "no"), null);
        PredictionSource source = e -> {
            if (EvaluationFixtures.indexOf(e) == 7) {
                throw new IllegalStateException("rate limited");
            }
            return scoredAnswers.predict(e);
        };
        return Evaluator.builder().positiveClass("yes").build()
                .evaluate(dataset(" yes", " yes", " yes", " yes", " no", " no", " no", " no"), source);
    }

    @Test
    void to_json_parses_and_has_every_key() throws Exception {
        // given
        EvaluationReport report = yesNo();

        // when
        JsonNode json = JSON.readTree(report.toJson());

        // then
        assertThat(json.isObject()).isTrue();
        assertThat(json.fieldNames()).toIterable().contains("task", "examples", "errors", "accuracy", "macroF1",
                "classes", "confusionMatrix", "positiveClass", "rocAuc", "withoutLogprobs", "exactMatch", "tokenF1",
                "meanLogprob", "perplexity", "mistakes", "firstErrors");
        assertThat(json.get("task").asText()).isEqualTo("classification");
        assertThat(json.get("examples").asLong()).isEqualTo(7);
        assertThat(json.get("errors").asLong()).isEqualTo(1);
        assertThat(json.get("accuracy").asDouble()).isEqualTo(report.accuracy().getAsDouble());
        assertThat(json.get("rocAuc").asDouble()).isEqualTo(report.rocAuc().getAsDouble());
        assertThat(json.get("classes").get(1).get("label").asText()).isEqualTo("yes");
        assertThat(json.at("/confusionMatrix/labels").toString()).isEqualTo("[\"no\",\"yes\",\"(other)\"]");
        assertThat(json.at("/confusionMatrix/rows").toString()).isEqualTo("[[3,0,0],[0,3,1],[0,0,0]]");
        assertThat(json.get("meanLogprob").isNull()).isTrue();
        assertThat(json.at("/mistakes/0/prediction").asText()).isEqualTo("maybe");
        assertThat(json.at("/firstErrors/0/message").asText()).isEqualTo("IllegalStateException: rate limited");
    }

    @Test
    void to_json_of_a_generation_report_has_nulls_for_the_classification_numbers() throws Exception {
        // given
        EvaluationReport report = Evaluator.standard().evaluate(dataset(" Paris", " Rome"),
                predictions(Prediction.of("Paris").withReferenceLogprob(-1, 2), Prediction.of("Milan")));

        // when
        JsonNode json = JSON.readTree(report.toJson());

        // then
        assertThat(json.get("task").asText()).isEqualTo("conditional_generation");
        assertThat(json.get("accuracy").isNull()).isTrue();
        assertThat(json.get("confusionMatrix").isNull()).isTrue();
        assertThat(json.get("rocAuc").isNull()).isTrue();
        assertThat(json.get("exactMatch").asDouble()).isEqualTo(0.5);
        assertThat(json.get("meanLogprob").asDouble()).isEqualTo(-0.5);
        assertThat(json.get("perplexity").asDouble()).isEqualTo(Math.exp(0.5));
    }

    @Test
    void to_text_shows_the_numbers_the_classes_and_the_confusion_matrix() {
        // given
        EvaluationReport report = yesNo();

        // when
        String text = report.toText();

        // then
        assertThat(text).contains("Evaluation (classification): 7 examples scored, 1 prediction error(s) not scored")
                .contains("accuracy", "0.857", "macro F1", "ROC AUC", "positive class `yes`")
                .contains("Confusion matrix (rows: reference, columns: answer):")
                .containsPattern("\\n\\s+no\\s+yes\\s+\\(other\\)\\n")
                .containsPattern("\\n\\s+yes\\s+0\\s+3\\s+1\\n")
                .contains("expected `yes`, got `maybe`")
                .contains("IllegalStateException: rate limited");
    }

    @Test
    void to_html_escapes_labels_and_answers() {
        // given: a label and an answer that would be markup
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).build().evaluate(
                dataset(" <script>alert(1)</script>", " ok"), answers("ok", "\"><img src=x>"));

        // when
        String html = report.toHtml();

        // then
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<table>").contains("Confusion matrix")
                .doesNotContain("<script>").doesNotContain("<img")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("&quot;&gt;&lt;img src=x&gt;");
    }

    @Test
    void to_html_names_the_model_and_the_data_file_and_shows_each_mistakes_prompt_expected_and_predicted_answer() {
        // given: one wrong answer; a model name and a file name that would be markup
        EvaluationReport report = Evaluator.standard().evaluate(dataset(" Paris", " Rome"), answers("Paris", "Milan"));

        // when
        String html = report.toHtml("ft:<b>model</b>", "held & out.jsonl");

        // then
        assertThat(html).contains("<td class=\"text model\">ft:&lt;b&gt;model&lt;/b&gt;</td>")
                .contains("<td class=\"text data-file\">held &amp; out.jsonl</td>")
                .contains("<th>prompt</th><th>expected</th><th>predicted</th>")
                .contains("<td class=\"text prompt\">example 1 -&gt;</td><td class=\"text expected\">Rome</td>"
                        + "<td class=\"text predicted\">Milan</td>")
                .doesNotContain("<b>");
    }

    @Test
    void a_mistake_carries_the_prompt_in_json_and_text_and_an_in_memory_example_has_no_line() throws Exception {
        // given
        EvaluationReport report = Evaluator.standard().evaluate(dataset(" Paris", " Rome"), answers("Paris", "Milan"));

        // when
        JsonNode mistake = JSON.readTree(report.toJson()).at("/mistakes/0");

        // then
        assertThat(mistake.get("prompt").asText()).isEqualTo("example 1 ->");
        assertThat(mistake.get("line").isNull()).as("0 is no line: null, as in a validation report").isTrue();
        assertThat(report.toText()).contains("example 1: `example 1 ->` expected `Rome`, got `Milan`");
    }

    @Test
    void a_confusion_matrix_that_does_not_add_up_to_the_examples_is_rejected() {
        // given
        EvaluationReport.ConfusionMatrix cm = new EvaluationReport.ConfusionMatrix(List.of("a", "b"),
                List.of(List.of(1L, 0L), List.of(0L, 1L)));

        // when / then
        assertThatThrownBy(() -> new EvaluationReport(TaskType.CLASSIFICATION, 3, 0, List.of(), OptionalDouble.of(1),
                OptionalDouble.of(1), List.of(), Optional.of(cm), Optional.empty(), OptionalDouble.empty(), 0, 1, 1,
                OptionalDouble.empty(), OptionalDouble.empty(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 2 answers, not 3");
    }
}
