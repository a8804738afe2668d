package dev.finetuner.completion;

import static dev.finetuner.completion.EvaluationFixtures.answers;
import static dev.finetuner.completion.EvaluationFixtures.dataset;
import static dev.finetuner.completion.EvaluationFixtures.predictions;
import static dev.finetuner.completion.EvaluationFixtures.scored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.finetuner.completion.EvaluationReport.ClassMetrics;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.model.TaskType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

class EvaluatorClassificationTest {

    /** 12 examples, 3 classes: cat x5, dog x4, fox x3 (with the leading space and stop prepare_data adds). */
    private static final Dataset ANIMALS = dataset(
            " cat\n", " cat\n", " cat\n", " cat\n", " cat\n",
            " dog\n", " dog\n", " dog\n", " dog\n",
            " fox\n", " fox\n", " fox\n");

    /** cat: 3 right, 2 as dog; dog: 3 right, 1 as cat; fox: 2 right, 1 as dog. */
    private static final PredictionSource ANIMAL_ANSWERS = answers(
            "cat", "cat", "cat", "dog", "dog",
            "dog", "dog", "dog", "cat",
            "fox", "dog", "fox");

    @Test
    void few_distinct_completions_are_scored_as_classification() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(ANIMALS, ANIMAL_ANSWERS);

