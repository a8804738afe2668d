package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The format checks of OpenAI's chat fine-tuning data-preparation cookbook, and the preference (DPO)
 * checks, as findings with lines and fields.
 */
class ValidatorChatChecksTest {

    @Test
    void records_that_cannot_be_read_are_errors_with_the_cookbook_codes_and_their_lines() {
        // given: line 2 is an array, line 3 has no messages, line 4 has a message without a role
        Dataset dataset = Dataset.read(fixture("unreadable_records.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("data_type")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.message()).contains("expected a JSON object");
        });
        assertThat(report.findings("missing_messages_list")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.field()).contains("messages");
        });
        assertThat(report.findings("message_missing_key")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.field()).contains("messages[1].role");
            assertThat(f.message()).contains("'role'");
        });
        assertThat(report.counts().records()).isEqualTo(5);
        assertThat(report.counts().unreadable()).isEqualTo(3);
        assertThat(report.counts().kept()).isEqualTo(2);
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void dropping_invalid_examples_resolves_the_unreadable_records() {
        // given
        Validator validator = Validator.builder().repair(Repair.DROP_INVALID).disable("too_few_examples").build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("unreadable_records.jsonl")));
        // then
        assertThat(report.findings()).filteredOn(f -> f.severity() == Severity.ERROR)
                .hasSize(3).allSatisfy(f -> assertThat(f.repaired()).isTrue());
        assertThat(report.counts().dropped()).isEqualTo(3);
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void an_unknown_message_key_is_a_warning_naming_the_key() {
        // given: line 2's user message has a "mood" key
        Dataset dataset = Dataset.read(fixture("unrecognized_key.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("message_unrecognized_key")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.field()).contains("messages[1].mood");
            assertThat(f.message()).contains("'mood'");
            assertThat(f.fix()).isPresent();
        });
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void an_unknown_role_is_an_error_listing_the_known_roles() {
        // given: line 3 has a "bot" message
        Dataset dataset = Dataset.read(fixture("unrecognized_role.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("unrecognized_role")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.field()).contains("messages[1].role");
            assertThat(f.message()).contains("'bot'");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("user").contains("assistant"));
            assertThat(f.repair()).contains(Repair.DROP_INVALID);
        });
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void a_message_without_content_is_an_error_but_an_assistant_tool_call_needs_none() {
        // given: line 3's user content is null; line 5's assistant calls a tool with null content
        Dataset dataset = Dataset.read(fixture("missing_content.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("missing_content")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.field()).contains("messages[1].content");
            assertThat(f.message()).contains("user");
            assertThat(f.fix()).isPresent();
        });
        assertThat(report.errorCount()).isEqualTo(1);
    }

    @Test
    void a_message_whose_content_is_neither_text_nor_parts_is_an_error() {
        // given: line 2's user content is the number 42 (the cookbook requires a string)
        Dataset dataset = Dataset.read(fixture("number_content.jsonl"));
        // when
        ValidationReport report = Validator.builder().disable("num_examples").build().validate(dataset);
        // then
        assertThat(report.findings()).filteredOn(f -> f.severity() == Severity.ERROR)
                .anySatisfy(f -> {
                    assertThat(f.line()).isEqualTo(2);
                    assertThat(f.field()).contains("messages[1].content");
                });
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void a_conversation_without_an_assistant_message_is_an_error() {
        // given: line 6 has only system and user messages
        Dataset dataset = Dataset.read(fixture("missing_assistant.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("missing_assistant_message")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(6);
            assertThat(f.field()).contains("messages");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("assistant"));
        });
    }

    @Test
    void a_weight_other_than_zero_or_one_is_an_error() {
        // given: line 7 has weights 0 and 2, line 8 weights 0 and 1
        Dataset dataset = Dataset.read(fixture("weights.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("invalid_weight")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(7);
            assertThat(f.field()).contains("messages[4].weight");
            assertThat(f.message()).contains("2");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("0").contains("1"));
        });
    }

    @Test
    void conversations_without_a_system_or_user_message_are_counted_as_information() {
        // given: lines 2 and 5 have no system message, line 8 no user message
        Dataset dataset = Dataset.read(fixture("roles.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.findings("chat_roles")).hasSize(2)
                .allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.INFO))
                .extracting(Finding::message)
                .containsExactlyInAnyOrder("2 chat example(s) have no system message",
                        "1 chat example(s) have no user message");
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void a_prompt_completion_line_in_a_chat_file_is_an_error_at_that_line() {
        // given: line 3 is a prompt/completion example
        Dataset dataset = Dataset.read(fixture("mixed_formats.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.exampleFormat()).isEqualTo("mixed");
        assertThat(report.findings("mixed_formats")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.message()).contains("1 prompt/completion").contains("chat");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("one format"));
        });
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void dropping_invalid_examples_leaves_out_the_line_of_the_other_format() {
        // given
        Validator validator = Validator.builder().repair(Repair.DROP_INVALID).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("mixed_formats.jsonl")));
        // then
        assertThat(report.findings("mixed_formats")).singleElement().extracting(Finding::repaired).isEqualTo(true);
        assertThat(report.counts().kept()).isEqualTo(11);
        assertThat(report.counts().dropped()).isEqualTo(1);
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void chat_data_checked_against_a_completion_model_is_an_error_naming_a_chat_model() {
        // given
        Validator validator = Validator.builder().model("davinci-002").build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("chat.jsonl")));
        // then
        assertThat(report.findings("model_format")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("davinci-002").contains("chat");
            assertThat(f.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("gpt-4o-mini"));
        });
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void chat_data_is_checked_against_gpt_4o_mini_by_default_and_is_ready() {
        // given
        Dataset dataset = Dataset.read(fixture("chat.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.exampleFormat()).isEqualTo("chat");
        assertThat(report.model().name()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(report.findings("model_format")).isEmpty();
        assertThat(report.findings("chat_roles")).isEmpty();
        assertThat(report.separator()).isEmpty();
        assertThat(report.stopSequence()).isEmpty();
        assertThat(report.isReady()).isTrue();
    }

    @Test
    void malformed_preference_examples_are_errors_naming_the_part_at_fault() {
        // given: line 3's input ends with an assistant message, line 6 prefers two messages,
        // line 9's non-preferred output is a user message
        Dataset dataset = Dataset.read(fixture("preferences.jsonl"));
        // when
        ValidationReport report = Validator.standard().validate(dataset);
        // then
        assertThat(report.exampleFormat()).isEqualTo("preference");
        assertThat(report.findings("invalid_preference"))
                .allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR))
                .extracting(Finding::line, f -> f.field().orElseThrow())
                .containsExactly(
                        tuple(3L, "input.messages"),
                        tuple(6L, "preferred_output"),
                        tuple(9L, "non_preferred_output"));
        assertThat(report.errorCount()).isEqualTo(3);
    }

    @Test
    void dropping_invalid_examples_leaves_out_the_malformed_preferences() {
        // given
        Validator validator = Validator.builder().repair(Repair.DROP_INVALID).build();
        // when
        ValidationReport report = validator.validate(Dataset.read(fixture("preferences.jsonl")));
        // then
        assertThat(report.counts().kept()).isEqualTo(9);
        assertThat(report.counts().dropped()).isEqualTo(3);
        // the drops are resolved; what still blocks is that 9 kept examples are below the API's minimum of 10
        assertThat(report.findings()).filteredOn(Finding::blocking).extracting(Finding::code)
                .containsExactly("too_few_examples");
        assertThat(report.isReady()).isFalse();
    }

    private static Path fixture(String name) {
        try {
            return Path.of(ValidatorChatChecksTest.class.getResource("/ValidatorChatChecksTest/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
