package dev.finetuner.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * A progress line for reading a dataset file, on a terminal's standard error so that the report on
 * standard output (or its JSON) stays clean: {@code tickets.csv  pass 1  [#####   ]  45%  450.0/1000.0 MB}.
 * It hears {@link dev.finetuner.dataset.Dataset#withProgress} on the reading thread, redraws at most every
 * 100 ms and at the end of each read, and wipes the line once the work is done.
 */
final class ReadProgress implements LongConsumer {
    private static final int BAR_WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final String name;
    private final long size;
    private int pass;
    private long last = -1;
    private long lastDraw;
    private int drawnWidth;

    ReadProgress(PrintWriter err, String name, long size) {
        this.err = err;
        this.name = name;
        this.size = size;
    }

    @Override
    public synchronized void accept(long bytes) {
        if (bytes < last || pass == 0) {
            pass++; // a read starting again from the file's start: the validator's second pass
        }
        last = bytes;
        long now = System.nanoTime();
        if (bytes < size && drawnWidth > 0 && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        long shown = Math.min(bytes, size);
        int filled = size <= 0 ? BAR_WIDTH : (int) (shown * BAR_WIDTH / size);
        String text = String.format(Locale.ROOT, "%s  pass %d  [%s%s] %3d%%  %s", name, pass, "#".repeat(filled),
                " ".repeat(BAR_WIDTH - filled), size <= 0 ? 100 : shown * 100 / size, amount(shown));
        err.print("\r" + text + " ".repeat(Math.max(0, drawnWidth - text.length())));
        err.flush();
        drawnWidth = Math.max(drawnWidth, text.length());
    }

    /** Wipes the progress line, so that what is printed next starts on a clean line. */
    synchronized void clear() {
        if (drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
    }

    private String amount(long bytes) {
        double unit = size >= 1 << 20 ? 1 << 20 : 1 << 10;
        String suffix = size >= 1 << 20 ? "MB" : "KB";
        return String.format(Locale.ROOT, "%.1f/%.1f %s", bytes / unit, size / unit, suffix);
    }
}
