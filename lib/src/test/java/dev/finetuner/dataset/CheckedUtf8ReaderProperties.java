package dev.finetuner.dataset;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder under the CSV and JSON readers gives exactly the JDK decoder's text, with Windows-1252 for
 * each byte that is not UTF-8 and one note per line that had one, however the bytes fall across its
 * buffers and however much of it each read asks for.
 */
class CheckedUtf8ReaderProperties {

    @Property(tries = 300)
    void decodes_as_the_jdk_does_with_windows_1252_for_bad_bytes(@ForAll("texts") byte[] bytes,
                                                                 @ForAll("chunks") int chunk) throws IOException {
        boolean bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF;
        Set<Long> badLines = new TreeSet<>();
        String expected = ReferenceUtf8.decode(bytes, bom ? 3 : 0, badLines);
        // when
        CheckedUtf8Reader reader = new CheckedUtf8Reader(new ByteArrayInputStream(bytes));
        StringBuilder text = new StringBuilder();
        char[] buf = new char[chunk];
        for (int n; (n = reader.read(buf, 0, chunk)) >= 0; ) {
            text.append(buf, 0, n);
        }
        List<ReadIssue> notes = new ArrayList<>();
        reader.release(Long.MAX_VALUE, notes::add);
        // then
        assertThat(text.toString()).isEqualTo(expected);
        assertThat(notes.stream().filter(n -> n.code().equals("invalid_utf8")).map(ReadIssue::line).toList())
                .containsExactlyElementsOf(badLines);
        assertThat(notes.stream().filter(n -> n.code().equals("bom")).count()).isEqualTo(bom ? 1 : 0);
    }

    @Provide
    Arbitrary<Integer> chunks() {
        return Arbitraries.of(1, 3, 7, 100, 8192, 1 << 17);
    }

    @Provide
    Arbitrary<byte[]> texts() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.strings().withChars("\u00e9\u2019\u4e2d\u00a0\ufeff").withChars("\ud83d\ude00".toCharArray())
                        .ofMaxLength(6).map(s -> s.replace("\ud83d", "").replace("\ude00", "\ud83d\ude00"))
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of("\n", "\r\n", "\r", "\n\r").map(s -> s.getBytes(StandardCharsets.US_ASCII)),
                Arbitraries.of(new byte[] {(byte) 0x93}, new byte[] {(byte) 0xE9}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                        new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, new byte[] {(byte) 0xFF},
                        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
        // up to about 300 KB, so that sequences fall across the reader's 64 KB buffers
        Arbitrary<Integer> repeats = Arbitraries.of(1, 1, 1, 50, 3000);
        return Combinators.combine(piece.list().ofMaxSize(40), repeats, Arbitraries.of(true, false, false))
                .as((pieces, times, bom) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    if (bom) {
                        out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
                    }
                    for (int t = 0; t < times; t++) {
                        pieces.forEach(out::writeBytes);
                    }
                    return out.toByteArray();
                });
    }
}
