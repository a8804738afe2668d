package dev.finetuner.validation;

import dev.finetuner.model.TaskType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Example.PromptCompletion;
import dev.finetuner.model.TokenEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * What a {@link ValidationReport} tells its reader: counts that account for every record, readiness,
 * findings in line order, JSON and text renderings, user checks, disabled checks and the prepared files.
 */
class ValidatorReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    // ---------------------------------------------------------------- counts

    @Test
    void a_clean_file_keeps_every_record() {
        // given
        Dataset dataset = Dataset.read(fixture("questions.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertCountsAddUp(report);
        assertThat(report.counts()).extracting("records", "unreadable", "kept", "repaired", "dropped", "training",
                "validation").containsExactly(12L, 0L, 12L, 0L, 0L, 12L, 0L);
    }

    @Test
    void unreadable_records_are_counted_and_dropped_without_repairs() {
        // given: 15 lines, line 4 broken JSON, line 7 a string, line 9 an empty completion, line 11 a repeat
        Dataset dataset = Dataset.read(fixture("mixed_problems.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertCountsAddUp(report);
        assertThat(report.counts()).extracting("records", "unreadable", "kept", "dropped")
                .containsExactly(15L, 2L, 13L, 2L);
        assertThat(report.findings()).filteredOn(Finding::blocking).extracting(Finding::code, Finding::line)
                .containsExactly(tuple("invalid_json", 4L),
                        tuple("data_type", 7L),
                        tuple("empty_completion", 9L));
    }

    @Test
    void recommended_repairs_drop_the_unreadable_invalid_and_repeated_records_and_count_them() {
        // given
        Validator validator = Validator.builder().repair(Repair.RECOMMENDED).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("mixed_problems.jsonl")));
        // then
        assertCountsAddUp(report);
        assertThat(report.counts()).extracting("records", "unreadable", "kept", "dropped")
                .containsExactly(15L, 2L, 11L, 4L);
        assertThat(report.counts().repaired()).isEqualTo(11); // every kept one gets a separator and a stop sequence
        assertThat(report.isReady()).isTrue();
        assertThat(report.errorCount()).isZero();
    }

    @Test
    void a_line_with_two_bad_fields_is_one_unreadable_record() {
        // given: 13 lines; line 5 has an object prompt and an array completion
        Dataset dataset = Dataset.read(fixture("two_bad_fields.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertCountsAddUp(report);
        assertThat(report.counts().records()).isEqualTo(13);
        assertThat(report.counts().unreadable()).isEqualTo(1);
        assertThat(report.counts().kept()).isEqualTo(12);
        assertThat(report.counts().dropped()).isEqualTo(1);
    }

    @Test
    void a_split_holds_the_asked_share_of_the_kept_examples() {
        // given
        Validator validator = Validator.builder().validationFraction(0.25).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("questions.jsonl")));
        // then
        assertCountsAddUp(report);
        assertThat(report.counts().training()).isEqualTo(9);
        assertThat(report.counts().validation()).isEqualTo(3);
    }

    @Test
    void the_tokens_line_says_which_count_is_the_whole_set_and_which_the_billed_training_split() {
        // given
        Dataset dataset = Dataset.read(fixture("questions.jsonl"));
        // when
        ValidationReport whole = Validator.standard().validate(dataset);
        ValidationReport split = Validator.builder().validationFraction(0.25).build().validate(dataset);
        // then
        assertThat(whole.toText()).contains(String.format("tokens: %,d in the 12 kept examples, billed per epoch",
                whole.tokens().total()));
        assertThat(split.tokens().training()).isLessThan(split.tokens().total());
        assertThat(split.toText()).contains(String.format("tokens: %,d in all 12 kept examples; %,d in the 9"
                + " training examples, billed per epoch", split.tokens().total(), split.tokens().training()));
        assertThat(split.estimate().orElseThrow().tokensPerEpoch()).isEqualTo(split.tokens().training());
    }

    @Test
    void a_split_holds_the_asked_share_of_the_kept_examples_when_repairs_drop_repeated_invalid_lines() {
        // given: 20 good examples and 4 identical examples with an empty completion
        List<Example> examples = new ArrayList<>();
        IntStream.rangeClosed(1, 20).forEach(i -> examples.add(new PromptCompletion(i,
                "Spell the number " + i + " ->", " number " + i + "\n", Map.of())));
        IntStream.rangeClosed(21, 24).forEach(i -> examples.add(new PromptCompletion(i, "Spell nothing ->", "", Map.of())));
        Validator validator = Validator.builder().repair(Repair.RECOMMENDED).validationFraction(0.5).build();
        // when
        ValidationReport report = validator.validate(Dataset.of(examples));
        // then
        assertCountsAddUp(report);
        assertThat(report.counts().kept()).isEqualTo(20);
        assertThat(report.counts().validation()).isEqualTo(10);
        assertThat(report.counts().training()).isEqualTo(10);
    }

    // ---------------------------------------------------------------- readiness

    @Test
    void a_report_without_errors_is_ready() {
        // given
        Dataset dataset = Dataset.read(fixture("questions.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.isReady()).isTrue();
        assertThat(report.errorCount()).isZero();
        assertThat(report.findings()).noneMatch(Finding::blocking);
    }

    @Test
    void an_unrepaired_error_makes_the_report_not_ready_and_is_counted() {
        // given
        Dataset dataset = Dataset.read(fixture("mixed_problems.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.isReady()).isFalse();
        assertThat(report.errorCount()).isEqualTo(3);
    }

    @Test
    void an_empty_file_is_not_ready() throws IOException {
        // given
        Path empty = Files.writeString(out.resolve("empty.jsonl"), "");
        // when
        ValidationReport report = Validator.standard().validate(Dataset.read(empty));
        // then
        assertCountsAddUp(report);
        assertThat(report.counts().records()).isZero();
        assertThat(report.exampleFormat()).isEqualTo("none");
        assertThat(report.findings()).extracting(Finding::code).contains("empty_file");
        assertThat(report.isReady()).isFalse();
        assertThat(report.estimate()).isEmpty();
    }

    @Test
    void the_error_count_includes_errors_beyond_the_listed_ones() {
        // given: 15 empty completions, at most 5 listed
        Dataset dataset = Dataset.of(IntStream.rangeClosed(1, 30)
                .mapToObj(i -> (Example) new PromptCompletion(i, "Question " + i + " ->", i % 2 == 0 ? "" : " answer " + i + "\n", Map.of()))
                .toList());
        Validator validator = Validator.builder().maxFindingsPerCode(5).build();
        // when
        ValidationReport report = validator.validate(dataset);
        // then
        assertThat(report.findings("empty_completion")).hasSize(5)
                .extracting(Finding::line).containsExactly(2L, 4L, 6L, 8L, 10L);
        assertThat(report.findingCounts()).containsEntry("empty_completion", 15L);
        assertThat(report.errorCount()).isEqualTo(15);
        assertThat(report.toText()).contains("and 10 more");
    }

    // ---------------------------------------------------------------- order and renderings

    @Test
    void findings_are_sorted_by_line_with_dataset_findings_first() {
        // given
        Dataset dataset = Dataset.read(fixture("mixed_problems.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings()).isSortedAccordingTo(Comparator.comparingLong(Finding::line));
        assertThat(report.findings().get(0).line()).isZero();
        assertThat(report.findings()).extracting(Finding::line).contains(4L, 7L, 9L, 11L);
    }

    @Test
    void the_json_report_parses_and_has_the_summary_and_every_listed_finding() throws IOException {
        // given
        Dataset dataset = Dataset.read(fixture("mixed_problems.jsonl"));
        ValidationReport report = Validator.standard().validate(dataset);
        // when
        JsonNode json = JSON.readTree(report.toJson());
        // then
        assertThat(json.get("ready").asBoolean()).isFalse();
        assertThat(json.get("format").asText()).isEqualTo("jsonl");
        assertThat(json.get("exampleFormat").asText()).isEqualTo("prompt_completion");
        assertThat(json.get("model").asText()).isEqualTo("davinci-002");
        assertThat(json.get("task").asText()).isEqualTo("conditional_generation");
        assertThat(json.get("examples").asLong()).isEqualTo(15);
        assertThat(json.get("kept").asLong()).isEqualTo(13);
        assertThat(json.get("dropped").asLong()).isEqualTo(2);
        assertThat(json.get("tokens").get("total").asLong()).isEqualTo(report.tokens().total()).isPositive();
        assertThat(json.get("estimatedCostUsd").decimalValue())
                .isEqualByComparingTo(report.estimate().orElseThrow().usd().orElseThrow());
        assertThat(json.get("findings")).hasSize(report.findings().size());
        JsonNode first = json.get("findings").get(report.findings().size() - 1);
        Finding last = report.findings().get(report.findings().size() - 1);
        assertThat(first.get("code").asText()).isEqualTo(last.code());
        assertThat(first.get("severity").asText()).isEqualTo(last.severity().name().toLowerCase());
        assertThat(first.get("line").asLong()).isEqualTo(last.line());
        assertThat(first.get("message").asText()).isEqualTo(last.message());
        List<String> codesAndLines = new ArrayList<>();
        json.get("findings").forEach(f -> codesAndLines.add(f.get("code").asText() + "@" + f.get("line").asLong()));
        assertThat(codesAndLines).contains("invalid_json@4", "data_type@7", "empty_completion@9", "duplicate@11");
    }

    @Test
    void the_json_report_has_a_null_cost_when_the_price_is_unknown() throws IOException {
        // given
        Dataset dataset = Dataset.read(fixture("questions.jsonl"));
        ValidationReport report = Validator.builder().model("acme-completion-model").build().validate(dataset);
        // when
        JsonNode json = JSON.readTree(report.toJson());
        // then
        assertThat(json.get("estimatedCostUsd").isNull()).isTrue();
        assertThat(json.get("epochs").asInt()).isEqualTo(8); // 100 / 12 examples, the "auto" rule
    }

    @Test
    void the_text_report_names_the_line_of_every_finding_and_what_to_do() {
        // given
        ValidationReport report = Validator.standard().validate(Dataset.read(fixture("mixed_problems.jsonl")));
        // when
        String text = report.toText();
        // then
        assertThat(text).contains("15 records: 13 kept (0 repaired), 2 dropped");
        for (Finding f : report.findings()) {
            assertThat(text).contains(f.location() + " [" + f.code() + "]");
        }
        assertThat(text).contains("line 4", "line 7", "line 9", "line 11")
                .contains("fix: write the answer, or remove the example")
                .contains("Not ready: 3 error(s)");
    }

    @Test
    void the_token_total_is_what_the_model_encoding_counts_for_the_kept_examples() {
        // given
        Dataset dataset = Dataset.read(fixture("questions.jsonl"));
        TokenCounter counter = TokenCounter.of(TokenEncoding.CL100K_BASE);
        long expected = dataset.toList().stream().mapToLong(counter::count).sum();
        // when
        ValidationReport report = Validator.builder().model("davinci-002").build().validate(dataset);
        // then
        assertThat(report.tokens().total()).isEqualTo(expected);
        assertThat(report.tokens().training()).isEqualTo(expected);
        assertThat(report.estimate()).hasValueSatisfying(e -> {
            assertThat(e.tokensPerEpoch()).isEqualTo(expected);
            assertThat(e.epochs()).isEqualTo(8); // 100 / 12 examples, the "auto" rule
            assertThat(e.billedTokens()).isEqualTo(expected * 8);
        });
    }

    // ---------------------------------------------------------------- user checks and disabled checks

    @Test
    void a_user_check_sees_every_kept_example_and_its_findings_are_reported() {
        // given: a check that flags prompts mentioning gold and counts what it saw
        List<Long> seen = new ArrayList<>();
        List<Integer> completed = new ArrayList<>();
        Validator validator = Validator.builder().repair(Repair.RECOMMENDED).check(() -> new Check() {
            @Override
            public void inspect(Example example, Consumer<Finding> findings) {
                seen.add(example.line());
                if (((PromptCompletion) example).prompt().contains("gold")) {
                    findings.accept(Finding.at(example.line(), "mentions_gold", Severity.WARNING, "prompt",
                            "the prompt mentions gold", "keep prices out of quiz questions"));
                }
            }

            @Override
            public void complete(Consumer<Finding> findings) {
                completed.add(seen.size());
                findings.accept(Finding.dataset("saw", Severity.INFO, "saw " + seen.size() + " examples", null));
            }
        }).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("mixed_problems.jsonl")));
        // then
        assertThat(seen).containsExactly(1L, 2L, 3L, 5L, 6L, 8L, 10L, 12L, 13L, 14L, 15L);
        assertThat(completed).containsExactly(11);
        assertThat(report.findings("mentions_gold")).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(12);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
        });
        assertThat(report.findings("saw")).singleElement().extracting(Finding::message).isEqualTo("saw 11 examples");
    }

    @Test
    void a_user_check_sees_the_repaired_examples() {
        // given
        List<String> prompts = new ArrayList<>();
        Validator validator = Validator.builder().repair(Repair.ADD_SEPARATOR)
                .check(() -> (example, findings) -> prompts.add(((PromptCompletion) example).prompt())).build();
        // when
        validator.validate(Dataset.read(fixture("questions.jsonl")));
        // then
        assertThat(prompts).hasSize(12).allSatisfy(p -> assertThat(p).endsWith(" ->"));
    }

    @Test
    void a_user_check_error_makes_the_report_not_ready() {
        // given
        Validator validator = Validator.builder().check(() -> (example, findings) -> {
            if (example.line() == 3) {
                findings.accept(Finding.at(3, "house_rule", Severity.ERROR, null, "breaks a house rule", "fix it"));
            }
        }).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("questions.jsonl")));
        // then
        assertThat(report.findings("house_rule")).singleElement().extracting(Finding::line).isEqualTo(3L);
        assertThat(report.errorCount()).isEqualTo(1);
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void disabling_a_check_suppresses_its_findings_and_its_repair() {
        // given
        Validator validator = Validator.builder().repair(Repair.REMOVE_DUPLICATES).disable("duplicate").build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("mixed_problems.jsonl")));
        // then
        assertThat(report.findings("duplicate")).isEmpty();
        assertThat(report.findingCounts()).doesNotContainKey("duplicate");
        assertThat(report.counts().kept()).isEqualTo(13);
        assertThat(report.counts().dropped()).isEqualTo(2);
    }

    @Test
    void disabling_a_check_by_its_code_in_capitals_works_too() {
        // given
        Validator validator = Validator.builder().disable("EMPTY_COMPLETION").build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("mixed_problems.jsonl")));
        // then
        assertThat(report.findings("empty_completion")).isEmpty();
        assertThat(report.errorCount()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- prepared files

    @Test
    void preparing_writes_training_and_validation_files_named_after_the_source_with_the_split_counts() {
        // given
        Validator validator = Validator.builder().validationFraction(0.25).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("questions.jsonl")), out);
        // then
        assertThat(report.trainingFile()).contains(out.resolve("questions_prepared_train.jsonl"));
        assertThat(report.validationFile()).contains(out.resolve("questions_prepared_valid.jsonl"));
        List<Example> training = Dataset.read(report.trainingFile().orElseThrow()).toList();
        List<Example> validation = Dataset.read(report.validationFile().orElseThrow()).toList();
        assertThat(training).hasSize(9);
        assertThat(validation).hasSize(3);
        assertThat(prompts(training)).doesNotContainAnyElementsOf(prompts(validation));
        assertThat(report.toText()).contains("Wrote training file").contains("Wrote validation file");
    }

    @Test
    void preparing_without_a_validation_fraction_writes_only_a_training_file() {
        // given
        Validator validator = Validator.standard();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("questions.jsonl")), out);
        // then
        assertThat(report.validationFile()).isEmpty();
        assertThat(out.resolve("questions_prepared_valid.jsonl")).doesNotExist();
        assertThat(Dataset.read(report.trainingFile().orElseThrow()).toList()).hasSize(12);
    }

    @Test
    void preparing_an_in_memory_dataset_names_the_files_dataset() {
        // given
        Dataset dataset = Dataset.of(Dataset.read(fixture("questions.jsonl")).toList());
        // when
        ValidationReport report = Validator.standard().prepare(dataset, out);
        // then
        assertThat(report.trainingFile()).contains(out.resolve("dataset_prepared_train.jsonl"));
        assertThat(report.trainingFile().orElseThrow()).exists();
    }

    @Test
    void preparing_classification_data_splits_each_class_in_the_asked_share() {
        // given: 30 " positive" and 10 " negative"
        Validator validator = Validator.builder().validationFraction(0.2).build();
        // when
        ValidationReport report = validator.prepare(Dataset.read(fixture("reviews.jsonl")), out);
        // then
        assertThat(report.task()).isEqualTo(TaskType.CLASSIFICATION);
        assertThat(report.counts().training()).isEqualTo(32);
        assertThat(report.counts().validation()).isEqualTo(8);
        assertThat(classCounts(report.trainingFile().orElseThrow()))
                .containsOnly(Map.entry(" positive", 24L), Map.entry(" negative", 8L));
        assertThat(classCounts(report.validationFile().orElseThrow()))
                .containsOnly(Map.entry(" positive", 6L), Map.entry(" negative", 2L));
    }

    @Test
    void preparing_classification_data_splits_each_class_in_the_asked_share_of_what_is_kept_after_removing_repeats() {
        // given: the 40 reviews, then 20 of them again
        List<Example> examples = new ArrayList<>(Dataset.read(fixture("reviews.jsonl")).toList());
        examples.addAll(examples.subList(0, 20).stream().map(e -> e.atLine(e.line() + 40)).toList());
        Validator validator = Validator.builder().repair(Repair.REMOVE_DUPLICATES).validationFraction(0.2).build();
        // when
        ValidationReport report = validator.prepare(Dataset.of(examples), out);
        // then
        assertThat(report.counts().kept()).isEqualTo(40);
        assertThat(classCounts(report.validationFile().orElseThrow()))
                .containsOnly(Map.entry(" positive", 6L), Map.entry(" negative", 2L));
        assertThat(report.counts().validation()).isEqualTo(8);
    }

    @Test
    void the_same_seed_gives_the_same_split() {
        // given
        Validator validator = Validator.builder().validationFraction(0.2).seed(7).build();
        Path first = out.resolve("first");
        Path second = out.resolve("second");
        // when
        ValidationReport a = validator.prepare(Dataset.read(fixture("reviews.jsonl")), first);
        ValidationReport b = validator.prepare(Dataset.read(fixture("reviews.jsonl")), second);
        // then
        assertThat(prompts(Dataset.read(a.validationFile().orElseThrow()).toList()))
                .isEqualTo(prompts(Dataset.read(b.validationFile().orElseThrow()).toList()));
    }

    // ---------------------------------------------------------------- helpers

    private static void assertCountsAddUp(ValidationReport report) {
        ValidationReport.Counts c = report.counts();
        assertThat(c.records()).as("records == kept + dropped").isEqualTo(c.kept() + c.dropped());
        assertThat(c.kept()).as("kept == training + validation").isEqualTo(c.training() + c.validation());
        assertThat(c.dropped()).as("dropped >= unreadable").isGreaterThanOrEqualTo(c.unreadable());
        assertThat(c.repaired()).as("repaired <= kept").isLessThanOrEqualTo(c.kept());
    }

    private static List<String> prompts(List<Example> examples) {
        return examples.stream().map(e -> ((PromptCompletion) e).prompt()).toList();
    }

    private static Map<String, Long> classCounts(Path file) {
        return Dataset.read(file).toList().stream()
                .collect(Collectors.groupingBy(e -> ((PromptCompletion) e).completion(), Collectors.counting()));
    }

    private static Path fixture(String name) {
        try {
            return Path.of(ValidatorReportTest.class.getResource("/ValidatorReportTest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
