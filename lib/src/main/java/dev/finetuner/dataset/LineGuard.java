package dev.finetuner.dataset;

import java.io.IOException;
import java.io.Reader;

/**
 * Passes characters through and fails as soon as one line grows longer than a limit, so that a line of
 * hundreds of megabytes is never built as a string; {@link #skipLine()} then reads past the rest of it.
 * Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}, as {@link java.io.BufferedReader} ends them.
 */
final class LineGuard extends Reader {
    /** The line being read is over the limit; what was read of it is to be dropped. */
    static final class TooLong extends IOException {
        TooLong() {
            super("line too long", null);
        }
    }

    private final Reader in;
    private final long max;
    private long run;
    /** Characters read from {@code in} but not yet handed out (the rest of a chunk cut by an overflow). */
    private final char[] held = new char[1 << 16];
    private int heldFrom;
    private int heldTo;

    LineGuard(Reader in, long max) {
        this.in = in;
        this.max = max;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        int n;
        if (heldFrom < heldTo) {
            n = Math.min(len, heldTo - heldFrom);
            System.arraycopy(held, heldFrom, buf, off, n);
            heldFrom += n;
        } else {
            n = in.read(buf, off, Math.min(len, held.length));
        }
        for (int i = off; i < off + n; i++) {
            char c = buf[i];
            if (c == '\n' || c == '\r') {
                run = 0;
            } else if (++run > max) {
                // keep what follows the overflow: the line may end, and others begin, within this chunk
                int rest = off + n - i;
                System.arraycopy(buf, i, held, 0, rest);
                heldFrom = 0;
                heldTo = rest;
                throw new TooLong();
            }
        }
        return n;
    }

    /** The next character without taking it; -1 at the end. */
    private int peek() throws IOException {
        if (heldFrom == heldTo) {
            int n = in.read(held, 0, held.length);
            if (n <= 0) {
                return -1;
            }
            heldFrom = 0;
            heldTo = n;
        }
        return held[heldFrom];
    }

    /** Reads past the rest of the current line and its line break. */
    void skipLine() throws IOException {
        int c;
        while ((c = peek()) >= 0) {
            heldFrom++;
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                if (peek() == '\n') {
                    heldFrom++;
                }
                break;
            }
        }
        run = 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
