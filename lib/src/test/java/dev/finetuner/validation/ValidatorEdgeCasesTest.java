package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Datasets that once broke the validator: each gives a report that says what is wrong. */
class ValidatorEdgeCasesTest {
    @TempDir
    Path dir;

    private Path jsonl(String name, Stream<String> lines) throws IOException {
        return Files.writeString(dir.resolve(name), lines.collect(Collectors.joining("\n", "", "\n")));
    }

    private static String pc(String prompt, String completion) {
        return "{\"prompt\":\"" + prompt + "\",\"completion\":\"" + completion + "\"}";
    }

    @Test
    void a_csv_whose_completions_are_all_empty_gets_a_report_not_an_exception() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("t.csv"), "prompt,completion\n"
                + IntStream.range(0, 12).mapToObj(i -> "question " + i + ",").collect(Collectors.joining("\n")));
        // when
        ValidationReport report = Validator.standard().validate(Dataset.read(file));
        // then
        assertThat(report.findingCounts()).containsEntry("empty_completion", 12L);
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void identical_completions_are_an_error_even_when_they_look_like_one_class() throws IOException {
        // given
        Path file = jsonl("t.jsonl", IntStream.range(0, 12).mapToObj(i -> pc("question " + i, " yes")));
        // when
        ValidationReport report = Validator.standard().validate(Dataset.read(file));
        // then
        assertThat(report.findings("identical_completions")).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR));
        assertThat(report.isReady()).isFalse();
    }

    @Test
    void after_lower_casing_the_reported_separator_is_the_one_written() throws IOException {
        // given: upper-case prompts ending in " ANSWER:"
        Path file = jsonl("t.jsonl", IntStream.range(0, 12)
                .mapToObj(i -> pc("WHAT IS ITEM NUMBER " + i + " ANSWER:", " value " + i + " is fine.")));
        // when
        ValidationReport report = Validator.builder().repair(Repair.LOWERCASE).build().validate(Dataset.read(file));
        // then
        assertThat(report.separator()).contains(" answer:");
    }

    @Test
    void chats_that_differ_only_in_their_tools_are_not_duplicates() {
        // given
        List<Example> chats = IntStream.range(0, 12).mapToObj(i -> (Example) new Example.Chat(i + 1,
                List.of(Message.user("weather?"), Message.assistant("sunny")),
                Optional.of("[{\"type\":\"function\",\"function\":{\"name\":\"tool" + i + "\"}}]"), Map.of())).toList();
        // when
        ValidationReport report = Validator.builder().repair(Repair.REMOVE_DUPLICATES).build()
                .validate(Dataset.of(chats));
        // then
        assertThat(report.findingCounts()).doesNotContainKey("duplicate");
        assertThat(report.counts().kept()).isEqualTo(12);
    }

    @Test
    void a_check_that_throws_leaves_no_prepared_file_and_no_reading_thread() throws IOException {
        // given
        Path file = jsonl("t.jsonl", IntStream.range(0, 3000).mapToObj(i -> pc("q" + i, " a" + i)));
        Validator validator = Validator.builder().check(() -> (example, findings) -> {
            if (example.line() == 2500) {
                throw new IllegalStateException("my check broke");
            }
        }).build();
        Path out = dir.resolve("out");
        // when
        assertThatThrownBy(() -> validator.prepare(Dataset.read(file), out))
                .isInstanceOf(IllegalStateException.class).hasMessage("my check broke");
        // then
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).isEmpty();
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("finetuner-read") && t.isAlive());
    }

    @Test
    void a_file_of_thousands_of_unreadable_lines_is_validated_and_every_line_counted() throws IOException {
        // given: read issues only, far more than one batch of them
        Path file = jsonl("t.jsonl", Stream.concat(IntStream.range(0, 5000).mapToObj(i -> "[" + i + "]"),
                Stream.of(pc("q", " a"))));
        // when
        ValidationReport report = Validator.standard().validate(Dataset.read(file));
        // then
        assertThat(report.counts().records()).isEqualTo(5001);
        assertThat(report.counts().unreadable()).isEqualTo(5000);
        assertThat(report.findingCounts()).containsEntry("data_type", 5000L);
        assertThat(report.findings("data_type")).hasSize(Validator.DEFAULT_MAX_FINDINGS_PER_CODE);
    }

    @Test
    void disabling_a_code_no_check_reports_is_refused_with_the_known_codes() {
        assertThatThrownBy(() -> Validator.builder().disable("missing_seperator"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing_seperator").hasMessageContaining("missing_separator");
    }

    @Test
    void disabling_missing_separator_also_turns_off_its_repair() throws IOException {
        // given
        Path file = jsonl("t.jsonl", IntStream.range(0, 12).mapToObj(i -> pc("question " + i, " answer " + i + ".")));
        // when
        ValidationReport report = Validator.builder().repair(Repair.ADD_SEPARATOR).disable("missing_separator").build()
                .validate(Dataset.read(file));
        // then
        assertThat(report.findingCounts()).doesNotContainKey("missing_separator");
        assertThat(report.separator()).isEmpty();
        assertThat(report.counts().repaired()).isZero();
    }

    @Test
    void naming_a_repair_twice_is_harmless() {
        assertThat(Validator.builder().repair(Repair.DROP_LONG, Repair.DROP_LONG).build().repairs())
                .containsExactly(Repair.DROP_LONG);
    }
}
