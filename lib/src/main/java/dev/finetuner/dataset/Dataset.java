package dev.finetuner.dataset;

import dev.finetuner.DatasetException;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A set of training examples: a file read lazily, every time it is streamed, or a list in memory.
 * Immutable and cheap to create; nothing is read until {@link #stream()} is called.
 *
 * <pre>{@code
 * Dataset ds = Dataset.read(Path.of("helpdesk.csv"));
 * try (Stream<Example> examples = ds.stream()) {
 *     examples.forEach(e -> log.info("{}", e));
 * }
 * }</pre>
 */
public final class Dataset {
    private final Path file;
    private final DatasetOptions options;
    private final List<Example> examples;
    private final UnaryOperator<Example> mapping;
    private final LongConsumer progress;

    private Dataset(Path file, DatasetOptions options, List<Example> examples) {
        this(file, options, examples, null, null);
    }

    private Dataset(Path file, DatasetOptions options, List<Example> examples, UnaryOperator<Example> mapping,
                    LongConsumer progress) {
        this.file = file;
        this.options = options;
        this.examples = examples;
        this.mapping = mapping;
        this.progress = progress;
    }

    /**
     * This dataset with every example passed through {@code f} as it is read (lazily: nothing is held);
     * e.g. {@code dataset.map(Conversions::toChat)}. The function must keep each example's line.
     *
     * @param f the function, applied to each example as it is read
     * @return the mapped dataset
     */
    public Dataset map(UnaryOperator<Example> f) {
        Objects.requireNonNull(f, "f");
        UnaryOperator<Example> composed = mapping == null ? f : e -> f.apply(mapping.apply(e));
        return new Dataset(file, options, examples, composed, progress);
    }

    /**
     * This dataset, telling {@code bytesRead} how far each read of its file has got, for a progress bar
     * ({@code bytesRead / Files.size(file)}): the bytes read from the start of the file, at most once per
     * example and per 64 KiB, and once at the end with the file's size. Each read starts again from 0 (a
     * {@code Validator} reads a file twice: statistics, then repairs and output). It is called on the thread
     * that reads the file, which may not be the caller's (the validator reads ahead on a thread of its own):
     * keep it fast and do not throw. An XLSX file, unpacked by its own reader, reports only its end; a
     * dataset in memory reports nothing.
     *
     * @param bytesRead gets the bytes read so far
     * @return the dataset with progress
     */
    public Dataset withProgress(LongConsumer bytesRead) {
        Objects.requireNonNull(bytesRead, "bytesRead");
        return new Dataset(file, options, examples, mapping, bytesRead);
    }

    /**
     * A dataset read from a file with the default options.
     *
     * @param file a CSV, TSV, XLSX, JSON or JSONL file; the format is detected from its first bytes
     * @return the dataset; nothing is read until it is used
     * @throws DatasetException if the file does not exist or is a directory
     */
    public static Dataset read(Path file) {
        return read(file, DatasetOptions.defaults());
    }

    /**
     * A dataset read from a file with the given column mapping and format.
     *
     * @param file a CSV, TSV, XLSX, JSON or JSONL file
     * @param options the columns, the format and the sheet
     * @return the dataset; nothing is read until it is used
     * @throws DatasetException if the file does not exist or is a directory
     */
    public static Dataset read(Path file, DatasetOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        DatasetReader.detect(file); // fail now, not at first use, on a missing file
        return new Dataset(file, options, null);
    }

    /**
     * {@return a dataset of examples held in memory}
     *
     * @param examples the examples
     */
    public static Dataset of(Collection<? extends Example> examples) {
        return new Dataset(null, DatasetOptions.defaults(), List.copyOf(examples));
    }

    /**
     * {@return a dataset of examples held in memory}
     *
     * @param examples the examples
     */
    public static Dataset of(Example... examples) {
        return of(List.of(examples));
    }

    /** {@return the file this dataset is read from; empty for an in-memory dataset} */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** {@return how the file is read} */
    public DatasetOptions options() {
        return options;
    }

    /** {@return the file's format, detected from content and extension; JSONL for an in-memory dataset} */
    public DatasetFormat format() {
        if (file == null) {
            return DatasetFormat.JSONL;
        }
        return options.format().orElseGet(() -> DatasetReader.detect(file));
    }

    /**
     * The column names in the header of a CSV, TSV or XLSX file, as the file spells them, e.g. to tell
     * which columns hold the prompt and the completion when the default names are not there; empty for
     * JSON and JSONL files, a table with no rows, and an in-memory dataset. Reads only the first rows.
     *
     * @return the column names; empty when the file has no header
     * @throws DatasetException if the file has gone or cannot be opened
     */
    public List<String> columns() {
        return file == null ? List.of() : DatasetReader.header(file, options);
    }

    /**
     * The examples, read strictly: the first record that cannot be read ends the stream with a
     * {@link DatasetException} naming its line. Close the stream to close the file.
     *
     * @return the examples, in file order
     */
    public Stream<Example> stream() {
        return stream(issue -> {
            if (issue.error()) {
                throw new DatasetException(issue.code(), file, issue.line(), issue.field().orElse(null),
                        issue.message());
            }
        });
    }

    /**
     * The examples, read leniently: records that cannot be read are left out and reported, with notes
     * about the file, to {@code issues} in file order. Close the stream to close the file.
     *
     * @param issues hears each record left out, and notes about the file
     * @return the examples that could be read, in file order
     */
    public Stream<Example> stream(Consumer<ReadIssue> issues) {
        Objects.requireNonNull(issues, "issues");
        Stream<Example> s = file == null ? examples.stream() : DatasetReader.read(file, options, issues, progress);
        return mapping == null ? s : s.map(mapping);
    }

    /** {@return every example, read strictly into memory: for small datasets and tests} */
    public List<Example> toList() {
        if (file == null && mapping == null) {
            return examples;
        }
        try (Stream<Example> s = stream()) {
            return s.toList();
        }
    }

    @Override
    public String toString() {
        return file != null ? "Dataset[" + file + "]" : "Dataset[" + examples.size() + " examples in memory]";
    }
}
