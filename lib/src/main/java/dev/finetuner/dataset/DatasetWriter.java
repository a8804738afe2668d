package dev.finetuner.dataset;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.finetuner.DatasetException;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes examples as the JSONL the fine-tuning API takes: one object per line, UTF-8, {@code \n} line
 * ends. Extra columns of prompt/completion examples are not written (the API does not take them);
 * every other key of chat and preference examples is written back as it was read.
 *
 * <pre>{@code
 * try (DatasetWriter w = DatasetWriter.open(Path.of("train.jsonl"))) {
 *     examples.forEach(w::write);
 * }
 * }</pre>
 */
public final class DatasetWriter implements AutoCloseable {
    // emoji as UTF-8, not as escaped surrogate pairs
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private final Path file;
    private final Closeable out;
    private final JsonGenerator json;
    private long written;

    private DatasetWriter(Writer out) throws IOException {
        this.file = null;
        this.out = out;
        this.json = FACTORY.createGenerator(out);
        json.setRootValueSeparator(new SerializedString("\n"));
    }

    private DatasetWriter(Path file, OutputStream out) throws IOException {
        this.file = file;
        this.out = out;
        this.json = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        json.setRootValueSeparator(new SerializedString("\n"));
    }

    /**
     * Opens (creating or replacing) a JSONL file for writing. A symbolic link at {@code file} is not
     * followed (the open fails), so a link planted there cannot redirect the output onto another file.
     *
     * @param file the file
     * @return the writer; close it
     * @throws DatasetException if the file cannot be created
     */
    public static DatasetWriter open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new DatasetWriter(file, new BufferedOutputStream(Files.newOutputStream(file,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS), 1 << 16));
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", file, 0, null, "cannot create the file: " + e, e);
        }
    }

    /**
     * {@return a writer onto a character stream the caller owns; {@link #close()} closes it}
     *
     * @param out the stream to write to
     */
    public static DatasetWriter to(Writer out) {
        try {
            return new DatasetWriter(out);
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", null, 0, null, "cannot write: " + e, e);
        }
    }

    /**
     * Writes every example of a stream to a file; returns how many were written.
     *
     * @param file the file, created or replaced
     * @param examples the examples
     * @return how many examples were written
     */
    public static long write(Path file, Stream<? extends Example> examples) {
        try (DatasetWriter w = open(file)) {
            examples.forEach(w::write);
            return w.written();
        }
    }

    /**
     * Writes a dataset to a JSONL file, strictly; returns how many examples were written.
     *
     * @param file the file, created or replaced
     * @param dataset the examples
     * @return how many examples were written
     */
    public static long write(Path file, Dataset dataset) {
        try (Stream<Example> s = dataset.stream()) {
            return write(file, s);
        }
    }

    /**
     * Writes one example as one line.
     *
     * @param example the example
     */
    public void write(Example example) {
        Objects.requireNonNull(example, "example");
        try {
            json.writeStartObject();
            if (example instanceof Example.PromptCompletion pc) {
                json.writeStringField("prompt", pc.prompt());
                json.writeStringField("completion", pc.completion());
            } else if (example instanceof Example.Chat chat) {
                chatFields(chat);
            } else if (example instanceof Example.Preference pref) {
                json.writeFieldName("input");
                json.writeStartObject();
                chatFields(pref.input());
                json.writeEndObject();
                json.writeFieldName("preferred_output");
                messages(pref.preferred());
                json.writeFieldName("non_preferred_output");
                messages(pref.nonPreferred());
                raw(pref.extras());
            }
            json.writeEndObject();
            written++;
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", file, 0, null,
                    "writing the example from source line " + example.line() + " failed: " + e, e);
        }
    }

    private void chatFields(Example.Chat chat) throws IOException {
        json.writeFieldName("messages");
        messages(chat.messages());
        if (chat.tools().isPresent()) {
            json.writeFieldName("tools");
            json.writeRawValue(chat.tools().get());
        }
        raw(chat.extras());
    }

    private void messages(List<Message> messages) throws IOException {
        json.writeStartArray();
        for (Message m : messages) {
            json.writeStartObject();
            json.writeStringField("role", m.role());
            if (m.content().isPresent()) {
                json.writeStringField("content", m.content().get());
            } else if (!m.extras().containsKey("content")) {
                json.writeNullField("content");
            }
            raw(m.extras());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private void raw(Map<String, String> extras) throws IOException {
        for (var e : extras.entrySet()) {
            json.writeFieldName(e.getKey());
            json.writeRawValue(e.getValue());
        }
    }

    /** {@return how many examples this writer has written} */
    public long written() {
        return written;
    }

    @Override
    public void close() {
        try {
            if (written > 0) {
                json.writeRaw('\n');
            }
            json.close();
            out.close();
        } catch (IOException e) {
            throw new DatasetException("unwritable_file", file, 0, null, "closing failed: " + e, e);
        }
    }
}
