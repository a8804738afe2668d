package dev.finetuner.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A seeded, exact, stratified train/validation {@link Split}. */
class SplitTest {
    private static final Function<Example, String> ONE_STRATUM = e -> "all";

    @Test
    void a_stratified_split_puts_exactly_the_rounded_fraction_of_each_class_in_validation() {
        // given: 10 "yes", 30 "no" and 3 "maybe", interleaved; a quarter is 2.5, 7.5 and 0.75
        List<Example> examples = classified(Map.of("yes", 10, "no", 30, "maybe", 3));
        // when
        Split.Result result = Split.of(0.25, 42).apply(examples, Split::completionClass);
        // then
        assertThat(countByClass(result.validation())).containsOnly(
                Map.entry("yes", 3L), Map.entry("no", 8L), Map.entry("maybe", 1L));
        assertThat(countByClass(result.training())).containsOnly(
                Map.entry("yes", 7L), Map.entry("no", 22L), Map.entry("maybe", 2L));
    }

    @Test
    void training_and_validation_together_hold_every_example_once_each_in_source_order() {
        // given
        List<Example> examples = classified(Map.of("yes", 20, "no", 25));
        // when
        Split.Result result = Split.of(0.3, 7).apply(examples, Split::completionClass);
        // then
        assertThat(result.training()).isSubsetOf(examples).doesNotHaveDuplicates()
                .isSortedAccordingTo((a, b) -> Long.compare(a.line(), b.line()));
        assertThat(result.validation()).isSubsetOf(examples).doesNotHaveDuplicates()
                .isSortedAccordingTo((a, b) -> Long.compare(a.line(), b.line()));
        assertThat(result.training()).doesNotContainAnyElementsOf(result.validation());
        assertThat(result.training().size() + result.validation().size()).isEqualTo(examples.size());
    }

    @Test
    void the_same_seed_gives_the_same_split() {
        // given
        List<Example> examples = classified(Map.of("yes", 50, "no", 50));
        Split split = Split.of(0.2, 1234);
        Split.Result first = split.apply(examples, Split::completionClass);
        // when
        Split.Result second = Split.of(0.2, 1234).apply(examples, Split::completionClass);
        // then
        assertThat(second).isEqualTo(first);
    }

    @Test
    void a_different_seed_gives_a_different_split_of_the_same_size() {
        // given
        List<Example> examples = classified(Map.of("yes", 50, "no", 50));
        Split.Result first = Split.of(0.2, 1).apply(examples, Split::completionClass);
        // when
        Split.Result second = Split.of(0.2, 2).apply(examples, Split::completionClass);
        // then
        assertThat(second.validation()).hasSameSizeAs(first.validation()).isNotEqualTo(first.validation());
    }

    @Test
    void a_fraction_of_zero_puts_every_example_in_training() {
        // given
        List<Example> examples = classified(Map.of("yes", 5, "no", 5));
        // when
        Split.Result result = Split.of(0, 42).apply(examples, Split::completionClass);
        // then
        assertThat(result.training()).containsExactlyElementsOf(examples);
        assertThat(result.validation()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
    void a_fraction_outside_zero_to_below_one_is_rejected(double fraction) {
        // when / then
        assertThatThrownBy(() -> Split.of(fraction, 42))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)");
    }

    @Test
    void an_unstratified_split_takes_the_rounded_fraction_of_the_whole_dataset() {
        // given: 9 examples, a third is 3
        List<Example> examples = classified(Map.of("yes", 4, "no", 5));
        // when
        Split.Result result = Split.of(1.0 / 3, 42).apply(examples, ONE_STRATUM);
        // then
        assertThat(result.validation()).hasSize(3);
        assertThat(result.training()).hasSize(6);
    }

    @Test
    void the_streaming_assigner_chooses_the_same_examples_as_a_split_in_memory() {
        // given: per-class counts from a first pass
        List<Example> examples = classified(Map.of("yes", 13, "no", 21));
        Map<String, Long> counts = new LinkedHashMap<>();
        examples.forEach(e -> counts.merge(Split.completionClass(e), 1L, Long::sum));
        Split split = Split.of(0.2, 99);
        // when
        Split.Assigner assigner = split.assigner(counts);
        List<Example> validation = examples.stream().filter(e -> assigner.toValidation(Split.completionClass(e))).toList();
        // then
        assertThat(validation).isEqualTo(split.apply(examples, Split::completionClass).validation());
    }

    @Test
    void the_class_of_a_chat_example_is_its_last_assistant_answer_trimmed() {
        // given
        Example chat = Example.Chat.of(Message.user("Is it spam?"), Message.assistant("maybe"),
                Message.user("Sure?"), Message.assistant(" yes\n"));
        // when
        String stratum = Split.completionClass(chat);
        // then
        assertThat(stratum).isEqualTo("yes");
    }

    // ---------------------------------------------------------------------------------------------

    /** Prompt/completion examples on lines 1..n, the classes dealt round-robin until each is used up. */
    private static List<Example> classified(Map<String, Integer> counts) {
        Map<String, Integer> left = new TreeMap<>(counts);
        List<Example> out = new ArrayList<>();
        while (left.values().stream().anyMatch(n -> n > 0)) {
            for (var e : left.entrySet()) {
                if (e.getValue() > 0) {
                    out.add(new Example.PromptCompletion(out.size() + 1, "ticket " + (out.size() + 1), " " + e.getKey(),
                            Map.of()));
                    e.setValue(e.getValue() - 1);
                }
            }
        }
        return out;
    }

    private static Map<String, Long> countByClass(List<Example> examples) {
        Map<String, Long> counts = new LinkedHashMap<>();
        examples.forEach(e -> counts.merge(Split.completionClass(e), 1L, Long::sum));
        return counts;
    }
}
