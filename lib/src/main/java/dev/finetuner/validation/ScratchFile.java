package dev.finetuner.validation;

import dev.finetuner.DatasetException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A temporary file for duplicate detection beyond the heap, made on first use in a directory and deleted by
 * {@link #close()}; a failure to use it becomes a {@link DatasetException} that says where to make room.
 */
final class ScratchFile implements AutoCloseable {
    private final Path dir;
    private final String prefix;
    private Path file;
    private FileChannel channel;

    ScratchFile(Path dir, String prefix) {
        this.dir = dir;
        this.prefix = prefix;
    }

    /** Whether the file has been made (and not yet closed). */
    boolean exists() {
        return channel != null;
    }

    /** The file's channel, making the file on first use. */
    FileChannel channel() throws IOException {
        if (channel == null) {
            file = Files.createTempFile(dir, prefix, ".tmp");
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /** An error for a file that ended before {@code position}: it was changed or truncated under us. */
    IOException endedEarly() {
        return new IOException("temporary file " + file + " ends early");
    }

    /** The error for {@code e}, with the file deleted (a failure to delete it is suppressed into it). */
    DatasetException failure(IOException e) {
        DatasetException failure = new DatasetException("temporary_file", null, 0, null, "cannot use a temporary"
                + " file in " + dir + " for duplicate detection (" + e + "); free some space there, or point"
                + " java.io.tmpdir at a directory with room", e);
        try {
            close();
        } catch (UncheckedIOException x) {
            failure.addSuppressed(x);
        }
        return failure;
    }

    /** Deletes the file, if there is one. Idempotent. */
    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary file " + file, e);
        } finally {
            channel = null;
            file = null;
        }
    }
}
