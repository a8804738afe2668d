package dev.finetuner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory for a jqwik property class, which cannot take JUnit's {@code @TempDir}: made when
 * the class loads, deleted with all it holds from its {@code @AfterContainer} method.
 */
public final class ScratchDir {
    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    /** A new, empty directory whose name starts with {@code prefix}. */
    public static ScratchDir create(String prefix) {
        try {
            return new ScratchDir(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name} in the directory. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Deletes the directory and everything in it. */
    public void delete() throws IOException {
        try (Stream<Path> files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
