package dev.finetuner.validation;

import dev.finetuner.model.TaskType;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Example.PromptCompletion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checks of openai-python's legacy {@code fine_tunes.prepare_data} on prompt/completion data: one
 * finding code at a time, with its severity, line, field, advice and repair.
 */
class ValidatorPrepareDataChecksTest {
    @TempDir
    Path out;

    // ---------------------------------------------------------------- number of examples

    @Test
    void fewer_than_a_hundred_examples_is_a_warning_advising_more_examples() {
        // given
        Dataset dataset = Dataset.of(distinctExamples(12));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("num_examples")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.line()).isZero();
            assertThat(f.message()).contains("12 examples").contains("few hundred");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("add examples"));
        });
        assertThat(report.findings("too_few_examples")).isEmpty();
    }

    @Test
    void a_hundred_examples_is_only_noted() {
        // given
        Dataset dataset = Dataset.of(distinctExamples(100));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("num_examples")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("100 examples");
        });
    }

    @Test
    void fewer_than_ten_examples_is_an_error_that_blocks_training() {
        // given
        Dataset dataset = Dataset.of(distinctExamples(9));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("too_few_examples")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isZero();
            assertThat(f.message()).contains("9").contains("at least 10");
            assertThat(f.fix()).isPresent();
        });
        assertThat(report.findings("num_examples")).isEmpty();
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void exactly_ten_examples_are_enough_to_train() {
        // given
        Dataset dataset = Dataset.of(distinctExamples(10));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("too_few_examples")).isEmpty();
        assertThat(report.findings("num_examples")).singleElement()
                .extracting(Finding::severity).isEqualTo(Severity.WARNING);
    }

    // ---------------------------------------------------------------- empty completions

    @Test
    void an_empty_completion_is_an_error_at_its_line() {
        // given
        Dataset dataset = Dataset.read(fixture("empty_completion.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("empty_completion")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.field()).contains("completion");
            assertThat(f.message()).contains("empty");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("remove"));
            assertThat(f.repair()).contains(Repair.DROP_INVALID);
            assertThat(f.repaired()).isFalse();
        });
        assertThat(report.isReady()).isFalse();
        assertThat(report.errorCount()).isEqualTo(1);
    }

    @Test
    void dropping_invalid_examples_leaves_out_the_empty_completion_and_counts_it() {
        // given
        Validator validator = Validator.builder().repair(Repair.DROP_INVALID).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("empty_completion.jsonl")), out);
        // then
        assertThat(report.findings("empty_completion")).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.repaired()).isTrue();
        });
        assertThat(report.counts().records()).isEqualTo(12);
        assertThat(report.counts().kept()).isEqualTo(11);
        assertThat(report.counts().dropped()).isEqualTo(1);
        assertThat(report.isReady()).isTrue();
        assertThat(promptsIn(report.trainingFile().orElseThrow())).hasSize(11).doesNotContain("Largest planet");
    }

    // ---------------------------------------------------------------- duplicates

    @Test
    void a_repeated_example_is_a_warning_on_each_repeat_naming_the_first_line() {
        // given
        Dataset dataset = Dataset.read(fixture("duplicates.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        List<Finding> duplicates = report.findings("duplicate");
        assertThat(duplicates).extracting(Finding::line).containsExactly(5L, 9L, 11L);
        assertThat(duplicates).allSatisfy(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.repair()).contains(Repair.REMOVE_DUPLICATES);
            assertThat(f.fix()).isPresent();
        });
        assertThat(duplicates).extracting(Finding::message)
                .satisfiesExactly(m -> assertThat(m).contains("line 2"), m -> assertThat(m).contains("line 2"),
                        m -> assertThat(m).contains("line 7"));
    }

    @Test
    void removing_duplicates_drops_exactly_the_repeats_and_keeps_the_first_of_each() {
        // given
        Validator validator = Validator.builder().repair(Repair.REMOVE_DUPLICATES).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("duplicates.jsonl")), out);
        // then
        assertThat(report.counts().kept()).isEqualTo(9);
        assertThat(report.counts().dropped()).isEqualTo(3);
        assertThat(report.findings("duplicate")).hasSize(3).allSatisfy(f -> assertThat(f.repaired()).isTrue());
        assertThat(promptsIn(report.trainingFile().orElseThrow())).doesNotHaveDuplicates().containsExactly(
                "Capital of France", "Colour of a clear sky", "Two plus two", "Largest planet",
                "Boiling point of water in C", "Opposite of hot", "Chemical symbol for gold",
                "Language spoken in Brazil", "Fastest land animal");
    }

    // ---------------------------------------------------------------- extra columns

    @Test
    void keys_other_than_prompt_and_completion_are_a_warning_naming_them() {
        // given
        Dataset dataset = Dataset.read(fixture("extra_columns.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("extra_columns")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("2 example(s)").contains("id").contains("source")
                    .contains("not written");
            assertThat(f.fix()).isPresent();
        });
    }

    @Test
    void extra_keys_are_not_written_to_the_prepared_file() {
        // given
        Validator validator = Validator.standard();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("extra_columns.jsonl")), out);
        // then
        assertThat(Dataset.read(report.trainingFile().orElseThrow()).toList())
                .allSatisfy(e -> assertThat(((PromptCompletion) e).extras()).isEmpty());
    }

    // ---------------------------------------------------------------- upper case

    @Test
    void mostly_upper_case_prompts_are_a_warning_on_the_prompt_column() {
        // given
        Dataset dataset = Dataset.read(fixture("uppercase_prompts.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("uppercase")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.field()).contains("prompt");
            assertThat(f.message()).contains("upper case");
            assertThat(f.repair()).contains(Repair.LOWERCASE);
        });
    }

    @Test
    void a_third_of_letters_upper_case_is_not_yet_too_many() {
        // given: 1 upper-case letter to 2 lower-case ones, in prompts and completions
        Dataset dataset = Dataset.of(IntStream.range(0, 12)
                .mapToObj(i -> PromptCompletion.of("Abc".repeat(i + 1) + " " + i, " Def".repeat(i + 1) + " " + i))
                .toList());
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("uppercase")).isEmpty();
    }

    @Test
    void lower_casing_lower_cases_the_upper_case_prompts() {
        // given
        Validator validator = Validator.builder().repair(Repair.LOWERCASE).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("uppercase_prompts.jsonl")), out);
        // then
        assertThat(report.findings("uppercase")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(promptsIn(report.trainingFile().orElseThrow())).contains("capital of france")
                .allSatisfy(p -> assertThat(p).isLowerCase());
    }

    // ---------------------------------------------------------------- prompt separator

    @Test
    void prompts_sharing_a_separator_are_noted_and_the_report_gives_it() {
        // given
        Dataset dataset = Dataset.read(fixture("separator.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("prompt_suffix")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("`\\n\\n###\\n\\n`");
        });
        assertThat(report.findings("missing_separator")).isEmpty();
        assertThat(report.separator()).contains("\n\n###\n\n");
    }

    @Test
    void prompts_without_a_common_separator_are_a_warning_suggesting_the_arrow() {
        // given
        Dataset dataset = Dataset.read(fixture("no_separator.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("missing_separator")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.line()).isZero();
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("` ->`"));
            assertThat(f.repair()).contains(Repair.ADD_SEPARATOR);
            assertThat(f.repaired()).isFalse();
        });
        assertThat(report.separator()).isEmpty();
    }

    @Test
    void adding_a_separator_appends_the_arrow_to_every_prompt() {
        // given
        Validator validator = Validator.builder().repair(Repair.ADD_SEPARATOR).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("no_separator.jsonl")), out);
        // then
        assertThat(report.separator()).contains(" ->");
        assertThat(report.findings("missing_separator")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(promptsIn(report.trainingFile().orElseThrow())).hasSize(12).contains("Capital of France ->")
                .allSatisfy(p -> assertThat(p).endsWith(" ->"));
    }

    @Test
    void the_added_separator_skips_the_arrow_when_a_prompt_has_a_newline_and_any_separator_a_prompt_contains() {
        // given: one prompt has a newline, another contains "\n\n###\n\n"
        Validator validator = Validator.builder().repair(Repair.ADD_SEPARATOR).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("no_separator_newlines.jsonl")), out);
        // then
        assertThat(report.separator()).contains("\n\n===\n\n");
        assertThat(promptsIn(report.trainingFile().orElseThrow()))
                .allSatisfy(p -> assertThat(p).endsWith("\n\n===\n\n"));
    }

    @Test
    void identical_prompts_are_an_error() {
        // given
        Dataset dataset = Dataset.read(fixture("identical_prompts.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("identical_prompts")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("`Tell me a fact`");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("open-ended"));
        });
        assertThat(report.findings("missing_separator")).isEmpty();
        assertThat(report.isReady()).isFalse();
    }

    // ---------------------------------------------------------------- prefixes

    @Test
    void a_long_common_prompt_prefix_is_a_warning_that_the_instruction_is_not_needed() {
        // given
        Dataset dataset = Dataset.read(fixture("long_prompt_prefix.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("prompt_prefix")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("`Classify the sentiment of this review: `");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("remove the prefix"));
            assertThat(f.repair()).contains(Repair.REMOVE_PROMPT_PREFIX);
        });
    }

    @Test
    void removing_the_prompt_prefix_strips_it_from_every_prompt() {
        // given
        Validator validator = Validator.builder().repair(Repair.REMOVE_PROMPT_PREFIX).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("long_prompt_prefix.jsonl")), out);
        // then
        assertThat(report.findings("prompt_prefix")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(promptsIn(report.trainingFile().orElseThrow())).hasSize(12)
                .contains("Great food and friendly staff ->")
                .noneSatisfy(p -> assertThat(p).startsWith("Classify"));
    }

    @Test
    void a_short_common_prompt_prefix_is_only_noted() {
        // given
        Dataset dataset = Dataset.read(fixture("short_prompt_prefix.jsonl"));
        // when
        ValidationReport report = Validator.builder().repair(Repair.ALL).build().validate(dataset);
        // then
        assertThat(report.findings("prompt_prefix")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("`Q: `");
            assertThat(f.repair()).isEmpty();
        });
    }

    @Test
    void lower_casing_and_removing_the_prompt_prefix_together_still_remove_the_prefix() {
        // given: prompts in capitals that all start with the same instruction
        Dataset dataset = Dataset.of(IntStream.range(0, 12)
                .mapToObj(i -> PromptCompletion.of("CLASSIFY THIS REVIEW: " + (char) ('A' + i) + "MAZING PLACE " + i,
                        i % 2 == 0 ? " positive" : " negative"))
                .toList());
        Validator validator = Validator.builder().repair(Repair.LOWERCASE, Repair.REMOVE_PROMPT_PREFIX).build();
        // when
        ValidationReport report = validator.prepare(dataset, out);
        // then
        assertThat(report.findings("prompt_prefix")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(promptsIn(report.trainingFile().orElseThrow())).hasSize(12).contains("amazing place 0")
                .noneSatisfy(p -> assertThat(p).startsWithIgnoringCase("classify"));
    }

    @Test
    void lower_casing_and_removing_the_completion_prefix_together_still_remove_the_prefix() {
        // given: completions in capitals that all start with " ANSWER: "
        Dataset dataset = Dataset.of(IntStream.range(0, 12)
                .mapToObj(i -> PromptCompletion.of("Review number " + i + " ->", i % 2 == 0 ? " ANSWER: GOOD" : " ANSWER: BAD"))
                .toList());
        Validator validator = Validator.builder().repair(Repair.LOWERCASE, Repair.REMOVE_COMPLETION_PREFIX).build();
        // when
        ValidationReport report = validator.prepare(dataset, out);
        // then
        assertThat(report.findings("completion_prefix")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(completionsIn(report.trainingFile().orElseThrow())).containsOnly(" good", " bad");
    }

    @Test
    void a_common_completion_prefix_of_five_characters_or_more_is_a_warning() {
        // given: every completion starts with " Answer:"
        Dataset dataset = Dataset.read(fixture("completion_prefix.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("completion_prefix")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("` Answer: `");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("remove the prefix"));
            assertThat(f.repair()).contains(Repair.REMOVE_COMPLETION_PREFIX);
        });
    }

    @Test
    void a_common_completion_prefix_of_four_characters_is_fine() {
        // given: every completion starts with " A: "
        Dataset dataset = Dataset.read(fixture("short_completion_prefix.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("completion_prefix")).isEmpty();
    }

    @Test
    void removing_the_completion_prefix_keeps_the_leading_space() {
        // given
        Validator validator = Validator.builder().repair(Repair.REMOVE_COMPLETION_PREFIX).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("completion_prefix.jsonl")), out);
        // then
        assertThat(completionsIn(report.trainingFile().orElseThrow())).hasSize(12)
                .contains(" Paris", " blue", " Jupiter");
    }

    // ---------------------------------------------------------------- stop sequence

    @Test
    void completions_sharing_an_ending_are_noted_and_the_report_gives_the_stop_sequence() {
        // given
        Dataset dataset = Dataset.read(fixture("stop_sequence.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("completion_suffix")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("`\\n`");
        });
        assertThat(report.findings("missing_stop_sequence")).isEmpty();
        assertThat(report.stopSequence()).contains("\n");
    }

    @Test
    void completions_without_a_common_ending_are_a_warning_suggesting_a_newline() {
        // given
        Dataset dataset = Dataset.read(fixture("no_separator.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("missing_stop_sequence")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("`\\n`").contains("stop"));
            assertThat(f.repair()).contains(Repair.ADD_STOP_SEQUENCE);
        });
        assertThat(report.stopSequence()).isEmpty();
    }

    @Test
    void adding_a_stop_sequence_skips_the_candidates_a_completion_contains() {
        // given: one completion contains ".", another "\n"
        Validator validator = Validator.builder().repair(Repair.ADD_STOP_SEQUENCE).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("no_stop_sequence_newlines.jsonl")), out);
        // then
        assertThat(report.stopSequence()).contains(" END");
        assertThat(report.findings("missing_stop_sequence")).singleElement().extracting(Finding::repaired)
                .isEqualTo(true);
        assertThat(completionsIn(report.trainingFile().orElseThrow())).hasSize(12).contains(" Paris. END")
                .allSatisfy(c -> assertThat(c).endsWith(" END"));
    }

    @Test
    void classification_data_is_not_asked_for_a_stop_sequence() {
        // given
        Validator validator = Validator.builder().repair(Repair.ADD_STOP_SEQUENCE).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("classification.jsonl")), out);
        // then
        assertThat(report.findings("missing_stop_sequence")).isEmpty();
        assertThat(report.findings("completion_suffix")).isEmpty();
        assertThat(report.stopSequence()).isEmpty();
        assertThat(completionsIn(report.trainingFile().orElseThrow())).containsOnly(" positive", " negative");
    }

    @Test
    void identical_completions_are_an_error() {
        // given: three examples, too few to be classification, with one completion
        Dataset dataset = Dataset.read(fixture("identical_completions.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("identical_completions")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("` yes`");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("differ"));
        });
    }

    // ---------------------------------------------------------------- leading space

    @Test
    void completions_not_starting_with_a_space_are_a_warning() {
        // given
        Dataset dataset = Dataset.read(fixture("no_leading_space.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("completion_space_start")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("space");
            assertThat(f.fix()).isPresent();
            assertThat(f.repair()).contains(Repair.ADD_LEADING_SPACE);
        });
    }

    @Test
    void completions_all_starting_with_a_space_raise_nothing() {
        // given
        Dataset dataset = Dataset.read(fixture("no_separator.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("completion_space_start")).isEmpty();
    }

    @Test
    void adding_a_leading_space_starts_every_completion_with_one_space() {
        // given
        Validator validator = Validator.builder().repair(Repair.ADD_LEADING_SPACE).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("no_leading_space.jsonl")), out);
        // then
        assertThat(report.counts().repaired()).isEqualTo(12);
        assertThat(completionsIn(report.trainingFile().orElseThrow())).hasSize(12).contains(" Paris")
                .allSatisfy(c -> assertThat(c).startsWith(" ").doesNotStartWith("  "));
    }

    // ---------------------------------------------------------------- task type

    @Test
    void few_distinct_completions_look_like_classification_with_the_class_count_and_positive_class() {
        // given: 8 " positive", 4 " negative"
        Dataset dataset = Dataset.read(fixture("classification.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.task()).isEqualTo(TaskType.CLASSIFICATION);
        assertThat(report.classes()).containsExactly(Map.entry("positive", 8L), Map.entry("negative", 4L));
        assertThat(report.findings("task_type")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("classification").contains("2 classes")
                    .contains("positive class").contains("`positive`");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("babbage-002").contains("validation"));
        });
    }

    @Test
    void distinct_completions_in_at_least_a_third_of_the_examples_are_conditional_generation() {
        // given: 12 examples, 4 distinct completions (not fewer than 12 / 3)
        Dataset dataset = Dataset.of(IntStream.range(0, 12)
                .mapToObj(i -> PromptCompletion.of("Question " + i + " about topic " + (char) ('a' + i), " answer " + (i % 4)))
                .toList());
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.task()).isEqualTo(TaskType.CONDITIONAL_GENERATION);
        assertThat(report.classes()).isEmpty();
        assertThat(report.findings("task_type")).singleElement().extracting(Finding::message)
                .asString().contains("conditional generation");
    }

    @Test
    void empty_prompts_are_open_ended_generation_with_no_separator_or_stop_sequence_advice() {
        // given
        Dataset dataset = Dataset.read(fixture("open_ended.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.task()).isEqualTo(TaskType.OPEN_ENDED_GENERATION);
        assertThat(report.findings("task_type")).singleElement().extracting(Finding::message)
                .asString().contains("open ended generation");
        assertThat(report.findings("missing_separator")).isEmpty();
        assertThat(report.findings("identical_prompts")).isEmpty();
        assertThat(report.findings("missing_stop_sequence")).isEmpty();
        assertThat(report.separator()).isEmpty();
    }

    @Test
    void a_class_ten_times_rarer_than_the_largest_is_a_balance_warning() {
        // given: 23 " yes" and 2 " no"
        Dataset dataset = Dataset.of(IntStream.range(0, 25)
                .mapToObj(i -> PromptCompletion.of("Is item " + i + " in stock", i < 23 ? " yes" : " no"))
                .toList());
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("class_balance")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("`yes` has 23").contains("`no` only 2");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("rare classes"));
        });
    }

    @Test
    void a_nine_to_one_split_is_a_balance_warning_with_each_share_and_eight_to_one_is_not() {
        // given: 90 " yes" and 10 " no"; then 88 and 11
        Dataset nineToOne = Dataset.of(IntStream.range(0, 100)
                .mapToObj(i -> PromptCompletion.of("Is item " + i + " in stock", i < 90 ? " yes" : " no")).toList());
        Dataset eightToOne = Dataset.of(IntStream.range(0, 99)
                .mapToObj(i -> PromptCompletion.of("Is item " + i + " in stock", i < 88 ? " yes" : " no")).toList());
        // when
        ValidationReport warned = Validator.standard().validate(nineToOne);
        ValidationReport fine = Validator.standard().validate(eightToOne);
        // then
        assertThat(warned.findings("class_balance")).singleElement().extracting(Finding::message).asString()
                .contains("`yes` has 90 examples (90.0%)").contains("`no` only 10 (10.0%)");
        assertThat(warned.toText()).contains("classes: 2 [`yes` 90 (90.0%), `no` 10 (10.0%)]");
        assertThat(fine.findings("class_balance")).isEmpty();
    }

    @Test
    void a_whitespace_only_completion_is_empty_and_the_finding_says_why() {
        // given
        Dataset dataset = Dataset.of(PromptCompletion.of("Printer offline ->", " \n "), PromptCompletion.of("VPN ->", ""));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("empty_completion")).extracting(Finding::message)
                .containsExactly("the completion is only whitespace, so it is empty", "the completion is empty");
    }

    private static Validator.Output collecting(List<Example> into) {
        return new Validator.Output() {
            @Override
            public void training(Example example) {
                into.add(example);
            }

            @Override
            public void validation(Example example) {
                into.add(example);
            }
        };
    }

    /** 100 tickets: 89 prompts end with " ->" and 11 do not; 80 completions end with "\n" and 20 do not. */
    private static Dataset mostlySeparated() {
        return Dataset.of(IntStream.range(0, 100).mapToObj(i -> PromptCompletion.of(
                "ticket " + i + " about the printer on floor " + (i % 9) + (i < 89 ? " ->" : ""),
                " answer number " + i + (i < 80 ? "\n" : ""))).toList());
    }

    @Test
    void the_recommended_repair_completes_the_separator_and_stop_most_examples_use() {
        // when
        List<Example> written = new java.util.ArrayList<>();
        ValidationReport report = Validator.builder().repair(Repair.RECOMMENDED).build()
                .validate(mostlySeparated(), collecting(written));
        // then: ` ->` is added where it is missing, never after an existing one; the same for "\n"
        assertThat(written).hasSize(100).allSatisfy(e -> {
            PromptCompletion pc = (PromptCompletion) e;
            assertThat(pc.prompt()).endsWith(" ->").doesNotEndWith(" -> ->").doesNotContain("###");
            assertThat(pc.completion()).endsWith("\n").doesNotEndWith("\n\n");
        });
        assertThat(report.separator()).contains(" ->");
        assertThat(report.stopSequence()).contains("\n");
        assertThat(report.findings("missing_separator")).singleElement().satisfies(f -> {
            assertThat(f.message()).isEqualTo("89.0% of the prompts end with the separator ` ->`; 11 do not");
            assertThat(f.repaired()).isTrue();
        });
        assertThat(report.findings("missing_stop_sequence")).singleElement().extracting(Finding::message).asString()
                .startsWith("80.0% of the completions end with the stop sequence");
        assertThat(report.counts().repaired()).as("examples 80 to 99; 89 to 99 lack both").isEqualTo(20);
    }

    @Test
    void like_prepare_data_appends_a_new_separator_and_stop_to_every_example_as_prepare_data_does() {
        // when
        List<Example> written = new java.util.ArrayList<>();
        ValidationReport report = Validator.builder().repair(Repair.PREPARE_DATA).build()
                .validate(mostlySeparated(), collecting(written));
        // then
        PromptCompletion first = (PromptCompletion) written.get(0);
        PromptCompletion last = (PromptCompletion) written.get(99);
        assertThat(first.prompt()).endsWith(" ->\n\n###\n\n");
        assertThat(last.prompt()).endsWith(" 0\n\n###\n\n");
        assertThat(report.separator()).contains("\n\n###\n\n");
        assertThat(report.findings("missing_separator")).singleElement().extracting(Finding::message).asString()
                .startsWith("the prompts do not end with a common separator");
    }

    @Test
    void a_period_most_answers_end_with_is_not_taken_for_a_stop_sequence() {
        // given: every answer but one ends with a period
        Dataset dataset = Dataset.of(IntStream.range(0, 20).mapToObj(i -> PromptCompletion.of("question " + i + " ->",
                " Restart it" + (i == 0 ? "" : ".") + " Then wait " + i + " minutes" + (i == 0 ? "" : "."))).toList());
        // when
        ValidationReport report = Validator.builder().repair(Repair.RECOMMENDED).build().validate(dataset);
        // then: a new stop is suggested rather than a period completed
        assertThat(report.findings("missing_stop_sequence")).singleElement().extracting(Finding::message).asString()
                .startsWith("the completions do not end with a common ending");
        assertThat(report.stopSequence()).isNotEqualTo(java.util.Optional.of("."));
    }

    @Test
    void classes_within_a_factor_of_ten_raise_no_balance_warning() {
        // given
        Dataset dataset = Dataset.read(fixture("classification.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("class_balance")).isEmpty();
    }

    // ---------------------------------------------------------------- length

    @Test
    void an_example_longer_than_the_model_context_is_an_error_at_its_line() {
        // given: an unknown model, so a 4096-token context, and one example of about 5000 tokens
        Dataset dataset = Dataset.of(withLongExampleAt(3));
        Validator validator = Validator.builder().model("acme-completion-model").build();
        // when
        ValidationReport report = validator.validate(dataset);
        // then
        assertThat(report.model().contextTokens()).isEqualTo(4096);
        assertThat(report.findings("too_long")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.message()).contains("4096").contains("acme-completion-model");
            assertThat(f.fix()).isPresent();
            assertThat(f.repair()).contains(Repair.DROP_LONG);
        });
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void dropping_long_examples_leaves_the_long_one_out() {
        // given
        Dataset dataset = Dataset.of(withLongExampleAt(3));
        Validator validator = Validator.builder().model("acme-completion-model").repair(Repair.DROP_LONG).build();
        // when
        ValidationReport report = validator.validate(dataset);
        // then
        assertThat(report.findings("too_long")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(report.counts().kept()).isEqualTo(11);
        assertThat(report.counts().dropped()).isEqualTo(1);
        assertThat(report.tokens().maxPerExample()).isLessThanOrEqualTo(4096);
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void an_example_within_the_context_of_a_known_model_is_not_too_long() {
        // given: the same long example, checked against davinci-002's 16,384 tokens
        Dataset dataset = Dataset.of(withLongExampleAt(3));
        Validator validator = Validator.builder().model("davinci-002").build();
        // when
        ValidationReport report = validator.validate(dataset);
        // then
        assertThat(report.findings("too_long")).isEmpty();
        assertThat(report.tokens().maxPerExample()).isGreaterThan(4096);
    }

    // ---------------------------------------------------------------- helpers

    private static Path fixture(String name) {
        try {
            return Path.of(ValidatorPrepareDataChecksTest.class
                    .getResource("/ValidatorPrepareDataChecksTest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** n examples with distinct prompts, distinct completions, a separator and a stop sequence. */
    private static List<Example> distinctExamples(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> (Example) new PromptCompletion(i + 1, "Translate number " + i + " ->",
                        " number " + i + " in words\n", Map.of()))
                .toList();
    }

    /** 12 examples on lines 1..12, the one on {@code line} about 5000 tokens long. */
    private static List<Example> withLongExampleAt(int line) {
        return IntStream.rangeClosed(1, 12)
                .mapToObj(i -> (Example) new PromptCompletion(i, "Summarise text " + i + " ->",
                        i == line ? " " + "lorem ipsum ".repeat(2500) + "\n" : " summary " + i + "\n", Map.of()))
                .toList();
    }

    private static List<String> promptsIn(Path file) {
        return Dataset.read(file).toList().stream().map(e -> ((PromptCompletion) e).prompt()).toList();
    }

    private static List<String> completionsIn(Path file) {
        return Dataset.read(file).toList().stream().map(e -> ((PromptCompletion) e).completion()).toList();
    }
}
