package dev.finetuner.dataset;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8LinesTest {

    private static List<String> read(Utf8Lines lines) throws IOException {
        List<String> out = new ArrayList<>();
        while (lines.next()) {
            out.add(lines.line() + ":" + (lines.tooLong() ? "TOO LONG" : lines.text(issue -> { })));
        }
        return out;
    }

    private static Utf8Lines of(String text, long maxChars) {
        return new Utf8Lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), maxChars);
    }

    @Test
    void the_limit_is_in_characters_not_bytes() throws IOException {
        // given: with a limit of 10 characters, 10 two-byte characters, 11, 5 and 6 emoji (two chars each)
        String ten = "\u00e9".repeat(10);
        String eleven = "\u00e9".repeat(11);
        String fiveEmoji = "\ud83d\ude00".repeat(5);
        String sixEmoji = "\ud83d\ude00".repeat(6);
        // when
        List<String> lines = read(of(ten + "\n" + eleven + "\n" + fiveEmoji + "\n" + sixEmoji + "\n", 10));
        // then
        assertThat(lines).containsExactly("1:" + ten, "2:TOO LONG", "3:" + fiveEmoji, "4:TOO LONG");
    }

    @Test
    void a_line_far_over_the_limit_is_read_past_without_being_kept_and_the_next_one_is_read() throws IOException {
        // given: a line of 5 MB against a limit of 10 characters, across buffer refills, ending in \r\n
        Utf8Lines lines = of("x".repeat(5 << 20) + "\r\nnext\rlast", 10);
        // when
        List<String> read = read(lines);
        // then
        assertThat(read).containsExactly("1:TOO LONG", "2:next", "3:last");
        assertThat(lines.consumed()).isEqualTo((5 << 20) + 2 + 5 + 4);
    }

    @Test
    void lines_across_buffer_refills_come_back_whole_and_counted() throws IOException {
        // given: 3 MB of lines of random lengths and characters, with every kind of line break
        Random random = new Random(42);
        String[] breaks = {"\n", "\r\n", "\r"};
        StringBuilder file = new StringBuilder();
        List<String> expected = new ArrayList<>();
        while (file.length() < 3 << 20) {
            int n = random.nextInt(random.nextInt(20) == 0 ? 200_000 : 300);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                line.append("ab \u00e9\u2019\u4e2d{}\"".charAt(random.nextInt(9)));
            }
            expected.add((expected.size() + 1) + ":" + line);
            file.append(line).append(breaks[random.nextInt(3)]);
        }
        // when
        List<String> read = read(of(file.toString(), 1 << 20));
        // then
        assertThat(read).containsExactlyElementsOf(expected);
    }

    @Test
    void bytes_that_are_not_utf8_are_read_as_windows_1252_and_reported_once_for_their_line() throws IOException {
        // given: curly quotes saved as Windows-1252 on line 2
        byte[] bytes = {'o', 'k', '\n', (byte) 0x93, 'h', 'i', (byte) 0x94, ' ', (byte) 0xE9, '\n'};
        Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(bytes), 100);
        List<ReadIssue> issues = new ArrayList<>();
        // when
        lines.next();
        String first = lines.text(issues::add);
        boolean firstValid = lines.valid();
        lines.next();
        String second = lines.text(issues::add);
        // then
        assertThat(first).isEqualTo("ok");
        assertThat(firstValid).isTrue();
        assertThat(lines.valid()).isFalse();
        assertThat(second).isEqualTo("\u201chi\u201d \u00e9");
        assertThat(issues).singleElement().satisfies(i -> {
            assertThat(i.code()).isEqualTo("invalid_utf8");
            assertThat(i.line()).isEqualTo(2);
        });
        assertThat(lines.next()).isFalse();
    }
}
