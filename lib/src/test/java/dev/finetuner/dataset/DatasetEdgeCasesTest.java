package dev.finetuner.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** Inputs that once lost or misplaced records: each is read exactly, and what is dropped is said. */
class DatasetEdgeCasesTest {
    @TempDir
    Path dir;

    private record Read(List<Example> examples, List<ReadIssue> issues) {
    }

    private static Read read(Path file) {
        List<ReadIssue> issues = new ArrayList<>();
        try (Stream<Example> s = Dataset.read(file).stream(issues::add)) {
            return new Read(s.toList(), issues);
        }
    }

    @Test
    void two_objects_on_one_jsonl_line_are_an_error_on_that_line_not_a_silent_loss() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("t.jsonl"), """
                {"prompt":"a","completion":"b"}
                {"prompt":"c","completion":"d"} {"prompt":"e","completion":"f"}
                {"prompt":"g","completion":"h"}
                """);
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 3L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line).containsExactly(tuple("invalid_json", 2L));
    }

    @Test
    void json_with_several_root_objects_keeps_reading_after_one_that_is_not_an_example() throws IOException {
        // given: pretty-printed objects one after another, the second of no known shape
        Path file = Files.writeString(dir.resolve("t.json"), """
                {
                  "prompt": "a", "completion": "b"
                }
                {
                  "question": "c"
                }
                {
                  "prompt": "e", "completion": "f"
                }
                """);
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 7L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line)
                .containsExactly(tuple("unrecognized_format", 4L));
    }

    @Test
    void an_unclosed_quote_costs_its_own_record_only_and_reading_goes_on_at_the_next_line() throws IOException {
        // given: an unclosed quote on line 3 that would swallow the rest of the file
        Path file = Files.writeString(dir.resolve("t.csv"), "prompt,completion\na,b\n\"c,d\ne,f\ng,h\n");
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 4L, 5L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid_csv");
            assertThat(i.line()).isEqualTo(3);
            assertThat(i.error()).isTrue();
            assertThat(i.message()).contains("reading goes on at line 4");
        });
    }

    @Test
    void a_stray_quote_in_one_cell_drops_that_row_and_every_other_row_is_read() throws IOException {
        // given: 30 rows; row 12 (line 13) starts a cell with a quoted word followed by more text
        StringBuilder csv = new StringBuilder("prompt,completion\r\n");
        for (int i = 1; i <= 30; i++) {
            csv.append(i == 12 ? "\"Printer\" is offline ->, restart it" : "ticket " + i + " ->, answer " + i).append("\r\n");
        }
        Path file = Files.writeString(dir.resolve("t.csv"), csv);
        // when
        Read read = read(file);
        // then: 29 rows, each at its own line, and the one record reported
        assertThat(read.examples()).hasSize(29);
        assertThat(read.examples()).extracting(Example::line).doesNotContain(13L).contains(2L, 12L, 14L, 31L);
        assertThat(read.examples().get(11)).isEqualTo(new Example.PromptCompletion(14, "ticket 13 ->", " answer 13", java.util.Map.of()));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line).containsExactly(tuple("invalid_csv", 13L));
    }

    @Test
    void a_quoted_cell_spanning_lines_with_text_after_its_closing_quote_is_one_record_dropped() throws IOException {
        // given: the record of lines 3 and 4 is broken; lines 5 and 6 are fine
        Path file = Files.writeString(dir.resolve("t.csv"), "prompt,completion\na,b\n\"c\nstill c\" oops,d\ne,f\ng,h\n");
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 5L, 6L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.line()).isEqualTo(3);
            assertThat(i.message()).contains("lines 3 to 4 are this one record").contains("reading goes on at line 5");
        });
    }

    @Test
    void after_a_hundred_broken_records_the_rest_of_the_file_is_reported_unread_rather_than_rescanned() throws IOException {
        // given: 150 rows, every one broken by a stray quote, then 5 good rows
        StringBuilder csv = new StringBuilder("prompt,completion\n");
        for (int i = 0; i < 150; i++) {
            csv.append("\"p\" ").append(i).append(",c\n");
        }
        for (int i = 0; i < 5; i++) {
            csv.append("good ").append(i).append(",c\n");
        }
        Path file = Files.writeString(dir.resolve("t.csv"), csv);
        // when
        Read read = read(file);
        // then: 100 records dropped one by one, then one finding that accounts for every line left
        assertThat(read.examples()).isEmpty();
        assertThat(read.issues()).hasSize(101).allSatisfy(i -> assertThat(i.code()).isEqualTo("invalid_csv"));
        assertThat(read.issues().get(100).line()).isEqualTo(102);
        assertThat(read.issues().get(100).message()).contains("100 records were already skipped")
                .contains("lines 102 to 156 (55 lines) are not among the examples");
    }

    @Test
    void a_nul_byte_in_a_csv_cell_drops_its_record_with_the_column_as_invalid_json_does_in_jsonl() throws IOException {
        // given: line 3 has a NUL inside its completion
        Path file = Files.writeString(dir.resolve("t.csv"), "prompt,completion\na,b\nc,d\u0000e\nf,g\n");
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 4L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid_csv");
            assertThat(i.error()).isTrue();
            assertThat(i.line()).isEqualTo(3);
            assertThat(i.field()).contains("completion");
            assertThat(i.message()).contains("NUL byte");
        });
    }

    @Test
    void utf16_and_utf32_files_are_refused_naming_their_encoding() throws IOException {
        byte[][] boms = {{(byte) 0xFF, (byte) 0xFE}, {(byte) 0xFE, (byte) 0xFF}, {(byte) 0xFF, (byte) 0xFE, 0, 0}, {0, 0, (byte) 0xFE, (byte) 0xFF}};
        String[] names = {"UTF-16 little-endian", "UTF-16 big-endian", "UTF-32 little-endian", "UTF-32 big-endian"};
        for (int k = 0; k < boms.length; k++) {
            Path file = Files.write(dir.resolve("t" + k + ".csv"), concat(boms[k], "x".getBytes(StandardCharsets.US_ASCII)));
            String expected = names[k];
            assertThatThrownBy(() -> read(file)).isInstanceOf(dev.finetuner.DatasetException.class)
                    .hasMessageContaining(expected).hasMessageContaining("t" + k + ".csv");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void a_broken_header_is_still_fatal_and_says_which_lines_were_not_read() throws IOException {
        // given: the header itself cannot be read, so no row can be mapped to columns
        Path file = Files.writeString(dir.resolve("t.csv"), "\"prompt\" x,completion\na,b\nc,d\n");
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).isEmpty();
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid_csv");
            assertThat(i.message()).contains("lines 1 to 3 (3 lines) are not among the examples");
        });
    }

    @Test
    void windows_1252_curly_quotes_in_a_utf8_file_are_read_as_quotes_not_control_characters() throws IOException {
        // given: 0x93 and 0x94 are “ and ” in Windows-1252
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("{\"prompt\":\"say \"}\n{\"prompt\":\"".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {(byte) 0x93, 'h', 'i', (byte) 0x94});
        bytes.write("\",\"completion\":\"ok\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("t.jsonl"), bytes.toByteArray());
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).last().satisfies(e ->
                assertThat(((Example.PromptCompletion) e).prompt()).isEqualTo("\u201chi\u201d"));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line)
                .contains(tuple("invalid_utf8", 2L));
    }

    @Test
    void a_lone_carriage_return_counts_as_a_line_end_for_the_lines_of_notes() throws IOException {
        // given: old Mac line ends, then a Latin-1 byte on line 3
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("{\"prompt\":\"a\",\"completion\":\"b\"}\r{\"prompt\":\"c\",\"completion\":\"d\"}\r{\"prompt\":\"caf"
                .getBytes(StandardCharsets.UTF_8));
        bytes.write(0xE9);
        bytes.write("\",\"completion\":\"e\"}\r".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("t.jsonl"), bytes.toByteArray());
        // when
        Read read = read(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 2L, 3L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line).containsExactly(tuple("invalid_utf8", 3L));
    }

    @Test
    void extras_that_are_not_json_are_rejected_naming_the_key() {
        assertThatThrownBy(() -> new Message("user", Optional.of("hi"), Map.of("name", "bob")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'name'").hasMessageContaining("must be JSON");
        assertThatThrownBy(() -> new Example.Chat(0, List.of(Message.user("hi")), Optional.of("not json"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tools'");
    }

    @Test
    void a_message_name_with_escapes_is_unescaped() {
        Message m = new Message("user", Optional.of("hi"), Map.of("name", "\"Ren\\u00e9 \\\"R\\\"\""));
        assertThat(m.name()).contains("René \"R\"");
    }

    @Test
    void a_chat_with_long_tools_prints_an_excerpt_not_the_whole_record() {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"" + "x".repeat(500) + "\"}}]";
        Example.Chat chat = new Example.Chat(3, List.of(Message.user("hi")), Optional.of(tools), Map.of());
        assertThat(chat.toString()).hasSizeLessThan(200).contains("line=3").doesNotContain("x".repeat(100));
    }
}
