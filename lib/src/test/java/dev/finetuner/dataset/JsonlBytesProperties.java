package dev.finetuner.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.finetuner.ScratchDir;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JSONL file is read from its bytes (lines split before decoding, Jackson's UTF-8 parser on each) to
 * exactly what decoding the whole file first and parsing each line as text gives: the same examples, the
 * same notes on the same lines, for any mix of line breaks, byte-order mark, bytes that are not UTF-8,
 * non-ASCII text, blank and invalid lines.
 */
class JsonlBytesProperties {
    private static final ScratchDir DIR = ScratchDir.create("jsonl-bytes");
    private static final ObjectReader TREE = new ObjectMapper().readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @AfterContainer
    static void cleanUp() throws IOException {
        DIR.delete();
    }

    @Property(tries = 500)
    void bytes_read_as_decoding_first_would_read_them(@ForAll("files") byte[] bytes) throws IOException {
        Path file = Files.write(DIR.resolve("f" + System.nanoTime() + ".jsonl"), bytes);
        List<Object> read = new ArrayList<>();
        try (Stream<Example> s = Dataset.read(file, DatasetOptions.builder().format(DatasetFormat.JSONL).build())
                .stream(read::add)) {
            s.forEach(read::add);
        }
        assertThat(read).containsExactlyElementsOf(reference(bytes));
    }

    /** Decodes the whole file as the old reader did (JDK decoder, Windows-1252 for bad bytes), then parses each line. */
    private static List<Object> reference(byte[] bytes) throws IOException {
        List<Object> out = new ArrayList<>();
        boolean bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF;
        Set<Long> badLines = new HashSet<>();
        String text = ReferenceUtf8.decode(bytes, bom ? 3 : 0, badLines);
        RecordMapper mapper = new RecordMapper(DatasetOptions.defaults());
        BufferedReader lines = new BufferedReader(new StringReader(text));
        long n = 0;
        for (String line; (line = lines.readLine()) != null; ) {
            n++;
            if (bom && n == 1) {
                out.add(bomNote());
            }
            if (badLines.contains(n)) {
                out.add(ReadIssue.note("invalid_utf8", n, null, "bytes that are not valid UTF-8 were read as"
                        + " Windows-1252 (Latin-1); save the file as UTF-8 to be sure of the text"));
            }
            if (line.isBlank()) {
                out.add(ReadIssue.note("empty_line", n, null, "empty line skipped"));
                continue;
            }
            JsonNode node;
            try {
                node = TREE.readValue(line);
            } catch (JsonProcessingException e) {
                out.add(ReadIssue.dropped("invalid_json", n, null, "not valid JSON: " + e.getOriginalMessage()
                        + " (column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")"));
                continue;
            }
            Example ex = mapper.fromJson(node, n, out::add);
            if (ex != null) {
                out.add(ex);
            }
        }
        if (bom && n == 0) {
            out.add(bomNote());
        }
        return out;
    }

    private static ReadIssue bomNote() {
        return ReadIssue.note("bom", 1, null, "the file starts with a UTF-8 byte-order mark; it was removed");
    }

    @Provide
    Arbitrary<byte[]> files() {
        Arbitrary<byte[]> line = Arbitraries.oneOf(
                example().map(s -> s.getBytes(StandardCharsets.UTF_8)),
                example().map(s -> s.getBytes(StandardCharsets.UTF_8)),
                example().map(s -> s.getBytes(StandardCharsets.UTF_8)).flatMap(JsonlBytesProperties::withBadByte),
                Arbitraries.of("", "   ", "\t", "\u2003", "\u00a0", "{", "{\"prompt\":1} x", "null", "[1,2]",
                                "\u0000{\"prompt\":\"a\"}", " {\"prompt\":\"a\",\"completion\":\"b\"}", "\uFEFF{}",
                                "{\"prompt\":\"caf\u00e9\",\"completion\":\"\u00e9\"x}", "\"\u00e9\"")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<String> breaks = Arbitraries.of("\n", "\n", "\r\n", "\r");
        // the last line an example, so that no file is only blank (which the format sniffing calls empty)
        Arbitrary<List<byte[]>> lines = Combinators.combine(line.list().ofMaxSize(11),
                example().map(s -> s.getBytes(StandardCharsets.UTF_8))).as((ls, last) -> {
                    List<byte[]> all = new ArrayList<>(ls);
                    all.add(last);
                    return all;
                });
        return Combinators.combine(lines, breaks.list().ofSize(12),
                Arbitraries.of(true, false, false), Arbitraries.of(true, false)).as((ls, bs, bom, lastBreak) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    if (bom) {
                        out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
                    }
                    for (int i = 0; i < ls.size(); i++) {
                        out.writeBytes(ls.get(i));
                        if (i < ls.size() - 1 || lastBreak) {
                            out.writeBytes(bs.get(i).getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                    return out.toByteArray();
                });
    }

    private static Arbitrary<String> example() {
        Arbitrary<String> text = Arbitraries.strings().withChars("ab \u00e9\u2019\u4e2d")
                .withCharRange('\u0020', '\u007e').withChars("\ud83d\ude00".toCharArray()).ofMaxLength(30)
                .map(s -> s.replace("\\", "").replace("\"", "'").replace("\ud83d", "").replace("\ude00", "\ud83d\ude00"));
        return Combinators.combine(text, text).as((p, c) -> "{\"prompt\":\"" + p + "\",\"completion\":\"" + c + "\"}");
    }

    /** The line with one byte replaced by, or followed by, a byte or a cut sequence that is not UTF-8. */
    private static Arbitrary<byte[]> withBadByte(byte[] line) {
        Arbitrary<byte[]> bad = Arbitraries.of(new byte[] {(byte) 0x93}, new byte[] {(byte) 0xE9},
                new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xE2, (byte) 0x82},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xE2, (byte) 0xE2, (byte) 0x82, (byte) 0xAC});
        return Combinators.combine(bad, Arbitraries.integers().between(0, line.length)).as((b, at) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(line, 0, at);
            out.writeBytes(b);
            out.write(line, at, line.length - at);
            return out.toByteArray();
        });
    }
}
