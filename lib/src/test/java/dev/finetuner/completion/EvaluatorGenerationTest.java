package dev.finetuner.completion;

import static dev.finetuner.completion.EvaluationFixtures.answers;
import static dev.finetuner.completion.EvaluationFixtures.dataset;
import static dev.finetuner.completion.EvaluationFixtures.indexOf;
import static dev.finetuner.completion.EvaluationFixtures.predictions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.finetuner.FineTunerException;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.model.TaskType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

class EvaluatorGenerationTest {

    private static final Dataset QUESTIONS = dataset(" Paris\n", " the cat sat\n", " blue sky today\n", " 42\n");
    private static final PredictionSource ANSWERS = answers("Paris", "The cat sat down", "red sky", "");

    @Test
    void varied_completions_are_scored_as_generation() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, ANSWERS);

        // then
        assertThat(report.task()).isEqualTo(TaskType.CONDITIONAL_GENERATION);
        assertThat(report.accuracy()).isEmpty();
        assertThat(report.confusionMatrix()).isEmpty();
        assertThat(report.classes()).isEmpty();
    }

    @Test
    void exact_match_compares_trimmed_texts_case_sensitively() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, ANSWERS);

        // then: only "Paris" (the reference " Paris\n" trimmed) matches
        assertThat(report.exactMatch()).isEqualTo(0.25);
    }

    @Test
    void token_f1_is_the_mean_of_squad_style_f1_over_lower_cased_whitespace_tokens() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, ANSWERS);

        // then: 1; the cat sat (3 of 4 answered, 3 of 3 expected) = 6/7; sky (1 of 2, 1 of 3) = 0.4; empty = 0
        assertThat(report.tokenF1()).isCloseTo((1 + 6.0 / 7 + 0.4 + 0) / 4, within(1e-12));
    }

    @Test
    void repeated_tokens_count_only_as_often_as_the_reference_has_them() {
        // when
        double f1 = Evaluator.tokenF1("the the the cat", "the cat");

        // then: 2 common tokens, precision 2/4, recall 2/2
        assertThat(f1).isCloseTo(2 * 0.5 * 1 / 1.5, within(1e-12));
    }

    @Test
    void mistakes_list_the_lowest_token_f1_first_and_leave_out_exact_matches() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, ANSWERS);

        // then
        assertThat(report.mistakes()).extracting(EvaluationReport.Mistake::index).containsExactly(3, 2, 1);
        assertThat(report.mistakes().get(0).reference()).isEqualTo("42");
        assertThat(report.mistakes().get(0).prediction()).isEmpty();
    }

    @Test
    void at_most_20_mistakes_are_listed() {
        // given: 30 wrong answers
        String[] refs = new String[30];
        String[] wrong = new String[30];
        for (int i = 0; i < 30; i++) {
            refs[i] = " answer number " + i;
            wrong[i] = "something else " + i;
        }

        // when
        EvaluationReport report = Evaluator.standard().evaluate(dataset(refs), answers(wrong));

        // then
        assertThat(report.exactMatch()).isZero();
        assertThat(report.mistakes()).hasSize(EvaluationReport.MAX_MISTAKES);
    }

    @Test
    void perplexity_comes_from_the_reference_logprobs_per_token() {
        // given: -2.0 over 4 tokens, -1.0 over 1 token, and an answer without
        PredictionSource source = predictions(
                Prediction.of("Paris").withReferenceLogprob(-2.0, 4),
                Prediction.of("the cat").withReferenceLogprob(-1.0, 1),
                Prediction.of("red sky"),
                Prediction.of("42"));

        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, source);

        // then: -3 over 5 tokens
        assertThat(report.meanLogprob()).hasValueCloseTo(-0.6, within(1e-12));
        assertThat(report.perplexity()).hasValueCloseTo(Math.exp(0.6), within(1e-12));
    }

    @Test
    void there_is_no_perplexity_without_reference_logprobs() {
        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, ANSWERS);

        // then
        assertThat(report.meanLogprob()).isEmpty();
        assertThat(report.perplexity()).isEmpty();
    }

    @Test
    void a_failing_prediction_is_counted_and_the_evaluation_goes_on() {
        // given
        PredictionSource source = e -> {
            if (indexOf(e) == 1) {
                throw new IllegalStateException("HTTP 500 from the model");
            }
            return ANSWERS.predict(e);
        };

        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, source);

        // then: scored over the three answers
        assertThat(report.errors()).isEqualTo(1);
        assertThat(report.examples()).isEqualTo(3);
        assertThat(report.exactMatch()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(report.firstErrors()).singleElement().satisfies(f -> {
            assertThat(f.index()).isEqualTo(1);
            assertThat(f.message()).isEqualTo("IllegalStateException: HTTP 500 from the model");
        });
    }

    @Test
    void a_source_returning_null_counts_as_an_error() {
        // given
        PredictionSource source = e -> indexOf(e) == 0 ? null : ANSWERS.predict(e);

        // when
        EvaluationReport report = Evaluator.standard().evaluate(QUESTIONS, source);

        // then
        assertThat(report.errors()).isEqualTo(1);
        assertThat(report.firstErrors().get(0).message()).contains("returned null");
    }

    @Test
    void only_the_first_few_error_messages_are_kept() {
        // given
        String[] refs = new String[10];
        for (int i = 0; i < 10; i++) {
            refs[i] = " text " + i;
        }
        PredictionSource source = e -> {
            int i = indexOf(e);
            if (i < 8) {
                throw new IllegalStateException("down " + i);
            }
            return Prediction.of("text " + i);
        };

        // when
        EvaluationReport report = Evaluator.standard().evaluate(dataset(refs), source);

        // then
        assertThat(report.errors()).isEqualTo(8);
        assertThat(report.firstErrors()).hasSize(EvaluationReport.MAX_ERRORS_KEPT)
                .extracting(EvaluationReport.Failure::index).containsExactly(0, 1, 2, 3, 4);
        assertThat(report.exactMatch()).isEqualTo(1.0);
    }

    @Test
    void when_every_prediction_fails_the_evaluation_throws_with_the_first_error_as_cause() {
        // given
        PredictionSource source = e -> {
            throw new IllegalStateException("no model " + indexOf(e));
        };

        // when / then
        assertThatThrownBy(() -> Evaluator.standard().evaluate(QUESTIONS, source))
                .isInstanceOf(FineTunerException.class)
                .hasMessageContaining("every prediction failed (4 of 4)")
                .hasMessageContaining("no model 0")
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("no model 0");
    }

    @Test
    void an_empty_dataset_cannot_be_evaluated() {
        // when / then
        assertThatThrownBy(() -> Evaluator.standard().evaluate(Dataset.of(List.of()), ANSWERS))
                .isInstanceOf(FineTunerException.class).hasMessageContaining("holds no examples");
    }

    @Test
    void the_limit_evaluates_only_the_first_examples() {
        // given
        List<Integer> asked = new ArrayList<>();
        PredictionSource source = e -> {
            asked.add(indexOf(e));
            return ANSWERS.predict(e);
        };

        // when
        EvaluationReport report = Evaluator.builder().limit(2).build().evaluate(QUESTIONS, source);

        // then
        assertThat(asked).containsExactly(0, 1);
        assertThat(report.examples()).isEqualTo(2);
    }

    @Test
    void chat_and_preference_examples_are_scored_against_their_last_assistant_answer() {
        // given
        Dataset ds = Dataset.of(
                Example.Chat.of(Message.system("be brief"), Message.user("capital of France?"),
                        Message.assistant("Paris\n")),
                Example.Preference.of(Example.Chat.of(Message.user("2+2?")), Message.assistant(" 4"),
                        Message.assistant("5")));
        PredictionSource source = e -> Prediction.of(e instanceof Example.Chat ? "Paris" : "5");

        // when
        EvaluationReport report = Evaluator.standard().evaluate(ds, source);

        // then
        assertThat(report.exactMatch()).isEqualTo(0.5);
        assertThat(report.mistakes()).singleElement().satisfies(m -> {
            assertThat(m.reference()).isEqualTo("4");
            assertThat(m.prediction()).isEqualTo("5");
        });
    }

    @Test
    void the_task_set_on_the_builder_wins_over_inference() {
        // given: 4 distinct answers would be generation
        Evaluator evaluator = Evaluator.builder().task(TaskType.CLASSIFICATION).build();

        // when
        EvaluationReport report = evaluator.evaluate(QUESTIONS, ANSWERS);

        // then
        assertThat(report.task()).isEqualTo(TaskType.CLASSIFICATION);
        assertThat(report.confusionMatrix().orElseThrow().labels())
                .containsExactly("42", "Paris", "blue sky today", "the cat sat", Evaluator.OTHER);
    }

    @Test
    void with_concurrency_predictions_run_at_the_same_time_on_pool_threads() {
        // given: each of the first two predictions waits for the other to start
        CountDownLatch bothStarted = new CountDownLatch(2);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        PredictionSource source = e -> {
            threads.add(Thread.currentThread().getName());
            bothStarted.countDown();
            try {
                if (!bothStarted.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("predictions did not overlap");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            return ANSWERS.predict(e);
        };

        // when
        EvaluationReport report = Evaluator.builder().concurrency(2).build().evaluate(QUESTIONS, source);

        // then
        assertThat(report.errors()).isZero();
        assertThat(threads).hasSizeGreaterThanOrEqualTo(2).allMatch(n -> n.startsWith("finetuner-eval-"));
    }

    @Test
    void the_builder_rejects_a_concurrency_or_limit_below_1() {
        // when / then
        assertThatThrownBy(() -> Evaluator.builder().concurrency(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("concurrency");
        assertThatThrownBy(() -> Evaluator.builder().limit(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
    }
}
