package dev.finetuner.dataset;

import dev.finetuner.DatasetException;
import dev.finetuner.ScratchDir;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The readers on garbage: random bytes, truncated files and mangled records in every format. Reading
 * never throws anything but a {@link DatasetException}, and a JSONL file's every line is accounted for.
 */
class DatasetReaderFuzzProperties {
    private static final ScratchDir DIR = ScratchDir.create("fuzz");

    @AfterContainer
    static void cleanUp() throws IOException {
        DIR.delete();
    }

    private static List<Object> readLeniently(Path file) {
        List<Object> out = new ArrayList<>();
        try (Stream<Example> s = Dataset.read(file).stream(out::add)) {
            s.forEach(out::add);
        } catch (DatasetException e) {
            out.add(e); // a typed error is an allowed outcome
        }
        return out;
    }

    @Property(tries = 300)
    void random_bytes_in_any_format_give_examples_issues_or_a_dataset_exception(
            @ForAll("garbage") byte[] bytes, @ForAll("extensions") String extension) throws IOException {
        Path file = Files.write(DIR.resolve("f" + System.nanoTime() + extension), bytes);
        List<Object> outcome = readLeniently(file);
        assertThat(outcome).allSatisfy(o -> assertThat(o).isInstanceOfAny(Example.class, ReadIssue.class,
                DatasetException.class));
    }

    @Property(tries = 300)
    void a_truncated_valid_file_reads_what_is_whole_and_reports_the_rest(
            @ForAll("validFiles") String content, @ForAll("extensions") String extension,
            @ForAll("fractions") double keep) throws IOException {
        byte[] all = content.getBytes(StandardCharsets.UTF_8);
        byte[] cut = java.util.Arrays.copyOf(all, (int) (all.length * keep));
        Path file = Files.write(DIR.resolve("t" + System.nanoTime() + extension), cut);
        List<Object> outcome = readLeniently(file);
        assertThat(outcome).allSatisfy(o -> assertThat(o).isInstanceOfAny(Example.class, ReadIssue.class,
                DatasetException.class));
    }

    @Property(tries = 300)
    void every_line_of_a_mangled_jsonl_file_is_an_example_or_an_issue(@ForAll("mangledJsonl") List<String> lines)
            throws IOException {
        Path file = Files.writeString(DIR.resolve("m" + System.nanoTime() + ".jsonl"), String.join("\n", lines) + "\n");
        List<Object> outcome = readLeniently(file);
        long examples = outcome.stream().filter(Example.class::isInstance).count();
        long perLine = outcome.stream().filter(ReadIssue.class::isInstance).map(ReadIssue.class::cast)
                .filter(i -> i.line() > 0 && (i.error() || i.code().equals("empty_line"))).map(ReadIssue::line)
                .distinct().count();
        if (lines.stream().allMatch(String::isBlank)) {
            // nothing but blank lines: one finding for the whole (empty) file
            assertThat(outcome).singleElement().satisfies(o -> assertThat(((ReadIssue) o).code()).isEqualTo("empty_file"));
        } else {
            assertThat(examples + perLine).isEqualTo(lines.size());
        }
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(2000);
    }

    @Provide
    Arbitrary<String> extensions() {
        return Arbitraries.of(".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".txt");
    }

    @Provide
    Arbitrary<Double> fractions() {
        return Arbitraries.doubles().between(0, 1);
    }

    @Provide
    Arbitrary<String> validFiles() {
        return Arbitraries.of(
                "prompt,completion\n\"a, b\",c\n\"multi\nline\",d\ne,f\n",
                "prompt\tcompletion\na\tb\nc\td\n",
                "[{\"prompt\":\"a\",\"completion\":\"b\"},{\"prompt\":\"c\",\"completion\":\"d\"}]",
                "{\"prompt\":[\"a\",\"c\"],\"completion\":[\"b\",\"d\"]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n"
                        + "{\"prompt\":\"a\",\"completion\":\"b\"}\n");
    }

    @Provide
    Arbitrary<List<String>> mangledJsonl() {
        Arbitrary<String> good = Arbitraries.strings().alpha().ofMaxLength(10)
                .map(s -> "{\"prompt\":\"" + s + "\",\"completion\":\" " + s + "\"}");
        Arbitrary<String> bad = Arbitraries.oneOf(
                Arbitraries.strings().withChars("{}[]\":,abc 1\\").ofMaxLength(20),
                Arbitraries.of("", "   ", "null", "[1,2]", "\"text\"", "{\"prompt\":1}", "{\"messages\":[]}",
                        "{\"messages\":[{\"content\":\"no role\"}]}", "{} {}", "{\"input\":{}}"));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, good), net.jqwik.api.Tuple.of(2, bad))
                .list().ofMinSize(1).ofMaxSize(30);
    }
}
