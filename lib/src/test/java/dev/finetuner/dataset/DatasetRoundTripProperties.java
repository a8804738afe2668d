package dev.finetuner.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the text, what {@link DatasetWriter} writes {@link Dataset#read} reads back unchanged, each
 * example with the line it was written on; and a CSV written the way Python's {@code csv} module writes
 * it reads back cell for cell.
 *
 * <p>Files of two or more examples: a file of one example is covered by
 * {@code DatasetFormatDetectionTest.a_jsonl_file_with_a_single_example_is_read_as_jsonl_without_a_format_note}.
 */
class DatasetRoundTripProperties {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Property(tries = 200)
    void prompt_completion_examples_are_read_back_as_written(
            @ForAll("promptCompletionFiles") List<Example.PromptCompletion> written) {
        // given
        Path file = jsonl(written);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).map(e -> e.atLine(0)).containsExactlyElementsOf(written);
        assertThat(read.examples()).map(Example::line).containsExactlyElementsOf(oneTo(written.size()));
    }

    @Property(tries = 200)
    void chat_examples_are_read_back_as_written(
            @ForAll("chatFiles") List<Example.Chat> written) {
        // given
        Path file = jsonl(written);
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).map(e -> e.atLine(0)).containsExactlyElementsOf(written);
        assertThat(read.examples()).map(Example::line).containsExactlyElementsOf(oneTo(written.size()));
    }

    @Property(tries = 200)
    void preference_examples_are_read_back_as_written(@ForAll("preferenceFiles") List<Example.Preference> written) {
        // given
        Path file = jsonl(written);
        // when
        Read read = readLeniently(file);
        // then: compared with the example's and its input's line both set to 0
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).map(e -> (Example.Preference) e)
                .map(p -> p.atLine(0))
                .containsExactlyElementsOf(written);
        assertThat(read.examples()).map(Example::line).containsExactlyElementsOf(oneTo(written.size()));
    }

    @Property(tries = 50)
    void a_preference_example_read_back_and_moved_to_line_0_equals_the_one_written(
            @ForAll("preferenceFiles") List<Example.Preference> written) {
        // given
        Path file = jsonl(written);
        // when
        Read read = readLeniently(file);
        // then: atLine moves the whole example, its input conversation included
        assertThat(read.examples()).map(e -> e.atLine(0)).containsExactlyElementsOf(written);
    }

    @Property(tries = 200)
    void a_csv_quoted_as_python_writes_it_is_read_back_cell_for_cell_with_the_line_each_record_starts_on(
            @ForAll("csvRows") List<Example.PromptCompletion> rows) {
        // given: csv.writer(f) defaults: QUOTE_MINIMAL, '"' doubled, "\r\n" after each record
        StringBuilder csv = new StringBuilder(pythonCsvRecord("prompt", "completion"));
        List<Long> startLines = new ArrayList<>();
        for (Example.PromptCompletion row : rows) {
            startLines.add(lineBreaks(csv) + 1);
            csv.append(pythonCsvRecord(row.prompt(), row.completion()));
        }
        Path file = temp(".csv", csv.toString());
        // when
        Read read = readLeniently(file);
        // then
        assertThat(read.issues()).isEmpty();
        assertThat(read.examples()).map(e -> e.atLine(0)).containsExactlyElementsOf(rows);
        assertThat(read.examples()).map(Example::line).containsExactlyElementsOf(startLines);
    }

    // --- generators ----------------------------------------------------------------------------

    @Provide
    Arbitrary<List<Example.PromptCompletion>> promptCompletionFiles() {
        return promptCompletions().list().ofMinSize(2).ofMaxSize(20);
    }

    @Provide
    Arbitrary<List<Example.Chat>> chatFiles() {
        return chats().list().ofMinSize(2).ofMaxSize(10);
    }

    @Provide
    Arbitrary<List<Example.Preference>> preferenceFiles() {
        return preferences().list().ofMinSize(2).ofMaxSize(10);
    }

    @Provide
    Arbitrary<List<Example.PromptCompletion>> csvRows() {
        // a NUL is never text: a CSV record holding one is dropped and reported (DatasetEdgeCasesTest)
        return promptCompletions().filter(pc -> pc.prompt().indexOf('\0') < 0 && pc.completion().indexOf('\0') < 0)
                .list().ofMinSize(1).ofMaxSize(20);
    }

    /** Any text: quotes, commas, tabs, line breaks (also U+0085, U+2028), control characters, BOMs, accents, CJK, emoji. */
    private Arbitrary<String> text() {
        @SuppressWarnings("unchecked")
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(40, Arbitraries.integers().between(0x20, 0x7e)),
                Tuple.of(15, Arbitraries.of((int) '"', (int) ',', (int) '\t', (int) '\n', (int) '\r', (int) '\\')),
                Tuple.of(3, Arbitraries.integers().between(0x00, 0x1f)),
                Tuple.of(3, Arbitraries.of(0x7f, 0x85, 0xa0, 0x2028, 0x2029, 0xfeff)),
                Tuple.of(10, Arbitraries.integers().between(0xa0, 0xd7ff)),
                Tuple.of(5, Arbitraries.integers().between(0xe000, 0xfffd)),
                Tuple.of(10, Arbitraries.integers().between(0x1f300, 0x1faff)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10ffff)));
        return codePoint.list().ofMaxSize(40)
                .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
    }

    private Arbitrary<Example.PromptCompletion> promptCompletions() {
        return Combinators.combine(text(), text()).as(Example.PromptCompletion::of);
    }

    private Arbitrary<Example.Chat> chats() {
        Arbitrary<Optional<String>> tools = text().list().ofMaxSize(3)
                .map(names -> names.stream().map(n -> Map.of("type", "function", "function", Map.of("name", n))).toList())
                .map(DatasetRoundTripProperties::json)
                .optional(0.5);
        Arbitrary<Map<String, String>> extras = Combinators.combine(
                Arbitraries.of("true", "false").optional(0.3),
                text().optional(0.3)
        ).as((parallel, id) -> {
            Map<String, String> m = new LinkedHashMap<>();
            parallel.ifPresent(p -> m.put("parallel_tool_calls", p));
            id.ifPresent(i -> m.put("metadata", json(Map.of("id", i))));
            return m;
        });
        return Combinators.combine(message().list().ofMinSize(1).ofMaxSize(6), tools, extras)
                .as((messages, t, x) -> new Example.Chat(0, messages, t, x));
    }

    private Arbitrary<Example.Preference> preferences() {
        return Combinators.combine(chats(), message().list().ofMinSize(1).ofMaxSize(2),
                        message().list().ofMinSize(1).ofMaxSize(2))
                .as((input, preferred, nonPreferred) -> new Example.Preference(0, input, preferred, nonPreferred, Map.of()));
    }

    /** A message: a known or unknown role, text, null or content parts, and optional name and weight. */
    private Arbitrary<Message> message() {
        Arbitrary<String> role = Arbitraries.oneOf(
                Arbitraries.of("system", "developer", "user", "assistant", "tool", "function"), text());
        Arbitrary<Integer> contentKind = Arbitraries.frequency(Tuple.of(8, 0), Tuple.of(1, 1), Tuple.of(1, 2));
        return Combinators.combine(role, contentKind, text(), text().optional(0.3),
                        Arbitraries.of("0", "1").optional(0.2))
                .as((r, kind, text, name, weight) -> {
                    Map<String, String> extras = new LinkedHashMap<>();
                    Optional<String> content = Optional.empty();
                    if (kind == 0) {
                        content = Optional.of(text);
                    } else if (kind == 1) {
                        extras.put("content", json(List.of(Map.of("type", "text", "text", text))));
                    } // kind 2: content null, as an assistant tool call has it
                    name.ifPresent(n -> extras.put("name", json(n)));
                    weight.ifPresent(w -> extras.put("weight", w));
                    return new Message(r, content, extras);
                });
    }

    // --- helpers -------------------------------------------------------------------------------

    private record Read(List<Example> examples, List<ReadIssue> issues) {
    }

    private static Read readLeniently(Path file) {
        List<ReadIssue> issues = new ArrayList<>();
        try (Stream<Example> s = Dataset.read(file).stream(issues::add)) {
            List<Example> examples = s.toList();
            return new Read(examples, issues);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Path jsonl(List<? extends Example> examples) {
        try {
            Path file = Files.createTempFile("roundtrip", ".jsonl");
            DatasetWriter.write(file, examples.stream());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path temp(String suffix, String content) {
        try {
            Path file = Files.createTempFile("roundtrip", suffix);
            return Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> oneTo(int n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    /** A record as Python's csv.writer writes it by default (QUOTE_MINIMAL, lineterminator "\r\n"). */
    private static String pythonCsvRecord(String... cells) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            if (i > 0) {
                out.append(',');
            }
            boolean quote = c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0;
            out.append(quote ? '"' + c.replace("\"", "\"\"") + '"' : c);
        }
        return out.append("\r\n").toString();
    }

    /** Line breaks so far, as an editor counts them: "\r\n", "\n" or a lone "\r" each ends a line. */
    private static long lineBreaks(CharSequence text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\n' || (ch == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) {
                n++;
            }
        }
        return n;
    }
}
