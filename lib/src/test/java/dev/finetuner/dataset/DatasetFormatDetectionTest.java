package dev.finetuner.dataset;

import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Which format a dataset file is read as (from its content, with its extension as a tie-breaker) and
 * what each example shape becomes.
 */
class DatasetFormatDetectionTest {
    private static final Example HELLO = new Example.PromptCompletion(1, "Hello", "Hi", Map.of());

    @TempDir
    Path dir;

    @Test
    void a_csv_file_is_read_as_csv_with_quoted_commas_kept() {
        // given
        Dataset dataset = Dataset.read(fixture("comma.csv"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.CSV);
        assertThat(read.examples()).containsExactly(
                new Example.PromptCompletion(2, "Hello", "Hi", Map.of()),
                new Example.PromptCompletion(3, "Bye, then", "Ciao", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_tsv_file_is_detected_by_its_extension_even_when_its_cells_hold_more_commas_than_tabs() {
        // given
        Dataset dataset = Dataset.read(fixture("tab.tsv"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.TSV);
        assertThat(read.examples()).containsExactly(new Example.PromptCompletion(2, "Hello, world", "Hi, you, there", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_tab_separated_file_with_an_unknown_extension_is_detected_by_its_content() {
        // given: tab_separated.txt
        Dataset dataset = Dataset.read(fixture("tab_separated.txt"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.TSV);
        assertThat(read.examples()).containsExactly(
                new Example.PromptCompletion(2, "Hello", "Hi", Map.of()),
                new Example.PromptCompletion(3, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void an_xlsx_workbook_is_detected_by_its_magic_bytes_even_when_named_dat() throws IOException {
        // given
        Path file = dir.resolve("export.dat");
        try (OutputStream out = Files.newOutputStream(file)) {
            Workbook wb = new Workbook(out, "finetuner-test", "1.0");
            Worksheet ws = wb.newWorksheet("Sheet1");
            ws.value(0, 0, "prompt");
            ws.value(0, 1, "completion");
            ws.value(1, 0, "Hello");
            ws.value(1, 1, "Hi");
            wb.finish();
        }
        Dataset dataset = Dataset.read(file);
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.XLSX);
        assertThat(read.examples()).containsExactly(new Example.PromptCompletion(2, "Hello", "Hi", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_json_array_of_examples_is_read_with_the_line_each_example_starts_on() {
        // given: the second element spans lines 3 to 6
        Dataset dataset = Dataset.read(fixture("array.json"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSON);
        assertThat(read.examples()).containsExactly(
                new Example.PromptCompletion(2, "Hello", "Hi", Map.of()),
                new Example.PromptCompletion(3, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_pandas_object_of_arrays_is_read_row_by_row() {
        // given: df.to_json(orient="list")
        Dataset dataset = Dataset.read(fixture("pandas_orient_list.json"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSON);
        assertThat(read.examples()).containsExactly(HELLO, new Example.PromptCompletion(2, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_pandas_object_of_index_keyed_objects_is_read_row_by_row() {
        // given: df.to_json(orient="columns"), pandas' default
        Dataset dataset = Dataset.read(fixture("pandas_orient_columns.json"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSON);
        assertThat(read.examples()).containsExactly(HELLO, new Example.PromptCompletion(2, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_single_pretty_printed_json_example_is_read_as_one_example() {
        // given
        Dataset dataset = Dataset.read(fixture("single_example.json"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSON);
        assertThat(read.examples()).containsExactly(HELLO);
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_json_file_holding_jsonl_is_read_as_jsonl_with_a_note() {
        // given
        Dataset dataset = Dataset.read(fixture("jsonl_inside.json"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSONL);
        assertThat(read.examples()).containsExactly(HELLO, new Example.PromptCompletion(2, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).extracting(ReadIssue::code, ReadIssue::error, ReadIssue::line)
                .containsExactly(tuple("jsonl_in_json_file", false, 0L));
    }

    @Test
    void a_csv_file_holding_jsonl_is_read_as_jsonl_with_a_format_mismatch_note() {
        // given
        Dataset dataset = Dataset.read(fixture("jsonl_inside.csv"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSONL);
        assertThat(read.examples()).containsExactly(HELLO, new Example.PromptCompletion(2, "Bye", "Ciao", Map.of()));
        assertThat(read.issues()).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("format_mismatch");
            assertThat(i.error()).isFalse();
            assertThat(i.message()).contains("CSV", "JSONL");
        });
    }

    @Test
    void a_jsonl_file_with_a_single_example_is_read_as_jsonl_without_a_format_note() {
        // given: one line, which is valid JSON as well as valid JSONL
        Dataset dataset = Dataset.read(fixture("single_example.jsonl"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(read.examples()).containsExactly(HELLO);
        assertThat(read.issues()).isEmpty();
        assertThat(dataset.format()).isEqualTo(DatasetFormat.JSONL);
    }

    @Test
    void a_format_given_in_the_options_is_used_without_a_mismatch_note() throws IOException {
        // given: CSV content in a file named .jsonl, read as CSV on purpose
        Path file = Files.writeString(dir.resolve("train.jsonl"), "prompt,completion\nHello,Hi\n");
        Dataset dataset = Dataset.read(file, DatasetOptions.builder().format(DatasetFormat.CSV).build());
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(dataset.format()).isEqualTo(DatasetFormat.CSV);
        assertThat(read.examples()).containsExactly(new Example.PromptCompletion(2, "Hello", "Hi", Map.of()));
        assertThat(read.issues()).isEmpty();
    }

    @Test
    void a_chat_example_is_parsed_with_its_messages_tools_and_other_keys_kept_verbatim() {
        // given: a tool-calling conversation on line 1
        Dataset dataset = Dataset.read(fixture("chat.jsonl"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples().get(0)).isInstanceOfSatisfying(Example.Chat.class, chat -> {
            assertThat(chat.line()).isEqualTo(1);
            assertThat(chat.messages()).extracting(Message::role)
                    .containsExactly("system", "user", "assistant", "tool", "assistant");
            assertThat(chat.messages().get(0)).isEqualTo(Message.system("You answer about the weather."));
            assertThat(chat.messages().get(1).name()).contains("ann");
            assertThat(chat.messages().get(2).content()).isEmpty();
            assertThat(chat.messages().get(2).extras()).containsOnlyKeys("tool_calls");
            assertThat(chat.messages().get(2).extras().get("tool_calls"))
                    .isEqualTo("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]");
            assertThat(chat.messages().get(3)).isEqualTo(
                    new Message("tool", Optional.of("18C, sunny"), Map.of("tool_call_id", "\"call_1\"")));
            assertThat(chat.messages().get(4).extras()).containsExactly(Map.entry("weight", "1"));
            assertThat(chat.tools()).contains("[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                    + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]");
            assertThat(chat.extras()).containsExactly(Map.entry("parallel_tool_calls", "false"));
        });
    }

    @Test
    void a_chat_message_with_content_parts_keeps_them_as_raw_json() {
        // given: line 2's user message has a list of content parts
        Dataset dataset = Dataset.read(fixture("chat.jsonl"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(read.examples().get(1)).isInstanceOfSatisfying(Example.Chat.class, chat -> {
            assertThat(chat.line()).isEqualTo(2);
            assertThat(chat.messages().get(0).content()).isEmpty();
            assertThat(chat.messages().get(0).extras())
                    .containsExactly(Map.entry("content", "[{\"type\":\"text\",\"text\":\"What is this?\"}]"));
            assertThat(chat.tools()).isEmpty();
            assertThat(chat.extras()).isEmpty();
        });
    }

    @Test
    void a_preference_example_is_parsed_into_its_input_and_both_outputs() {
        // given: DPO examples as the fine-tuning API takes them
        Dataset dataset = Dataset.read(fixture("preference.jsonl"));
        // when
        Read read = readLeniently(dataset);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).hasSize(2).allMatch(e -> e instanceof Example.Preference);
        Example.Preference first = (Example.Preference) read.examples().get(0);
        assertThat(first.line()).isEqualTo(1);
        assertThat(first.input().messages())
                .containsExactly(Message.user("Hello, can you tell me how cold San Francisco is today?"));
        assertThat(first.input().tools()).contains("[{\"type\":\"function\",\"function\":{\"name\":\"t\"}}]");
        assertThat(first.input().extras()).containsExactly(Map.entry("parallel_tool_calls", "true"));
        assertThat(first.preferred())
                .containsExactly(Message.assistant("Today in San Francisco, it is not quite cold as expected."));
        assertThat(first.nonPreferred())
                .containsExactly(Message.assistant("It is not particularly cold in San Francisco today."));
        assertThat(read.examples().get(1).line()).isEqualTo(2);
    }

    // ---------------------------------------------------------------------------------------------

    private record Read(List<Example> examples, List<ReadIssue> issues) {
    }

    private static Read readLeniently(Dataset dataset) {
        List<ReadIssue> issues = new ArrayList<>();
        try (Stream<Example> s = dataset.stream(issues::add)) {
            List<Example> examples = s.toList();
            return new Read(examples, issues);
        }
    }

    private static Path fixture(String name) {
        try {
            return Path.of(DatasetFormatDetectionTest.class
                    .getResource("/" + DatasetFormatDetectionTest.class.getSimpleName() + "/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
