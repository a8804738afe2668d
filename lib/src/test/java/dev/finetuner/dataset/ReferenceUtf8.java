package dev.finetuner.dataset;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The reference our UTF-8 readers are held to: the JDK's decoder, each byte it rejects read as Windows-1252. */
final class ReferenceUtf8 {
    private ReferenceUtf8() {
    }

    /** Decodes {@code bytes} from {@code from}, adding to {@code badLines} the line of each rejected byte. */
    static String decode(byte[] bytes, int from, Set<Long> badLines) {
        Charset cp1252 = Charset.forName("windows-1252");
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, from, bytes.length - from);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isUnderflow()) {
                break;
            }
            badLines.add(lineAt(out));
            for (int i = 0; i < r.length(); i++) {
                byte b = in.get();
                char c = new String(new byte[] {b}, cp1252).charAt(0);
                out.put(c == '\uFFFD' ? (char) (b & 0xff) : c);
            }
        }
        out.flip();
        return out.toString();
    }

    /** The line the next character of {@code out} is on (lines end at \n, \r\n or a lone \r). */
    private static long lineAt(CharBuffer out) {
        long line = 1;
        for (int i = 0; i < out.position(); i++) {
            char c = out.get(i);
            if (c == '\n' ? i == 0 || out.get(i - 1) != '\r' : c == '\r') {
                line++;
            }
        }
        return line;
    }
}
