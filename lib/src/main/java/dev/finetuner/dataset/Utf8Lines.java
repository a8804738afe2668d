package dev.finetuner.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The lines of a file as UTF-8 bytes, for a reader that parses bytes (a JSONL line goes to Jackson's
 * UTF-8 parser as it is, without being decoded into a string first). Gives the lines that
 * {@link CheckedUtf8Reader} and {@link java.io.BufferedReader#readLine()} give together: lines end at
 * {@code \n}, {@code \r\n} or a lone {@code \r}; a leading byte-order mark is removed and reported; a
 * line longer than the limit in characters is skipped and flagged, without ever being held whole when it
 * is far longer; bytes that are not UTF-8 are decoded as Windows-1252 by {@link #text} and reported once
 * per line.
 *
 * <p>Splitting bytes before decoding gives the same lines: no byte of a multi-byte UTF-8 sequence is
 * below 0x80, so a {@code \n} or {@code \r} byte is always a line break, valid UTF-8 or not.
 */
final class Utf8Lines implements Closeable {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Subtracted from eight bytes to find one below 0x0E ({@code \r} is 0x0D). */
    private static final long BELOW_0E = 0x0E0E0E0E0E0E0E0EL;
    private static final int CHUNK = 1 << 20;

    private final InputStream in;
    private final long maxChars;
    /** A line of more bytes is longer than the limit whatever they encode (a character takes at most 3 bytes). */
    private final long maxBytes;
    private byte[] buf = new byte[CHUNK];
    private int pos;
    private int limit;
    private boolean eof;
    private boolean first = true;
    /** The last line ended with {@code \r}: a {@code \n} right after it belongs to that break. */
    private boolean skipLf;
    private long line;
    private int start;
    private int end;
    private boolean ascii;
    private boolean tooLong;
    private boolean bom;
    /** Bytes of the file before {@code buf[0]}. */
    private long dropped;

    Utf8Lines(InputStream in, long maxChars) {
        this.in = in;
        this.maxChars = maxChars;
        this.maxBytes = 3 * maxChars + 3;
    }

    /** Moves to the next line; false at the end of the file. */
    boolean next() throws IOException {
        if (buf.length > CHUNK && limit - pos <= CHUNK) {
            // a long line grew the buffer: give the memory back once it is read
            byte[] smaller = new byte[CHUNK];
            System.arraycopy(buf, pos, smaller, 0, limit - pos);
            dropped += pos;
            limit -= pos;
            pos = 0;
            buf = smaller;
        }
        if (first) {
            first = false;
            fill(3);
            if (limit - pos >= 3 && buf[pos] == (byte) 0xEF && buf[pos + 1] == (byte) 0xBB && buf[pos + 2] == (byte) 0xBF) {
                pos += 3;
                bom = true;
            }
        }
        if (skipLf) {
            fill(1);
            if (pos < limit && buf[pos] == '\n') {
                pos++;
            }
            skipLf = false;
        }
        if (pos == limit && !fill(1)) {
            return false;
        }
        line++;
        tooLong = false;
        long or = 0;
        int i = pos;
        while (true) {
            // eight bytes at a time to the first word holding a byte below 0x0E, then byte by byte
            while (i + 8 <= limit) {
                long x = (long) LONGS.get(buf, i);
                if (((x - BELOW_0E) & ~x & HIGH_BITS) != 0) {
                    break;
                }
                or |= x;
                i += 8;
            }
            int stop = Math.min(limit, i + 8);
            for (; i < stop; i++) {
                byte b = buf[i];
                if (b == '\n' || b == '\r') {
                    start = pos;
                    end = i;
                    pos = i + 1;
                    skipLf = b == '\r';
                    ascii = (or & HIGH_BITS) == 0;
                    checkLength();
                    return true;
                }
                or |= b;
            }
            if (i < limit) {
                continue;
            }
            if (i - pos > maxBytes) {
                skipRest();
                return true;
            }
            int scanned = i - pos;
            if (!fill(scanned + 1)) {
                start = pos;
                end = limit;
                pos = limit;
                ascii = (or & HIGH_BITS) == 0;
                checkLength();
                return true;
            }
            i = pos + scanned;
        }
    }

    /**
     * Reads until at least {@code need} unread bytes are buffered or the file ends, keeping the unread
     * ones; false if none could be added.
     */
    private boolean fill(int need) throws IOException {
        boolean added = false;
        while (limit - pos < need && !eof) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                dropped += pos;
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, 2L * buf.length));
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
                added |= n > 0;
            }
        }
        return added;
    }

    private void checkLength() {
        int length = end - start;
        if (length > maxChars && chars(buf, start, end) > maxChars) {
            tooLong = true;
        }
    }

    /** The line is longer than the limit: reads past the rest of it without keeping it. */
    private void skipRest() throws IOException {
        tooLong = true;
        start = end = 0;
        while (true) {
            for (int i = pos; i < limit; i++) {
                byte b = buf[i];
                if (b == '\n' || b == '\r') {
                    pos = i + 1;
                    skipLf = b == '\r';
                    return;
                }
            }
            pos = limit;
            if (!fill(1)) {
                return;
            }
        }
    }

    /** The bytes of the file up to the end of the current line. */
    long consumed() {
        return dropped + pos;
    }

    /** The number of the current line, from 1. */
    long line() {
        return line;
    }

    /** True if the file started with a byte-order mark (removed); known after the first {@link #next()}. */
    boolean hadBom() {
        return bom;
    }

    /** True if the current line is longer than the limit: its bytes were not kept. */
    boolean tooLong() {
        return tooLong;
    }

    /** The buffer that holds the current line, valid until the next call to {@link #next()}. */
    byte[] bytes() {
        return buf;
    }

    int start() {
        return start;
    }

    int length() {
        return end - start;
    }

    /** True if every byte of the current line is ASCII. */
    boolean ascii() {
        return ascii;
    }

    /** True if the current line is valid UTF-8, so that a UTF-8 parser reads it as {@link #text} does. */
    boolean valid() {
        return ascii || valid(buf, start, end);
    }

    /**
     * The current line as text; bytes that are not UTF-8 become Windows-1252 characters, and the line
     * is reported ({@code invalid_utf8}) to {@code issues} once.
     */
    String text(Consumer<ReadIssue> issues) {
        if (valid()) {
            return new String(buf, start, end - start, StandardCharsets.UTF_8);
        }
        issues.accept(ReadIssue.note("invalid_utf8", line, null,
                "bytes that are not valid UTF-8 were read as Windows-1252 (Latin-1); save the file as UTF-8 to be sure of the text"));
        StringBuilder sb = new StringBuilder(end - start);
        for (int i = start; i < end; ) {
            int n = sequence(buf, i, end);
            int c = buf[i] & 0xff;
            switch (n) {
                case 0 -> sb.append(CheckedUtf8Reader.fallback(buf[i]));
                case 1 -> sb.append((char) c);
                case 2 -> sb.append((char) ((c & 0x1F) << 6 | buf[i + 1] & 0x3F));
                case 3 -> sb.append((char) ((c & 0x0F) << 12 | (buf[i + 1] & 0x3F) << 6 | buf[i + 2] & 0x3F));
                default -> sb.appendCodePoint((c & 0x07) << 18 | (buf[i + 1] & 0x3F) << 12 | (buf[i + 2] & 0x3F) << 6
                        | buf[i + 3] & 0x3F);
            }
            i += Math.max(n, 1);
        }
        return sb.toString();
    }

    /** True if {@code b[from, to)} is valid UTF-8 as the JDK's decoder defines it. */
    static boolean valid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            if (i + 8 <= to && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                i += 8;
                continue;
            }
            int n = sequence(b, i, to);
            if (n == 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    /** The characters {@code b[from, to)} decodes to, a byte that is not UTF-8 counting as one. */
    static long chars(byte[] b, int from, int to) {
        long n = 0;
        for (int i = from; i < to; ) {
            int len = sequence(b, i, to);
            n += len == 4 ? 2 : 1;
            i += Math.max(len, 1);
        }
        return n;
    }

    /**
     * The length of the well-formed UTF-8 sequence at {@code b[i]} (1 to 4), or 0 if none starts there:
     * no overlong forms, no surrogates, nothing above U+10FFFF, as the JDK's decoder rejects them.
     */
    static int sequence(byte[] b, int i, int to) {
        int c = b[i] & 0xff;
        if (c < 0x80) {
            return 1;
        }
        if (c < 0xC2) {
            return 0;
        }
        if (c < 0xE0) {
            return i + 1 < to && continuation(b[i + 1], 0x80, 0xBF) ? 2 : 0;
        }
        if (c < 0xF0) {
            return i + 2 < to && continuation(b[i + 1], c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF)
                    && continuation(b[i + 2], 0x80, 0xBF) ? 3 : 0;
        }
        if (c < 0xF5) {
            return i + 3 < to && continuation(b[i + 1], c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF)
                    && continuation(b[i + 2], 0x80, 0xBF) && continuation(b[i + 3], 0x80, 0xBF) ? 4 : 0;
        }
        return 0;
    }

    private static boolean continuation(byte b, int lo, int hi) {
        int v = b & 0xff;
        return v >= lo && v <= hi;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
