package dev.finetuner.dataset;

import dev.finetuner.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetReadJsonlTest {
    @TempDir
    Path dir;

    @Test
    void a_broken_line_among_good_ones_is_reported_with_its_line_and_the_good_ones_are_read() throws IOException {
        // given
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, """
                {"prompt": "a", "completion": "b"}
                {"prompt": "c", "completion":
                {"prompt": "e", "completion": "f"}
                """);
        List<ReadIssue> issues = new ArrayList<>();
        // when
        List<Example> examples;
        try (Stream<Example> s = Dataset.read(file).stream(issues::add)) {
            examples = s.toList();
        }
        // then
        assertThat(examples).extracting(Example::line).containsExactly(1L, 3L);
        assertThat(issues).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid_json");
            assertThat(i.line()).isEqualTo(2);
            assertThat(i.error()).isTrue();
        });
    }

    @Test
    void a_strict_read_stops_at_the_broken_line_naming_file_and_line() throws IOException {
        // given
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"completion\": \"b\"}\n[1, 2]\n");
        // when / then
        assertThatThrownBy(() -> Dataset.read(file).toList())
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 2")
                .hasMessageContaining("expected a JSON object, found an array")
                .extracting(e -> ((DatasetException) e).line()).isEqualTo(2L);
    }

    @Test
    void a_missing_file_is_a_dataset_exception_naming_the_file() {
        Path file = dir.resolve("nope.jsonl");
        assertThatThrownBy(() -> Dataset.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("nope.jsonl")
                .hasMessageContaining("no such file")
                .extracting(e -> ((DatasetException) e).code()).isEqualTo("file_not_found");
    }
}
