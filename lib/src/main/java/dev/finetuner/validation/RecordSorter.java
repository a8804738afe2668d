package dev.finetuner.validation;

import dev.finetuner.DatasetException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Sorts records of a fixed number of longs in a bounded heap: up to {@code runRecords} are held and
 * sorted in memory; beyond that each full buffer is sorted and written to a temporary file as a run, and
 * {@link #forEach} merges the runs. Records sort by their first {@code keyFields} fields, as signed
 * longs; records with equal keys come out in the order they were added. {@link #close()} deletes the
 * file, so a run's owner closes it whatever happens. Not thread-safe.
 */
final class RecordSorter implements AutoCloseable {
    private static final int IO_BUFFER = 1 << 16;

    private final int width;
    private final int keyFields;
    private final int runRecords;
    private final Path dir;
    private long[] buffer;
    private int count;
    private long total;
    private final ScratchFile scratch;
    /** Start of each run in the file, in bytes, and its end as the last element. */
    private final List<Long> runStarts = new ArrayList<>();

    RecordSorter(int width, int keyFields, int runRecords, Path dir) {
        if (width < 1 || keyFields < 1 || keyFields > width || runRecords < 2) {
            throw new IllegalArgumentException("width " + width + ", keys " + keyFields + ", run " + runRecords);
        }
        this.width = width;
        this.keyFields = keyFields;
        this.runRecords = runRecords;
        this.dir = dir;
        this.scratch = new ScratchFile(dir, "finetuner-sort-");
        this.buffer = new long[Math.min(runRecords, 256) * width];
    }

    /** Adds a record: {@code width} longs from {@code record}. */
    void add(long[] record) {
        if (count == runRecords) {
            spill();
        }
        if ((count + 1) * width > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(runRecords, count * 2) * width);
        }
        System.arraycopy(record, 0, buffer, count * width, width);
        count++;
        total++;
    }

    /** {@return how many records were added} */
    long size() {
        return total;
    }

    /** {@return how many runs went to disk so far} */
    int runs() {
        return runStarts.isEmpty() ? 0 : runStarts.size() - 1;
    }

    /** Takes records in a sorted order. */
    interface Consumer {
        /** The next record; the array is reused, valid only during the call. */
        void accept(long[] record);
    }

    /**
     * Every record added, in sorted order. Can be called again, and records can be added in between.
     *
     * @param action takes each record
     */
    void forEach(Consumer action) {
        int[] order = sortedOrder();
        if (runs() == 0) {
            long[] r = new long[width];
            for (int i : order) {
                System.arraycopy(buffer, i * width, r, 0, width);
                action.accept(r);
            }
            return;
        }
        if (count > 0) {
            writeRun(order);
            count = 0;
        }
        try {
            merge(action);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private void merge(Consumer action) throws IOException {
        PriorityQueue<Cursor> heap = new PriorityQueue<>((a, b) -> {
            int c = compare(a.record, 0, b.record, 0);
            return c != 0 ? c : Integer.compare(a.run, b.run); // equal keys: the earlier run first
        });
        for (int i = 0; i + 1 < runStarts.size(); i++) {
            Cursor c = new Cursor(i, runStarts.get(i), runStarts.get(i + 1));
            if (c.next()) {
                heap.add(c);
            }
        }
        while (!heap.isEmpty()) {
            Cursor c = heap.poll();
            action.accept(c.record);
            if (c.next()) {
                heap.add(c);
            }
        }
    }

    /** One run of the file, read ahead a buffer at a time. */
    private final class Cursor {
        final int run;
        final long[] record = new long[width];
        private final ByteBuffer in = ByteBuffer.allocate(IO_BUFFER / Long.BYTES / width * Long.BYTES * width);
        private long position;
        private final long end;

        Cursor(int run, long start, long end) {
            this.run = run;
            this.position = start;
            this.end = end;
            in.limit(0);
        }

        boolean next() throws IOException {
            if (!in.hasRemaining()) {
                if (position >= end) {
                    return false;
                }
                in.clear();
                in.limit((int) Math.min(in.capacity(), end - position));
                while (in.hasRemaining()) {
                    int n = scratch.channel().read(in, position);
                    if (n < 0) {
                        throw scratch.endedEarly();
                    }
                    position += n;
                }
                in.flip();
            }
            for (int f = 0; f < width; f++) {
                record[f] = in.getLong();
            }
            return true;
        }
    }

    private void spill() {
        writeRun(sortedOrder());
        count = 0;
    }

    private void writeRun(int[] order) {
        try {
            if (!scratch.exists()) {
                scratch.channel();
                runStarts.add(0L);
            }
            ByteBuffer out = ByteBuffer.allocate(IO_BUFFER / Long.BYTES / width * Long.BYTES * width);
            long position = runStarts.get(runStarts.size() - 1);
            for (int i : order) {
                if (!out.hasRemaining()) {
                    position += flush(out, position);
                }
                for (int f = 0; f < width; f++) {
                    out.putLong(buffer[i * width + f]);
                }
            }
            position += flush(out, position);
            runStarts.add(position);
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private int flush(ByteBuffer out, long position) throws IOException {
        out.flip();
        int n = out.remaining();
        long p = position;
        while (out.hasRemaining()) {
            p += scratch.channel().write(out, p);
        }
        out.clear();
        return n;
    }

    /** The buffered records' indexes in sorted order: a stable merge sort, so equal keys keep their order. */
    private int[] sortedOrder() {
        int[] a = new int[count];
        for (int i = 0; i < count; i++) {
            a[i] = i;
        }
        int[] b = new int[count];
        for (int w = 1; w < count; w *= 2) {
            for (int lo = 0; lo < count; lo += 2 * w) {
                int mid = Math.min(lo + w, count);
                int hi = Math.min(lo + 2 * w, count);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    b[k++] = compare(buffer, a[j] * width, buffer, a[i] * width) < 0 ? a[j++] : a[i++];
                }
                while (i < mid) {
                    b[k++] = a[i++];
                }
                while (j < hi) {
                    b[k++] = a[j++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    private int compare(long[] x, int xi, long[] y, int yi) {
        for (int f = 0; f < keyFields; f++) {
            int c = Long.compare(x[xi + f], y[yi + f]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private DatasetException failure(IOException e) {
        return scratch.failure(e);
    }

    /** Deletes the temporary file, if there is one. Idempotent. */
    @Override
    public void close() {
        scratch.close();
    }
}
