package dev.finetuner.dataset;

import dev.finetuner.DatasetException;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
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

/**
 * What a user sees when a dataset file is missing, empty or malformed: a typed {@link DatasetException}
 * or a {@link ReadIssue} naming the line and field, with every readable record still read.
 */
class DatasetReadBadInputTest {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    @TempDir
    Path dir;

    @Test
    void a_missing_file_is_a_dataset_exception_with_code_file_not_found_for_the_whole_file() {
        // given
        Path file = dir.resolve("nope.jsonl");
        // when / then
        assertThatThrownBy(() -> Dataset.read(file))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("file_not_found");
                    assertThat(e.file()).contains(file);
                    assertThat(e.line()).isZero();
                    assertThat(e.field()).isEmpty();
                })
                .hasMessageContaining("nope.jsonl");
    }

    @Test
    void a_directory_is_a_dataset_exception_with_code_not_a_file() {
        // given: the directory itself, not a file in it
        // when / then
        assertThatThrownBy(() -> Dataset.read(dir))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("not_a_file");
                    assertThat(e.file()).contains(dir);
                    assertThat(e.line()).isZero();
                })
                .hasMessageContaining("directory");
    }

    @Test
    void an_empty_file_is_reported_as_empty_file_and_holds_no_examples() throws IOException {
        // given: zero bytes
        Path file = Files.write(dir.resolve("train.jsonl"), new byte[0]);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).isEmpty();
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("empty_file", true, 0L));
    }

    @Test
    void a_whitespace_only_file_fails_a_strict_read_with_code_empty_file() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("train.csv"), "  \n\t\n\r\n   ");
        Dataset dataset = Dataset.read(file);
        // when / then
        assertThatThrownBy(dataset::toList)
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("empty_file");
                    assertThat(e.line()).isZero();
                    assertThat(e.file()).contains(file);
                });
    }

    @Test
    void a_file_that_starts_with_more_than_64_kb_of_blank_lines_is_not_taken_for_an_empty_file() throws IOException {
        // given: 70,000 blank lines, then one example
        Path file = Files.writeString(dir.resolve("train.jsonl"),
                "\n".repeat(70_000) + "{\"prompt\":\"p\",\"completion\":\"c\"}\n");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).singleElement()
                .isEqualTo(new Example.PromptCompletion(70_001, "p", "c", Map.of()));
        assertThat(read.issues()).noneMatch(ReadIssue::error);
    }

    @Test
    void ragged_csv_rows_are_reported_with_their_lines_and_the_other_rows_are_read() {
        // given: line 3 has a cell too many, line 5 a cell too few
        Path file = fixture("ragged.csv");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 4L, 6L);
        assertThat(read.examples()).extracting(e -> ((Example.PromptCompletion) e).prompt())
                .containsExactly("first", "third", "fifth");
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("ragged_row", true, 3L), tuple("ragged_row", true, 5L));
        assertThat(read.issues().get(0).message()).contains("3 cells", "header has 2");
    }

    @Test
    void a_strict_read_of_a_ragged_csv_stops_with_a_dataset_exception_naming_the_line() {
        // given
        Dataset dataset = Dataset.read(fixture("ragged.csv"));
        // when / then
        assertThatThrownBy(dataset::toList)
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("ragged_row");
                    assertThat(e.line()).isEqualTo(3);
                })
                .hasMessageContaining("line 3");
    }

    @Test
    void empty_trailing_cells_as_spreadsheets_export_them_do_not_make_a_row_ragged() {
        // given: "first,one,,"
        Path file = fixture("trailing_empty_cells.csv");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 3L);
        assertThat(read.issues()).noneMatch(ReadIssue::error);
    }

    @Test
    void a_quoted_csv_field_with_newlines_keeps_them_and_each_record_has_the_line_it_starts_on() {
        // given: records start on lines 2, 5, 6 and 8
        Path file = fixture("quoted_newlines.csv");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 5L, 6L, 8L);
        assertThat(read.examples()).extracting(e -> ((Example.PromptCompletion) e).prompt(),
                        e -> ((Example.PromptCompletion) e).completion())
                .containsExactly(tuple("first\nline\nthree", "a"), tuple("second", "b"),
                        tuple("x", "multi\nline"), tuple("last", "c"));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_utf8_byte_order_mark_at_the_start_of_a_csv_is_removed_and_noted() throws IOException {
        // given
        Path file = Files.write(dir.resolve("train.csv"),
                concat(BOM, "prompt,completion\nHello,Hi\n".getBytes(StandardCharsets.UTF_8)));
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).containsExactly(new Example.PromptCompletion(2, "Hello", "Hi", Map.of()));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("bom", false, 1L));
    }

    @Test
    void a_utf8_byte_order_mark_at_the_start_of_a_jsonl_is_removed_and_noted() throws IOException {
        // given
        Path file = Files.write(dir.resolve("train.jsonl"), concat(BOM, """
                {"prompt":"Hello","completion":"Hi"}
                {"prompt":"Bye","completion":"Ciao"}
                """.getBytes(StandardCharsets.UTF_8)));
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 2L);
        assertThat(((Example.PromptCompletion) read.examples().get(0)).prompt()).isEqualTo("Hello");
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("bom", false, 1L));
    }

    @Test
    void latin1_bytes_in_a_utf8_jsonl_are_read_as_latin1_and_noted_with_their_line() throws IOException {
        // given: line 2 holds "caf\xe9", as a Latin-1 editor saves it
        Path file = Files.write(dir.resolve("train.jsonl"), concat(
                "{\"prompt\":\"tea\",\"completion\":\"yes\"}\n{\"prompt\":\"caf".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xE9},
                "\",\"completion\":\"no\"}\n{\"prompt\":\"milk\",\"completion\":\"maybe\"}\n"
                        .getBytes(StandardCharsets.US_ASCII)));
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(e -> ((Example.PromptCompletion) e).prompt(), Example::line)
                .containsExactly(tuple("tea", 1L), tuple("café", 2L), tuple("milk", 3L));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("invalid_utf8", false, 2L));
    }

    @Test
    void latin1_bytes_in_a_utf8_csv_are_read_as_latin1_and_noted_with_their_line() throws IOException {
        // given: line 3 holds "caf\xe9"
        Path file = Files.write(dir.resolve("train.csv"), concat(
                "prompt,completion\ntea,yes\ncaf".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xE9},
                ",no\n".getBytes(StandardCharsets.US_ASCII)));
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(e -> ((Example.PromptCompletion) e).prompt(), Example::line)
                .containsExactly(tuple("tea", 2L), tuple("café", 3L));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("invalid_utf8", false, 3L));
    }

    @Test
    void a_latin1_byte_far_into_a_large_file_is_noted_with_its_line() throws IOException {
        // given: 5,000 lines (about 250 KB, several read buffers); line 4,000 holds "caf\xe9"
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 1; i <= 5_000; i++) {
            bytes.writeBytes(("{\"prompt\":\"" + (i == 4_000 ? "caf" : "x".repeat(30))).getBytes(StandardCharsets.US_ASCII));
            if (i == 4_000) {
                bytes.write(0xE9);
            }
            bytes.writeBytes(("\",\"completion\":\"" + i + "\"}\n").getBytes(StandardCharsets.US_ASCII));
        }
        Path file = Files.write(dir.resolve("train.jsonl"), bytes.toByteArray());
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).hasSize(5_000);
        assertThat(((Example.PromptCompletion) read.examples().get(3_999)).prompt()).isEqualTo("café");
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line)
                .containsExactly(tuple("invalid_utf8", 4_000L));
    }

    @Test
    void a_broken_jsonl_line_fails_a_strict_read_with_code_invalid_json_and_its_line() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("train.jsonl"), """
                {"prompt":"a","completion":"b"}
                {"prompt":"c","completion":"d"}
                {"prompt":"e","completion":"f
                {"prompt":"g","completion":"h"}
                """);
        Dataset dataset = Dataset.read(file);
        // when / then
        assertThatThrownBy(dataset::toList)
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_json");
                    assertThat(e.line()).isEqualTo(3);
                })
                .hasMessageContaining("line 3");
    }

    @Test
    void a_broken_jsonl_line_is_left_out_leniently_and_the_lines_after_it_keep_their_numbers() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("train.jsonl"), """
                {"prompt":"a","completion":"b"}
                {"prompt":"c","completion":"d"}
                {"prompt":"e","completion":"f
                {"prompt":"g","completion":"h"}
                """);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 2L, 4L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("invalid_json", true, 3L));
    }

    @Test
    void a_jsonl_line_that_is_a_number_is_dropped_with_code_data_type() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("train.jsonl"), """
                {"prompt":"a","completion":"b"}
                42
                {"prompt":"c","completion":"d"}
                """);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 3L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("data_type");
            assertThat(i.error()).isTrue();
            assertThat(i.line()).isEqualTo(2);
            assertThat(i.message()).contains("a number");
        });
    }

    @Test
    void a_jsonl_file_whose_first_line_is_not_an_object_still_has_its_other_lines_read() throws IOException {
        // given: the first line is a JSON string, not an example object
        Path file = Files.writeString(dir.resolve("train.jsonl"), """
                "just a string"
                {"prompt":"a","completion":"b"}
                {"prompt":"c","completion":"d"}
                """);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 3L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("data_type", true, 1L));
    }

    @Test
    void a_chat_message_with_an_unknown_role_is_read_so_that_validation_can_report_it() {
        // given: line 1 has a "narrator" message
        Path file = fixture("chat_roles.jsonl");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).first().isInstanceOfSatisfying(Example.Chat.class, chat -> {
            assertThat(chat.line()).isEqualTo(1);
            assertThat(chat.messages()).extracting(Message::role).containsExactly("system", "narrator", "assistant");
        });
    }

    @Test
    void a_chat_message_without_a_role_drops_its_example_with_code_message_missing_key_and_the_field() {
        // given: line 2's second message has no role
        Path file = fixture("chat_roles.jsonl");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 3L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("message_missing_key");
            assertThat(i.error()).isTrue();
            assertThat(i.line()).isEqualTo(2);
            assertThat(i.field()).contains("messages[1].role");
        });
    }

    @Test
    void an_example_just_under_the_record_limit_on_one_line_is_read_whole() throws IOException {
        // given: a prompt of 8 million characters (a two-byte 'é' in every ten), then a small example
        String prompt = "abcdefgh é".repeat(800_000);
        Path file = dir.resolve("big.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("{\"prompt\":\"".getBytes(StandardCharsets.UTF_8));
            out.write(prompt.getBytes(StandardCharsets.UTF_8));
            out.write("\",\"completion\":\"done\"}\n{\"prompt\":\"small\",\"completion\":\"ok\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).hasSize(2);
        Example.PromptCompletion big = (Example.PromptCompletion) read.examples().get(0);
        assertThat(big.line()).isEqualTo(1);
        assertThat(big.prompt().equals(prompt)).as("the 8 MB prompt is read unchanged").isTrue();
        assertThat(read.examples().get(1)).isEqualTo(new Example.PromptCompletion(2, "small", "ok", Map.of()));
    }

    @Test
    void a_jsonl_line_over_the_record_limit_is_reported_with_its_line_and_the_lines_after_it_are_read() throws IOException {
        // given: a good line, a 20-million-character line, then two good lines after a CRLF
        Path file = dir.resolve("huge.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] block = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 20; i++) {
                out.write(block);
            }
            out.write(("\",\"completion\":\"never\"}\r\n{\"prompt\":\"c\",\"completion\":\"d\"}\n"
                    + "{\"prompt\":\"e\",\"completion\":\"f\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 3L, 4L);
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("record_too_large");
            assertThat(i.line()).isEqualTo(2);
            assertThat(i.error()).isTrue();
            assertThat(i.message()).contains("8,388,608 characters");
        });
    }

    @Test
    void a_csv_field_over_the_record_limit_drops_its_record_and_the_rows_after_it_are_read() throws IOException {
        Path file = dir.resolve("huge.csv");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("prompt,completion\na,b\n".getBytes(StandardCharsets.UTF_8));
            byte[] block = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 10; i++) {
                out.write(block);
            }
            out.write(",never\nc,d\n".getBytes(StandardCharsets.UTF_8));
        }

        Read read = readLeniently(file);

        assertThat(read.examples()).extracting(Example::line).containsExactly(2L, 4L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("record_too_large", 3L));
    }

    @Test
    void an_xlsx_formula_cell_without_a_saved_result_is_noted_naming_the_cell_and_read_as_empty() throws IOException {
        // given: C2 holds a formula, which a library-written workbook stores without its result
        Path file = workbook(dir.resolve("train.xlsx"), wb -> {
            Worksheet ws = wb.newWorksheet("Data");
            ws.value(0, 0, "prompt");
            ws.value(0, 1, "completion");
            ws.value(0, 2, "length");
            ws.value(1, 0, "Hello");
            ws.value(1, 1, "Hi");
            ws.formula(1, 2, "LEN(A2)");
        });
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).singleElement().isInstanceOfSatisfying(Example.PromptCompletion.class, pc -> {
            assertThat(pc.line()).isEqualTo(2);
            assertThat(pc.prompt()).isEqualTo("Hello");
            assertThat(pc.extras()).containsEntry("length", "");
        });
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("formula_cell");
            assertThat(i.error()).isFalse();
            assertThat(i.line()).isEqualTo(2);
            assertThat(i.field()).contains("C2");
            assertThat(i.message()).contains("C2", "LEN(A2)");
        });
    }

    @Test
    void xlsx_dates_times_and_booleans_are_read_as_the_sheet_shows_them_not_as_serial_numbers() throws IOException {
        // given: the prompt column holds a date, a date-time, a time, a boolean, a plain and a formatted number
        Path file = workbook(dir.resolve("train.xlsx"), wb -> {
            Worksheet ws = wb.newWorksheet("Data");
            ws.value(0, 0, "prompt");
            ws.value(0, 1, "completion");
            ws.value(1, 0, java.time.LocalDate.of(2024, 3, 15));
            ws.style(1, 0).format("dd/mm/yyyy").set(); // shown the European way, read as ISO text
            ws.value(2, 0, java.time.LocalDateTime.of(2024, 3, 15, 9, 30, 5));
            ws.style(2, 0).format("yyyy-mm-dd hh:mm:ss").set();
            ws.value(3, 0, 0.75);
            ws.style(3, 0).format("h:mm").set();
            ws.value(4, 0, true);
            ws.value(5, 0, 45366);
            ws.value(6, 0, 0.125);
            ws.style(6, 0).format("0.00%").set();
            for (int r = 1; r <= 6; r++) {
                ws.value(r, 1, "ok");
            }
        });
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(e -> ((Example.PromptCompletion) e).prompt())
                .containsExactly("2024-03-15", "2024-03-15 09:30:05", "18:00", "TRUE", "45366", "0.125");
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void an_xlsx_with_an_empty_first_sheet_is_read_from_the_next_sheet_with_excel_row_numbers() throws IOException {
        // given: sheet "Notes" is empty; sheet "Data" has its header on row 1, data on rows 2 and 4
        Path file = workbook(dir.resolve("train.xlsx"), wb -> {
            wb.newWorksheet("Notes");
            Worksheet ws = wb.newWorksheet("Data");
            ws.value(0, 0, "prompt");
            ws.value(0, 1, "completion");
            ws.value(1, 0, "Hello");
            ws.value(1, 1, "Hi");
            ws.value(3, 0, "Bye");
            ws.value(3, 1, "Ciao");
        });
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).containsExactly(
                new Example.PromptCompletion(2, "Hello", "Hi", Map.of()),
                new Example.PromptCompletion(4, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).noneMatch(ReadIssue::error);
        assertThat(read.issues()).filteredOn(i -> i.code().equals("empty_sheet")).singleElement()
                .satisfies(i -> assertThat(i.message()).contains("Notes"));
    }

    @Test
    void columns_named_in_another_case_are_read_and_noted_as_column_case() {
        // given: a header "Prompt,COMPLETION"
        Path file = fixture("column_case.csv");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).containsExactly(new Example.PromptCompletion(2, "Hello", "Hi", Map.of()));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line, ReadIssue::field)
                .containsExactlyInAnyOrder(
                        tuple("column_case", false, 1L, Optional.of("Prompt")),
                        tuple("column_case", false, 1L, Optional.of("COMPLETION")));
    }

    @Test
    void a_csv_without_a_prompt_column_is_reported_as_missing_column_suggesting_prompt_column() {
        // given: a header "question,completion"
        Path file = fixture("no_prompt_column.csv");
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).isEmpty();
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("missing_column");
            assertThat(i.error()).isTrue();
            assertThat(i.line()).isEqualTo(1);
            assertThat(i.field()).contains("prompt");
            assertThat(i.message()).contains("question", "DatasetOptions.builder().promptColumn(");
        });
    }

    @Test
    void the_columns_of_a_table_are_its_header_as_spelled_so_a_caller_can_say_which_to_map() throws IOException {
        // given: a header "question,completion", a TSV and a workbook with other names, and a JSONL file
        Path tsv = Files.writeString(dir.resolve("t.tsv"), "Question\tAnswer\tid\nhi\tho\t1\n");
        Path xlsx = workbook(dir.resolve("t.xlsx"), wb -> {
            var sheet = wb.newWorksheet("tickets");
            sheet.value(0, 0, "input");
            sheet.value(0, 1, "label");
            sheet.value(1, 0, "hello");
            sheet.value(1, 1, "greeting");
        });
        Path jsonl = Files.writeString(dir.resolve("t.jsonl"), "{\"question\":\"hi\",\"answer\":\"ho\"}\n");
        // when / then
        assertThat(Dataset.read(fixture("no_prompt_column.csv")).columns()).containsExactly("question", "completion");
        assertThat(Dataset.read(tsv).columns()).containsExactly("Question", "Answer", "id");
        assertThat(Dataset.read(xlsx).columns()).containsExactly("input", "label");
        assertThat(Dataset.read(jsonl).columns()).isEmpty();
    }

    @Test
    void a_strict_read_of_a_csv_without_a_prompt_column_names_the_field() {
        // given
        Dataset dataset = Dataset.read(fixture("no_prompt_column.csv"));
        // when / then
        assertThatThrownBy(dataset::toList)
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.code()).isEqualTo("missing_column");
                    assertThat(e.field()).contains("prompt");
                    assertThat(e.line()).isEqualTo(1);
                })
                .hasMessageContaining("field 'prompt'");
    }

    @Test
    void columns_are_mapped_with_prompt_column_and_completion_column_and_the_others_kept_as_extras() {
        // given: a header "id,question,answer"
        DatasetOptions options = DatasetOptions.builder().promptColumn("question").completionColumn("answer").build();
        // when
        List<Example> examples = Dataset.read(fixture("question_answer.csv"), options).toList();
        // then
        assertThat(examples).containsExactly(
                new Example.PromptCompletion(2, "What is 2+2?", "4", Map.of("id", "7")),
                new Example.PromptCompletion(3, "Capital of France?", "Paris", Map.of("id", "8")));
    }

    @Test
    void issues_reach_the_consumer_in_file_order() throws IOException {
        // given: line 2 is broken JSON, line 3 holds a Latin-1 byte
        Path file = Files.write(dir.resolve("train.jsonl"), concat(
                "{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\n{\"prompt\":\"caf".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xE9},
                "\",\"completion\":\"d\"}\n".getBytes(StandardCharsets.US_ASCII)));
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.examples()).extracting(Example::line).containsExactly(1L, 3L);
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::line)
                .containsExactly(tuple("invalid_json", 2L), tuple("invalid_utf8", 3L));
    }

    // ---------------------------------------------------------------------------------------------

    private record Read(List<Example> examples, List<ReadIssue> issues) {
    }

    private static Read readLeniently(Path file) {
        List<ReadIssue> issues = new ArrayList<>();
        try (Stream<Example> s = Dataset.read(file).stream(issues::add)) {
            List<Example> examples = s.toList();
            return new Read(examples, issues);
        }
    }

    private static Path fixture(String name) {
        try {
            return Path.of(DatasetReadBadInputTest.class
                    .getResource("/" + DatasetReadBadInputTest.class.getSimpleName() + "/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private interface Sheets {
        void fill(Workbook wb) throws IOException;
    }

    private static Path workbook(Path file, Sheets sheets) {
        try (OutputStream out = Files.newOutputStream(file)) {
            Workbook wb = new Workbook(out, "finetuner-test", "1.0");
            sheets.fill(wb);
            wb.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
