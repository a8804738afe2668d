package dev.finetuner.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link DatasetWriter} writes: the JSONL the fine-tuning API takes. */
class DatasetWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOL_CALLS =
            "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]";

    @TempDir
    Path dir;

    @Test
    void each_example_is_written_as_one_json_object_on_its_own_line_ending_in_a_newline() throws IOException {
        // given: one example of each shape, with line breaks in their text
        Example.Chat chat = Example.Chat.of(Message.user("line 1\r\nline 2"), Message.assistant("ok\n"));
        List<Example> examples = List.of(
                Example.PromptCompletion.of("a\nb", "c\rd"),
                chat,
                Example.Preference.of(chat, Message.assistant("yes"), Message.assistant("no")));
        Path file = dir.resolve("train.jsonl");
        // when
        long written = DatasetWriter.write(file, examples.stream());
        // then
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(written).isEqualTo(3);
        assertThat(text).endsWith("\n").doesNotContain("\r");
        List<String> lines = List.of(text.split("\n", -1));
        assertThat(lines).hasSize(4).last().isEqualTo("");
        assertThat(lines.subList(0, 3)).allSatisfy(line -> assertThat(JSON.readTree(line).isObject()).isTrue());
    }

    @Test
    void text_is_written_as_utf8_without_escaping_accents_or_emoji() throws IOException {
        // given
        Path file = dir.resolve("train.jsonl");
        // when
        DatasetWriter.write(file, Stream.of(Example.PromptCompletion.of("café 😀", "naïve")));
        // then
        assertThat(Files.readAllBytes(file))
                .isEqualTo("{\"prompt\":\"café 😀\",\"completion\":\"naïve\"}\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void extra_columns_of_prompt_completion_examples_are_not_written() throws IOException {
        // given: a row that had "id" and "label" columns besides prompt and completion
        Example example = new Example.PromptCompletion(3, "p", "c", Map.of("id", "7", "label", "spam"));
        Path file = dir.resolve("train.jsonl");
        // when
        DatasetWriter.write(file, Stream.of(example));
        // then
        assertThat(Files.readString(file)).isEqualTo("{\"prompt\":\"p\",\"completion\":\"c\"}\n");
    }

    @Test
    void chat_tools_and_other_keys_are_written_verbatim() throws IOException {
        // given
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]";
        Example.Chat chat = new Example.Chat(1,
                List.of(Message.user("Weather?"), new Message("assistant", Optional.of("Sunny."),
                        Map.of("weight", "1", "name", "\"bot\""))),
                Optional.of(tools), Map.of("parallel_tool_calls", "false", "metadata", "{\"id\":[1,2.5,null]}"));
        StringWriter out = new StringWriter();
        // when
        try (DatasetWriter writer = DatasetWriter.to(out)) {
            writer.write(chat);
        }
        // then
        String line = out.toString();
        assertThat(line).contains("\"tools\":" + tools, "\"parallel_tool_calls\":false",
                "\"metadata\":{\"id\":[1,2.5,null]}", "\"weight\":1", "\"name\":\"bot\"");
        assertThat(JSON.readTree(line)).isEqualTo(JSON.readTree("""
                {"messages":[{"role":"user","content":"Weather?"},
                             {"role":"assistant","content":"Sunny.","weight":1,"name":"bot"}],
                 "tools":%s,"parallel_tool_calls":false,"metadata":{"id":[1,2.5,null]}}""".formatted(tools)));
    }

    @Test
    void an_assistant_tool_call_without_content_is_written_with_content_null() {
        // given
        Message toolCall = new Message("assistant", Optional.empty(), Map.of("tool_calls", TOOL_CALLS));
        StringWriter out = new StringWriter();
        // when
        try (DatasetWriter writer = DatasetWriter.to(out)) {
            writer.write(Example.Chat.of(Message.user("Weather in Paris?"), toolCall));
        }
        // then
        assertThat(out.toString()).contains("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":" + TOOL_CALLS + "}");
    }

    @Test
    void content_parts_are_written_as_the_content_array_and_not_as_null() throws IOException {
        // given
        String parts = "[{\"type\":\"text\",\"text\":\"What is this?\"}]";
        Message user = new Message("user", Optional.empty(), Map.of("content", parts));
        StringWriter out = new StringWriter();
        // when
        try (DatasetWriter writer = DatasetWriter.to(out)) {
            writer.write(Example.Chat.of(user, Message.assistant("A cat.")));
        }
        // then
        JsonNode message = JSON.readTree(out.toString()).get("messages").get(0);
        assertThat(message).isEqualTo(JSON.readTree("{\"role\":\"user\",\"content\":" + parts + "}"));
        assertThat(out.toString()).containsOnlyOnce("\"content\":" + parts);
    }

    @Test
    void a_writer_that_wrote_nothing_leaves_an_empty_file() throws IOException {
        // given
        Path file = dir.resolve("empty.jsonl");
        // when
        long written = DatasetWriter.write(file, Stream.empty());
        // then
        assertThat(written).isZero();
        assertThat(file).isEmptyFile();
    }

    @Test
    void a_chat_file_is_written_back_byte_for_byte_as_it_was_read() throws IOException {
        // given: compact JSONL, keys in the order the API documents them, several optional keys
        String original = """
                {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather?","name":"ann","weight":0},{"role":"assistant","content":null,"tool_calls":%s,"refusal":null,"weight":1}],"tools":[{"type":"function","function":{"name":"weather"}}],"parallel_tool_calls":false,"metadata":{"source":"tickets"},"id":"ex-1","split":"train","lang":"en"}
                {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}
                """.formatted(TOOL_CALLS);
        Path in = Files.writeString(dir.resolve("in.jsonl"), original);
        Path out = dir.resolve("out.jsonl");
        // when
        DatasetWriter.write(out, Dataset.read(in));
        // then
        assertThat(Files.readString(out)).isEqualTo(original);
    }

    @Test
    void the_other_keys_of_a_preference_example_are_written_back_as_they_were_read() throws IOException {
        // given: a DPO example with an "id" key besides input and the two outputs
        String original = """
                {"input":{"messages":[{"role":"user","content":"2+2?"}]},"preferred_output":[{"role":"assistant","content":"4"}],"non_preferred_output":[{"role":"assistant","content":"5"}],"id":"pref-1"}
                {"input":{"messages":[{"role":"user","content":"3+3?"}]},"preferred_output":[{"role":"assistant","content":"6"}],"non_preferred_output":[{"role":"assistant","content":"7"}],"id":"pref-2"}
                """;
        Path in = Files.writeString(dir.resolve("in.jsonl"), original);
        Path out = dir.resolve("out.jsonl");
        // when
        DatasetWriter.write(out, Dataset.read(in));
        // then
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(0))).isEqualTo(JSON.readTree(original.lines().toList().get(0)));
        assertThat(JSON.readTree(lines.get(1))).isEqualTo(JSON.readTree(original.lines().toList().get(1)));
    }
}
