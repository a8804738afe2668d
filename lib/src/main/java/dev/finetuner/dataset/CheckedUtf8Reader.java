package dev.finetuner.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Decodes UTF-8 and never fails on bad bytes: a byte that is not valid UTF-8 (typically Latin-1 or
 * Windows-1252 text in a file said to be UTF-8) is decoded as Windows-1252 instead, and reported once per
 * line, with the line number, so that the change is counted rather than silent. A leading byte-order
 * mark is removed and reported.
 */
final class CheckedUtf8Reader extends Reader {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private final InputStream in;
    /** Notes on lines decoded ahead of the parser; released in order as the parser reaches them. */
    private final ArrayDeque<ReadIssue> pending = new ArrayDeque<>();
    private final byte[] bytes = new byte[64 * 1024];
    private int bytesFrom;
    private int bytesTo;
    private final char[] chars = new char[64 * 1024];
    private int charsFrom;
    private int charsTo;
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
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (charsFrom == charsTo) {
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, charsTo - charsFrom);
        System.arraycopy(chars, charsFrom, buf, off, n);
        charsFrom += n;
        return n;
    }

    /** Decodes more characters into {@link #chars}; false at end of input. */
    private boolean fill() throws IOException {
        charsFrom = 0;
        charsTo = 0;
        while (charsTo == 0) {
            if (bytesTo - bytesFrom < 4 && !eof) {
                readBytes();
            }
            if (bytesFrom == bytesTo && eof) {
                return false;
            }
            decode();
        }
        countLinesAndBom();
        return true;
    }

    /**
     * Decodes what fits of {@link #bytes} into {@link #chars}: runs of ASCII eight bytes at a time (the
     * JDK's decoder goes byte by byte after the first non-ASCII byte of a buffer, which on real text
     * is nearly all of it), other sequences one by one, each byte that starts none as Windows-1252.
     * Stops before the last three bytes until the end of the input, as they may be a sequence cut short.
     */
    private void decode() {
        byte[] b = bytes;
        char[] c = chars;
        int i = bytesFrom;
        int o = charsTo;
        int end = bytesTo;
        while (i < end && o < c.length) {
            if (b[i] >= 0) {
                int stop = Math.min(end, i + c.length - o);
                int j = i;
                while (j + 8 <= stop && ((long) LONGS.get(b, j) & HIGH_BITS) == 0) {
                    j += 8;
                }
                while (j < stop && b[j] >= 0) {
                    j++;
                }
                for (; i < j; i++) {
                    c[o++] = (char) b[i];
                }
                continue;
            }
            int n = Utf8Lines.sequence(b, i, end);
            if (n == 0) {
                if (!eof && end - i < 4) {
                    break;
                }
                c[o++] = fallback(b[i++]);
                reportBadBytes(o);
                continue;
            }
            int lead = b[i] & 0xff;
            if (n == 2) {
                c[o++] = (char) ((lead & 0x1F) << 6 | b[i + 1] & 0x3F);
            } else if (n == 3) {
                c[o++] = (char) ((lead & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | b[i + 2] & 0x3F);
            } else {
                if (c.length - o < 2) {
                    break;
                }
                int cp = (lead & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | b[i + 3] & 0x3F;
                c[o++] = Character.highSurrogate(cp);
                c[o++] = Character.lowSurrogate(cp);
            }
            i += n;
        }
        bytesFrom = i;
        charsTo = o;
    }

    private void readBytes() throws IOException {
        System.arraycopy(bytes, bytesFrom, bytes, 0, bytesTo - bytesFrom);
        bytesTo -= bytesFrom;
        bytesFrom = 0;
        while (bytesTo < bytes.length) {
            int n = in.read(bytes, bytesTo, bytes.length - bytesTo);
            if (n < 0) {
                eof = true;
                return;
            }
            bytesTo += n;
            if (n > 0) {
                return;
            }
        }
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

    /** A byte that is not UTF-8 was decoded as {@code chars[decoded - 1]}: notes its line, once. */
    private void reportBadBytes(int decoded) {
        // line counts the newlines already handed out; add those decoded in this buffer so far
        long at = line;
        boolean cr = lastWasCr;
        for (int i = 0; i < decoded; i++) {
            char c = chars[i];
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
            if (charsTo > 0 && chars[0] == '\uFEFF') {
                charsFrom = 1;
                pending.add(ReadIssue.note("bom", 1, null,
                        "the file starts with a UTF-8 byte-order mark; it was removed"));
            }
        }
        // a line ends at \n, \r\n or a lone \r, as the JSON and CSV parsers count them
        long n = line;
        boolean cr = lastWasCr;
        char[] c = chars;
        for (int i = charsFrom; i < charsTo; i++) {
            char ch = c[i];
            if (ch <= '\r') {
                if (ch == '\n' ? !cr : ch == '\r') {
                    n++;
                }
                cr = ch == '\r';
            } else {
                cr = false;
            }
        }
        line = n;
        lastWasCr = cr;
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
