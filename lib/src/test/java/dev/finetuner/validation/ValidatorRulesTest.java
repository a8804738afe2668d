package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Built-in rules and a user's own are one kind of thing: each has a code, reports it, and can be turned off. */
class ValidatorRulesTest {
    @TempDir
    Path dir;

    private Path emails() throws IOException {
        return Files.writeString(dir.resolve("t.jsonl"), IntStream.range(0, 12)
                .mapToObj(i -> "{\"prompt\":\"mail me at a" + i + "@b.c ->\",\"completion\":\" answer " + i + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private static Check emailInPrompt() {
        return (example, findings) -> {
            if (example instanceof Example.PromptCompletion pc && pc.prompt().contains("@")) {
                findings.accept(Finding.at(example.line(), "email_in_prompt", Severity.WARNING, "prompt",
                        "the prompt contains an e-mail address", "remove personal data"));
            }
        };
    }

    @Test
    void a_users_rule_reports_findings_under_its_code() throws IOException {
        // when
        ValidationReport report = Validator.builder().check("email_in_prompt", ValidatorRulesTest::emailInPrompt)
                .build().validate(Dataset.read(emails()));
        // then
        assertThat(report.findingCounts()).containsEntry("email_in_prompt", 12L);
        assertThat(report.findings("email_in_prompt")).first()
                .satisfies(f -> assertThat(f.location()).isEqualTo("line 1, field 'prompt'"));
    }

    @Test
    void a_users_rule_is_disabled_by_its_code_like_a_built_in_one() throws IOException {
        // given
        int[] inspected = {0};
        Validator validator = Validator.builder().check("email_in_prompt", () -> (example, findings) -> {
            inspected[0]++;
            emailInPrompt().inspect(example, findings);
        }).disable("email_in_prompt", "num_examples").build();
        // when
        ValidationReport report = validator.validate(Dataset.read(emails()));
        // then: the rule does not run at all
        assertThat(report.findingCounts()).doesNotContainKeys("email_in_prompt", "num_examples");
        assertThat(inspected[0]).isZero();
    }

    @Test
    void a_code_is_known_to_disable_only_once_its_check_is_added() {
        assertThatThrownBy(() -> Validator.builder().disable("email_in_prompt"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("email_in_prompt");
    }

    @Test
    void a_check_code_must_be_lower_case() {
        assertThatThrownBy(() -> Validator.builder().check("Email", ValidatorRulesTest::emailInPrompt))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Email");
    }

    @Test
    void every_built_in_rule_has_its_code_in_the_list_and_every_listed_code_has_a_source() {
        // given
        List<Rule> rules = Rules.standard(List.of());
        Set<String> ruleCodes = rules.stream().map(Rule::code).collect(Collectors.toSet());
        // then: one rule per code, each listed; the rest of the list is the readers'
        assertThat(rules).hasSize(ruleCodes.size());
        assertThat(Validator.CODES).containsAll(ruleCodes).containsAll(ReadIssueRule.CODES.keySet());
        Set<String> sources = new HashSet<>(ruleCodes);
        sources.addAll(ReadIssueRule.CODES.keySet());
        assertThat(sources).isEqualTo(Validator.CODES);
        assertThat(ruleCodes).doesNotContainAnyElementsOf(ReadIssueRule.CODES.keySet());
    }

    @Test
    void the_derived_list_names_the_codes_of_the_list_once_kept_by_hand_and_the_record_size_limit() {
        assertThat(Validator.CODES).containsExactlyInAnyOrder(
                "no_examples", "too_few_examples", "num_examples", "missing_column", "column_case", "extra_columns",
                "empty_completion", "task_type", "class_balance", "duplicate", "too_long", "uppercase",
                "prompt_suffix", "missing_separator", "repeated_separator", "identical_prompts", "prompt_prefix",
                "completion_prefix", "completion_suffix", "missing_stop_sequence", "repeated_stop_sequence",
                "identical_completions", "completion_space_start", "data_type", "missing_messages_list",
                "message_missing_key", "missing_key", "message_unrecognized_key", "unrecognized_role",
                "missing_content", "missing_assistant_message", "invalid_weight", "chat_roles", "empty_file",
                "invalid_utf8", "bom", "empty_line", "invalid_json", "invalid_csv", "mixed_formats",
                "unrecognized_format", "invalid_preference", "ragged_row", "jsonl_in_json_file", "format_mismatch",
                "non_string_value", "formula_cell", "error_cell", "empty_sheet", "other_sheets", "missing_sheet",
                "duplicate_column", "model_format", "unknown_model", "legacy_model", "record_too_large");
    }

    @Test
    void every_code_reported_on_the_test_files_is_in_the_list() throws IOException {
        // given: every dataset the tests keep, checked with every repair
        Set<String> reported = new HashSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/resources"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(jsonl?|csv|tsv|txt)$"))
                    .toList()) {
                // when
                reported.addAll(Validator.builder().repair(Repair.RECOMMENDED).build().validate(Dataset.read(f))
                        .findingCounts().keySet());
                reported.addAll(Validator.standard().validate(Dataset.read(f)).findingCounts().keySet());
            }
        }
        // then
        assertThat(reported).isNotEmpty();
        assertThat(Validator.CODES).containsAll(reported);
    }
}