        // then: 3 distinct answers < 12 / 3
        assertThat(report.task()).isEqualTo(TaskType.CLASSIFICATION);
        assertThat(report.examples()).isEqualTo(12);
        assertThat(report.errors()).isZero();
    }

    @Test
    void accuracy_and_per_class_precision_recall_and_f1_match_the_hand_computed_numbers() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(ANIMALS, ANIMAL_ANSWERS);

        // then
        assertThat(report.accuracy()).hasValueCloseTo(8.0 / 12, within(1e-12));
        ClassMetrics cat = report.classMetrics("cat").orElseThrow();
        assertThat(cat.precision()).isCloseTo(3.0 / 4, within(1e-12));
        assertThat(cat.recall()).isCloseTo(3.0 / 5, within(1e-12));
        assertThat(cat.f1()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(cat.support()).isEqualTo(5);
        ClassMetrics dog = report.classMetrics("dog").orElseThrow();
        assertThat(dog.precision()).isCloseTo(3.0 / 6, within(1e-12));
        assertThat(dog.recall()).isCloseTo(3.0 / 4, within(1e-12));
        assertThat(dog.f1()).isCloseTo(0.6, within(1e-12));
        ClassMetrics fox = report.classMetrics("fox").orElseThrow();
        assertThat(fox.precision()).isEqualTo(1.0);
        assertThat(fox.recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(fox.f1()).isCloseTo(0.8, within(1e-12));
        assertThat(report.macroF1()).hasValueCloseTo((2.0 / 3 + 0.6 + 0.8) / 3, within(1e-12));
    }

    @Test
    void the_confusion_matrix_has_sorted_labels_and_adds_up_to_the_examples() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(ANIMALS, ANIMAL_ANSWERS);

        // then
        EvaluationReport.ConfusionMatrix cm = report.confusionMatrix().orElseThrow();
        assertThat(cm.labels()).containsExactly("cat", "dog", "fox");
        assertThat(cm.rows()).containsExactly(List.of(3L, 2L, 0L), List.of(1L, 3L, 0L), List.of(0L, 1L, 2L));
        assertThat(cm.total()).isEqualTo(report.examples());
        assertThat(cm.count("cat", "dog")).isEqualTo(2);
    }

    @Test
    void answers_outside_the_label_set_are_counted_in_an_other_column() {
        // given: 8 examples, yes x4 and no x4; two answers are neither
        Dataset ds = dataset(" yes", " yes", " yes", " yes", " no", " no", " no", " no");
        PredictionSource source = answers("yes", "yes", "maybe", "yes", "no", "no", "I don't know", "yes");

        // when
        EvaluationReport report = Evaluator.standard().evaluate(ds, source);

        // then
        EvaluationReport.ConfusionMatrix cm = report.confusionMatrix().orElseThrow();
        assertThat(cm.labels()).containsExactly("no", "yes", Evaluator.OTHER);
        assertThat(cm.rows()).containsExactly(List.of(2L, 1L, 1L), List.of(0L, 3L, 1L), List.of(0L, 0L, 0L));
        assertThat(cm.total()).isEqualTo(8);
        assertThat(report.accuracy()).hasValue(5.0 / 8);
        assertThat(report.classMetrics("no").orElseThrow().recall()).isEqualTo(0.5);
        assertThat(report.classMetrics("yes").orElseThrow().precision()).isEqualTo(0.75);
        assertThat(report.classes()).extracting(ClassMetrics::label).containsExactly("no", "yes");
    }

    @Test
    void labels_are_compared_trimmed_and_case_sensitive() {
        // given
        Dataset ds = dataset(" yes\n", " yes\n", " yes\n", " yes\n", " no\n", " no\n", " no\n");
        PredictionSource source = answers("  yes ", "yes\n", "Yes", "yes", "no", " no", "NO");

        // when
        EvaluationReport report = Evaluator.standard().evaluate(ds, source);

        // then: "Yes" and "NO" are not labels
        assertThat(report.accuracy()).hasValue(5.0 / 7);
        assertThat(report.confusionMatrix().orElseThrow().count("yes", Evaluator.OTHER)).isEqualTo(1);
        assertThat(report.confusionMatrix().orElseThrow().count("no", Evaluator.OTHER)).isEqualTo(1);
    }

    @Test
    void the_positive_class_of_two_is_the_more_frequent_by_default() {
        // given: spam x3, ham x5
        Dataset ds = dataset(" spam", " ham", " ham", " spam", " ham", " ham", " spam", " ham");
        PredictionSource source = answers("spam", "ham", "ham", "spam", "ham", "ham", "spam", "ham");

        // when
        EvaluationReport report = Evaluator.standard().evaluate(ds, source);

        // then
        assertThat(report.positiveClass()).hasValue("ham");
    }

    @Test
    void a_positive_class_that_is_not_a_label_is_rejected_before_any_prediction() {
        // given
        Dataset ds = dataset(" yes", " no", " yes", " no", " yes", " no", " yes");
        Evaluator evaluator = Evaluator.builder().positiveClass("true").build();

        // when / then
        assertThatThrownBy(() -> evaluator.evaluate(ds, e -> {
            throw new AssertionError("no prediction expected");
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("`true`").hasMessageContaining("[no, yes]");
    }

    @Test
    void a_perfect_ranking_has_a_roc_auc_of_1() {
        // given: the model gives the positive class more probability on every positive example
        Dataset ds = dataset(" yes", " yes", " no", " no");
        PredictionSource source = predictions(
                scored("yes", "yes", 0.9, "no"), scored("no", "yes", 0.45, "no"),
                scored("no", "yes", 0.4, "no"), scored("no", "yes", 0.1, "no"));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).positiveClass("yes").build()
                .evaluate(ds, source);

        // then: ranking is perfect even though one positive was answered wrongly
        assertThat(report.rocAuc()).hasValue(1.0);
        assertThat(report.accuracy()).hasValue(0.75);
    }

    @Test
    void a_reversed_ranking_has_a_roc_auc_of_0() {
        // given
        Dataset ds = dataset(" yes", " yes", " no", " no");
        PredictionSource source = predictions(
                scored("no", "yes", 0.1, "no"), scored("no", "yes", 0.2, "no"),
                scored("yes", "yes", 0.7, "no"), scored("yes", "yes", 0.8, "no"));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).positiveClass("yes").build()
                .evaluate(ds, source);

        // then
        assertThat(report.rocAuc()).hasValue(0.0);
    }

    @Test
    void tied_scores_count_half_in_the_roc_auc() {
        // given: positives score 0.8 and 0.5, negatives 0.5, 0.2 and 0.5;
        // pairs won: 0.8 beats all three (3), 0.5 ties two and beats one (0.5 + 1 + 0.5 = 2): 5 of 6
        Dataset ds = dataset(" yes", " yes", " no", " no", " no");
        PredictionSource source = predictions(
                scored("yes", "yes", 0.8, "no"), scored("yes", "yes", 0.5, "no"),
                scored("yes", "yes", 0.5, "no"), scored("no", "yes", 0.2, "no"), scored("yes", "yes", 0.5, "no"));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).positiveClass("yes").build()
                .evaluate(ds, source);

        // then
        assertThat(report.rocAuc()).hasValueCloseTo(5.0 / 6, within(1e-12));
    }

    @Test
    void the_positive_class_is_scored_by_the_probability_of_its_first_token_in_any_spacing() {
        // given: " yes" and "yes" both start the label; "no" does not
        Dataset ds = dataset(" yes", " no");
        PredictionSource source = predictions(
                Prediction.of("yes").withFirstTokenLogprobs(Map.of(" yes", Math.log(0.3), "yes", Math.log(0.3),
                        " no", Math.log(0.4))),
                Prediction.of("no").withFirstTokenLogprobs(Map.of(" yes", Math.log(0.5), " no", Math.log(0.5))));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).positiveClass("yes").build()
                .evaluate(ds, source);

        // then: 0.3 + 0.3 > 0.5
        assertThat(report.rocAuc()).hasValue(1.0);
    }

    @Test
    void answers_without_logprobs_are_left_out_of_the_roc_auc_and_counted() {
        // given
        Dataset ds = dataset(" yes", " yes", " no", " no");
        PredictionSource source = predictions(
                scored("yes", "yes", 0.9, "no"), Prediction.of("no"),
                Prediction.of("yes"), scored("no", "yes", 0.2, "no"));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).build().evaluate(ds, source);

        // then
        assertThat(report.rocAuc()).hasValue(1.0);
        assertThat(report.withoutLogprobs()).isEqualTo(2);
    }

    @Test
    void there_is_no_roc_auc_without_logprobs() {
        // given
        Dataset ds = dataset(" yes", " yes", " yes", " no", " no", " no", " no");
        PredictionSource source = answers("yes", "no", "yes", "no", "no", "yes", "no");

        // when
        EvaluationReport report = Evaluator.standard().evaluate(ds, source);

        // then
        assertThat(report.positiveClass()).hasValue("no");
        assertThat(report.rocAuc()).isEmpty();
        assertThat(report.withoutLogprobs()).isEqualTo(7);
    }

    @Test
    void there_is_no_roc_auc_when_the_scored_answers_hold_one_class() {
        // given: only the positive examples came with logprobs
        Dataset ds = dataset(" yes", " yes", " no");
        PredictionSource source = predictions(
                scored("yes", "yes", 0.9, "no"), scored("yes", "yes", 0.6, "no"), Prediction.of("no"));

        // when
        EvaluationReport report = Evaluator.builder().task(TaskType.CLASSIFICATION).build().evaluate(ds, source);

        // then
        assertThat(report.rocAuc()).isEmpty();
    }

    @Test
    void there_is_no_roc_auc_for_more_than_two_classes() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(ANIMALS, ANIMAL_ANSWERS);

        // then
        assertThat(report.positiveClass()).isEmpty();
        assertThat(report.rocAuc()).isEmpty();
    }

    @Test
    void mistakes_list_the_wrong_answers_in_example_order() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(ANIMALS, ANIMAL_ANSWERS);

        // then
        assertThat(report.mistakes()).extracting(m -> m.index() + ":" + m.reference() + "->" + m.prediction())
                .containsExactly("3:cat->dog", "4:cat->dog", "8:dog->cat", "10:fox->dog");
    }

    @Test
    void concurrency_4_gives_the_same_report_as_1() {
        // given: 60 examples, some answered wrongly, some with logprobs, some failing
        String[] refs = new String[60];
        Prediction[] preds = new Prediction[60];
        for (int i = 0; i < 60; i++) {
            refs[i] = i % 3 == 0 ? " yes" : " no";
            double p = (i * 37 % 100) / 100.0 + 0.001;
            preds[i] = i % 5 == 0 ? Prediction.of(i % 2 == 0 ? "yes" : "no")
                    : scored(p > 0.5 ? "yes" : "no", "yes", p, "no");
        }
        Dataset ds = dataset(refs);
        PredictionSource source = e -> {
            int i = EvaluationFixtures.indexOf(e);
            if (i % 11 == 0) {
                throw new IllegalStateException("timeout on " + i);
            }
            return preds[i];
        };

        // when
        EvaluationReport one = Evaluator.builder().concurrency(1).build().evaluate(ds, source);
        EvaluationReport four = Evaluator.builder().concurrency(4).build().evaluate(ds, source);

        // then
        assertThat(four).isEqualTo(one);
        assertThat(four.errors()).isEqualTo(6);
        assertThat(four.rocAuc()).isPresent();
    }
}
