package dev.finetuner.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.util.ArrayDeque;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Decodes UTF-8 and never fails on bad bytes: a byte that is not valid UTF-8 (typically Latin-1 or
 * Windows-1252 text in a file said to be UTF-8) is decoded as Windows-1252 instead, and reported once per
 * line, with the line number, so that the change is counted rather than silent. A leading byte-order
 * mark is removed and reported.
 */
final class CheckedUtf8Reader extends Reader {
    private final InputStream in;
    /** Notes on lines decoded ahead of the parser; released in order as the parser reaches them. */
    private final ArrayDeque<ReadIssue> pending = new ArrayDeque<>();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(64 * 1024);
    private final CharBuffer chars = CharBuffer.allocate(64 * 1024);
    private boolean eof;
    private boolean first = true;
    private long line = 1;
    private long lastReportedLine;
    private boolean lastWasCr;

    CheckedUtf8Reader(InputStream in) {
        this(in, 1);
    }

    /** A reader of a stream that starts at {@code firstLine} of its file (a byte-order mark only counts on line 1). */
    CheckedUtf8Reader(InputStream in, long firstLine) {
        this.in = in;
        this.line = firstLine;
        this.first = firstLine == 1;
        bytes.flip();
        chars.flip();
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!chars.hasRemaining()) {
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, chars.remaining());
        chars.get(buf, off, n);
        return n;
    }

    /** Decodes more characters into {@link #chars}; false at end of input. */
    private boolean fill() throws IOException {
        chars.clear();
        try {
            while (chars.position() == 0) {
                if (!bytes.hasRemaining() || needsMoreBytes) {
                    if (eof && !bytes.hasRemaining()) {
                        return false;
                    }
                    readBytes();
                }
                CoderResult r = decoder.decode(bytes, chars, eof);
                needsMoreBytes = false;
                if (r.isMalformed() || r.isUnmappable()) {
                    int bad = r.length();
                    for (int i = 0; i < bad && chars.hasRemaining(); i++) {
                        chars.put(fallback(bytes.get()));
                    }
                    reportBadBytes();
                } else if (r.isUnderflow()) {
                    if (eof) {
                        if (bytes.hasRemaining()) {
                            // a truncated sequence at the very end
                            while (bytes.hasRemaining() && chars.hasRemaining()) {
                                chars.put(fallback(bytes.get()));
                            }
                            reportBadBytes();
                        }
                        if (chars.position() == 0) {
                            return false;
                        }
                    } else {
                        needsMoreBytes = true;
                    }
                }
            }
        } finally {
            chars.flip();
        }
        countLinesAndBom();
        return true;
    }

    private boolean needsMoreBytes;

    private void readBytes() throws IOException {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            eof = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    /**
     * A byte that is not UTF-8, read as Windows-1252 (which is Latin-1 plus printable characters such as
     * curly quotes in 0x80..0x9F, where Latin-1 has invisible control codes).
     */
    static char fallback(byte b) {
        return CP1252[b & 0xff];
    }

    private static final char[] CP1252 = new char[256];

    static {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        String decoded = new String(all, java.nio.charset.Charset.forName("windows-1252"));
        for (int i = 0; i < 256; i++) {
            char c = decoded.charAt(i);
            CP1252[i] = c == '\uFFFD' ? (char) i : c; // the five bytes cp1252 leaves undefined stay as Latin-1
        }
    }

    private void reportBadBytes() {
        // line counts the newlines already handed out plus those decoded in this buffer so far
        long at = line;
        boolean cr = lastWasCr;
        for (int i = 0; i < chars.position(); i++) {
            char c = chars.get(i);
            if (c == '\n' ? !cr : c == '\r') {
                at++;
            }
            cr = c == '\r';
        }
        if (at != lastReportedLine) {
            lastReportedLine = at;
            pending.add(ReadIssue.note("invalid_utf8", at, null,
                    "bytes that are not valid UTF-8 were read as Windows-1252 (Latin-1); save the file as UTF-8 to be sure of the text"));
        }
    }

    private void countLinesAndBom() {
        if (first) {
            first = false;
            if (chars.hasRemaining() && chars.get(chars.position()) == '\uFEFF') {
                chars.get();
                pending.add(ReadIssue.note("bom", 1, null,
                        "the file starts with a UTF-8 byte-order mark; it was removed"));
            }
        }
        // a line ends at \n, \r\n or a lone \r, as the JSON and CSV parsers count them
        for (int i = chars.position(); i < chars.limit(); i++) {
            char c = chars.get(i);
            if (c == '\n' ? !lastWasCr : c == '\r') {
                line++;
            }
            lastWasCr = c == '\r';
        }
    }

    /** Hands over, in order, the notes on lines up to {@code line}. */
    void release(long line, Consumer<ReadIssue> issues) {
        while (!pending.isEmpty() && pending.peek().line() <= line) {
            issues.accept(pending.poll());
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
