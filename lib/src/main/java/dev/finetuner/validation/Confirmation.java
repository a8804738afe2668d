package dev.finetuner.validation;

import dev.finetuner.DatasetException;
import dev.finetuner.dataset.Example;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pass 2's check that a repeat found by hash has the very texts of its first occurrence. The texts of
 * first occurrences that have repeats (about one example in a hundred in real exports) go to a
 * temporary file as they are read, so the heap holds a few longs per such example, not its text.
 * {@link #close()} deletes the file. Not thread-safe.
 */
final class Confirmation implements AutoCloseable {
    private static final int IO_BUFFER = 1 << 16;

    private final Path dir;
    /** Hash to the stored texts with it: (offset, length, line), the first occurrence first. */
    private final Map<Long, List<long[]>> byHash = new HashMap<>();
    /** A repeat whose first occurrence is not the one its hash named (after a collision): its line. */
    private final Map<Integer, Long> otherFirst = new HashMap<>();
    private final Encoded text = new Encoded();
    private final ByteBuffer out = ByteBuffer.allocate(IO_BUFFER);
    private final ScratchFile scratch;
    private long written;

    Confirmation(Path dir) {
        this.dir = dir;
        this.scratch = new ScratchFile(dir, "finetuner-texts-");
    }

    /**
     * Takes the next example that is a first occurrence with repeats or a repeat, in file order.
     *
     * @param ord its ordinal
     * @param e the example
     * @param repeat whether pass 1 found it a repeat
     * @return false when it was a repeat by hash only: its texts differ from every earlier one's
     */
    boolean check(int ord, Example e, boolean repeat) {
        text.n = 0;
        DatasetStats.fields(e, text);
        long hash = DatasetStats.FirstSeen.key(DatasetStats.hash(e));
        List<long[]> same = byHash.get(hash);
        try {
            if (repeat && same != null) {
                for (int i = 0; i < same.size(); i++) {
                    long[] t = same.get(i);
                    if (t[1] == text.n && Arrays.equals(read(t[0], text.n), 0, text.n, text.bytes, 0, text.n)) {
                        if (i > 0) {
                            otherFirst.put(ord, t[2]);
                        }
                        return true;
                    }
                }
            }
            // a first occurrence, or an example that shares only a hash: later repeats may be of it
            if (same == null) {
                same = new ArrayList<>(1);
                byHash.put(hash, same);
            }
            same.add(new long[] {store(), text.n, e.line()});
            return !repeat;
        } catch (IOException x) {
            throw failure(x);
        }
    }

    /** The line of the first occurrence of the {@code ord}-th example, given the one its hash named. */
    long firstLine(int ord, long hashed) {
        return otherFirst.getOrDefault(ord, hashed);
    }

    private long store() throws IOException {
        scratch.channel(); // made before the first text is buffered, so a full disk shows at once
        long offset = written + out.position();
        int from = 0;
        while (from < text.n) {
            if (!out.hasRemaining()) {
                flush();
            }
            int n = Math.min(out.remaining(), text.n - from);
            out.put(text.bytes, from, n);
            from += n;
        }
        return offset;
    }

    private void flush() throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            written += scratch.channel().write(out, written);
        }
        out.clear();
    }

    private byte[] read(long offset, int length) throws IOException {
        if (offset + length > written) {
            flush();
        }
        ByteBuffer in = ByteBuffer.allocate(length);
        while (in.hasRemaining()) {
            if (scratch.channel().read(in, offset + in.position()) < 0) {
                throw scratch.endedEarly();
            }
        }
        return in.array();
    }

    private DatasetException failure(IOException e) {
        return scratch.failure(e);
    }

    /** Deletes the temporary file, if there is one. Idempotent. */
    @Override
    public void close() {
        scratch.close();
    }

    /** An example's texts as bytes: each its length, then its chars (UTF-16, so any string is kept exactly). */
    private static final class Encoded implements DatasetStats.Fields {
        byte[] bytes = new byte[4096];
        int n;

        @Override
        public DatasetStats.Fields add(CharSequence s) {
            int len = s.length();
            if (n + 4 + 2 * len > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, n + 4 + 2 * len));
            }
            bytes[n++] = (byte) (len >>> 24);
            bytes[n++] = (byte) (len >>> 16);
            bytes[n++] = (byte) (len >>> 8);
            bytes[n++] = (byte) len;
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                bytes[n++] = (byte) (c >>> 8);
                bytes[n++] = (byte) c;
            }
            return this;
        }
    }
}
