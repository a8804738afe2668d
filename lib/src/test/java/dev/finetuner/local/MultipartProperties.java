package dev.finetuner.local;

import dev.finetuner.ScratchDir;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded backend's multipart reader gives back a file field's bytes exactly, whatever they hold
 * (pieces of the delimiter, CR and LF, the boundary without its line break), however the body arrives
 * (one byte at a time or in large reads, a delimiter cut across reads), and the text field beside it.
 */
class MultipartProperties {
    private static final ScratchDir DIR = ScratchDir.create("multipart");

    @AfterContainer
    static void cleanUp() throws IOException {
        DIR.delete();
    }

    @Property(tries = 300)
    void a_file_field_comes_back_byte_for_byte(@ForAll("contents") byte[] content, @ForAll("boundaries") String boundary,
                                               @ForAll @IntRange(min = 1, max = 200_000) int maxRead,
                                               @ForAll long seed) throws IOException {
        Assume.that(!contains(content, "\r\n--" + boundary)); // no form can carry its own delimiter
        // given: a form with a text field before the file and one after
        byte[] body = form(boundary, content);
        // when: read from a stream that hands out between 1 and maxRead bytes at a time
        Map<String, Multipart.Part> parts = Multipart.read(new Trickle(body, maxRead, seed),
                "multipart/form-data; boundary=" + boundary, Set.of(), name -> DIR.resolve(name + System.nanoTime()));
        // then
        Multipart.Part file = parts.get("file");
        assertThat(file.filename()).isEqualTo("train \u00e9.jsonl");
        assertThat(file.size()).isEqualTo(content.length);
        assertThat(Files.readAllBytes(file.file())).isEqualTo(content);
        assertThat(parts.get("purpose").value()).isEqualTo("fine-tune");
        assertThat(parts.get("after").value()).isEqualTo("x\r\n--");
        Files.delete(file.file());
    }

    @Property(tries = 100)
    void a_body_cut_anywhere_before_its_closing_boundary_is_refused(@ForAll("contents") byte[] content,
                                                                   @ForAll @IntRange(min = 0, max = 1_000_000) int cutAt)
            throws IOException {
        String boundary = "b0undary";
        Assume.that(!contains(content, "\r\n--" + boundary));
        // given: a well-formed form cut short before its closing delimiter is whole
        byte[] body = form(boundary, content);
        int end = ("\r\n--" + boundary + "--\r\n").length();
        int cut = cutAt % (body.length - end + 1);
        byte[] truncated = java.util.Arrays.copyOf(body, cut + ("\r\n--" + boundary).length() - 1);
        // when, then
        assertThatThrownBy(() -> Multipart.read(new ByteArrayInputStream(truncated), "multipart/form-data; boundary=" + boundary,
                Set.of(), name -> DIR.resolve(name + System.nanoTime())))
                .isInstanceOf(ApiError.class).hasMessageContaining("ends before its closing boundary");
    }

    private static byte[] form(String boundary, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"train \u00e9.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nx\r\n--\r\n--" + boundary
                + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Provide
    Arbitrary<String> boundaries() {
        return Arbitraries.of("b0undary", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "x", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8");
    }

    /** Random bytes spliced with pieces that look like a delimiter: CR, LF, dashes and boundary prefixes. */
    @Provide
    Arbitrary<byte[]> contents() {
        List<String> pieces = List.of("\r", "\n", "\r\n", "--", "\r\n-", "\r\n--", "\r\n--b0und", "\r\n--b0undar",
                "--b0undary", "\r\n--b0undar\r\n--b0undar-", "----WebKitFormBoundary7MA4YWxkTrZu0g",
                "\r\n--a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f", "{\"prompt\": \"caf\u00e9 ->\", \"completion\": \" ok END\"}\n");
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.of(pieces).map(p -> p.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(10, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                Tuple.of(1, Arbitraries.integers().between(1, 300_000).map(n -> new byte[n]))); // across buffer refills
        return piece.list().ofMaxSize(40).map(list -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            list.forEach(out::writeBytes);
            return out.toByteArray();
        });
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    /** Hands out a body in reads of random sizes, as a socket does. */
    private static final class Trickle extends InputStream {
        private final byte[] body;
        private final int maxRead;
        private final Random random;
        private int pos;

        Trickle(byte[] body, int maxRead, long seed) {
            this.body = body;
            this.maxRead = maxRead;
            this.random = new Random(seed);
        }

        @Override
        public int read() {
            return pos < body.length ? body[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == body.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, body.length - pos), 1 + random.nextInt(maxRead));
            System.arraycopy(body, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
