package dev.finetuner.dataset;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.finetuner.DatasetException;
import org.dhatim.fastexcel.reader.Cell;
import org.dhatim.fastexcel.reader.CellType;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.ReadingOptions;
import org.dhatim.fastexcel.reader.Row;
import org.dhatim.fastexcel.reader.Sheet;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads examples from CSV, TSV, XLSX, JSON and JSONL files, streaming: a file is never held whole in
 * memory (except a JSON document that is one object of columns, which has to be). The format is
 * detected from the content as well as the extension, and a mismatch is reported.
 *
 * <p>What cannot be read is reported as a {@link ReadIssue} to the given consumer, with its line, and
 * the rest of the file is read on. Use {@link Dataset} for the strict form that throws instead.
 */
public final class DatasetReader {
    /**
     * The longest record read, in characters: a JSONL line, a CSV record or one JSON string. About two
     * million tokens, thirty times the longest example the API trains on, and small enough that a file
     * made of such records still prepares in a 256 MB heap. A longer record is reported
     * ({@code record_too_large}) with its line and left out; the rest of the file is read.
     */
    public static final int MAX_RECORD_CHARS = 8 << 20;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_RECORD_CHARS).build())
            .build());
    /** One value per line: text after it on the same line is an error, not silently ignored. */
    private static final ObjectReader TREE = JSON.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int SNIFF_BYTES = 64 * 1024;

    private DatasetReader() {
    }

    /**
     * Detects the format of a file from its first bytes, with its extension as a tie-breaker.
     *
     * @param file the file
     * @return the format
     * @throws DatasetException if the file is missing or unreadable
     */
    static DatasetFormat detect(Path file) {
        return sniff(file).format;
    }

    /**
     * Opens a lazy stream of the file's examples, in file order. Close the stream (try-with-resources)
     * to close the file.
     *
     * @param issues receives, in file order, every record that could not be read and every note
     * @param file the file
     * @param options the columns, the format and the sheet
     * @return the examples that could be read
     * @throws DatasetException if the file is missing, is a directory, or cannot be opened
     */
    static Stream<Example> read(Path file, DatasetOptions options, Consumer<ReadIssue> issues) {
        return read(file, options, issues, null);
    }

    /** {@link #read(Path, DatasetOptions, Consumer)}, telling {@code progress} the bytes read: see {@link Dataset#withProgress}. */
    static Stream<Example> read(Path file, DatasetOptions options, Consumer<ReadIssue> issues, LongConsumer progress) {
        Sniff sniff = sniff(file);
        DatasetFormat format = options.format().orElse(sniff.format);
        DatasetFormat byExtension = DatasetFormat.fromExtension(file.getFileName().toString());
        if (sniff.empty) {
            issues.accept(ReadIssue.dropped("empty_file", 0, null, "the file is empty: it holds no examples"));
            return Stream.empty();
        }
        if (options.format().isEmpty() && byExtension != null && byExtension != format) {
            String code = format == DatasetFormat.JSONL && byExtension == DatasetFormat.JSON
                    ? "jsonl_in_json_file" : "format_mismatch";
            issues.accept(ReadIssue.note(code, 0, null, "the file name says " + byExtension
                    + " but the content is " + format + "; it was read as " + format));
        }
        RecordIterator it;
        try {
            it = switch (format) {
                case JSONL -> new JsonlIterator(file, options, issues);
                case JSON -> new JsonIterator(file, options, issues);
                case CSV -> new CsvIterator(file, options, issues, ',');
                case TSV -> new CsvIterator(file, options, issues, '\t');
                case XLSX -> new XlsxIterator(file, options, issues);
            };
        } catch (IOException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "cannot read the file: " + e.getMessage(), e);
        }
        it.progress = progress;
        Spliterator<Example> split = Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(split, false).onClose(it::closeQuietly);
    }

    /**
     * The header of a table file (CSV, TSV, XLSX) as the file spells it, read from its first row; empty
     * for JSON and JSONL files and for a table with no rows. Reads no further than the first record.
     *
     * @throws DatasetException if the file is missing, is a directory, or cannot be opened
     */
    static List<String> header(Path file, DatasetOptions options) {
        Sniff sniff = sniff(file);
        DatasetFormat format = options.format().orElse(sniff.format);
        if (sniff.empty || !(format == DatasetFormat.CSV || format == DatasetFormat.TSV || format == DatasetFormat.XLSX)) {
            return List.of();
        }
        TableIterator it;
        try {
            it = format == DatasetFormat.XLSX ? new XlsxIterator(file, options, issue -> { })
                    : new CsvIterator(file, options, issue -> { }, format == DatasetFormat.CSV ? ',' : '\t');
        } catch (IOException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "cannot read the file: " + e.getMessage(), e);
        }
        try {
            it.hasNext(); // reads the header row, and the first record after it
            return it.header == null ? List.of() : List.copyOf(it.header);
        } finally {
            it.closeQuietly();
        }
    }

    private record Sniff(DatasetFormat format, boolean empty) {
    }

    private static Sniff sniff(Path file) {
        if (Files.isDirectory(file)) {
            throw new DatasetException("not_a_file", file, 0, null, "is a directory; give the path of a dataset file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a pipe would block for ever and a device such as /dev/zero never ends: neither is a dataset
            throw new DatasetException("not_a_file", file, 0, null,
                    "is not a regular file (a pipe, device or socket); save the data to a file and give its path");
        }
        DatasetFormat ext = DatasetFormat.fromExtension(file.getFileName().toString());
        byte[] head;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            // skip a BOM and leading blank lines (of any length), then look at up to 64 KB of content
            in.mark(4);
            unicodeBom(file, in.readNBytes(4));
            in.reset();
            in.mark(3);
            byte[] bom = in.readNBytes(3);
            if (!(bom.length == 3 && (bom[0] & 0xff) == 0xEF && (bom[1] & 0xff) == 0xBB && (bom[2] & 0xff) == 0xBF)) {
                in.reset();
            }
            int b;
            do {
                in.mark(1);
                b = in.read();
            } while (b >= 0 && Character.isWhitespace(b));
            if (b < 0) {
                return new Sniff(ext == null ? DatasetFormat.JSONL : ext, true);
            }
            in.reset();
            head = in.readNBytes(SNIFF_BYTES);
        } catch (NoSuchFileException e) {
            throw new DatasetException("file_not_found", file, 0, null,
                    "no such file (working directory " + Path.of("").toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "permission denied", e);
        } catch (IOException e) {
            throw new DatasetException("unreadable_file", file, 0, null, "cannot read the file: " + e, e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return new Sniff(DatasetFormat.XLSX, false);
        }
        int i = 0;
        if (head[i] == '[' || head[i] == '{') {
            return new Sniff(jsonOrJsonl(file, ext), false);
        }
        if (ext != null && ext != DatasetFormat.XLSX) {
            // a JSONL file whose first line is not an object is still JSONL: its other lines are read
            return new Sniff(ext, false);
        }
        int tabs = 0;
        int commas = 0;
        for (int j = i; j < head.length && head[j] != '\n'; j++) {
            tabs += head[j] == '\t' ? 1 : 0;
            commas += head[j] == ',' ? 1 : 0;
        }
        return new Sniff(tabs > commas ? DatasetFormat.TSV : DatasetFormat.CSV, false);
    }

    /** Refuses UTF-16 and UTF-32 files by their byte-order mark, saying what they are (they are not UTF-8). */
    private static void unicodeBom(Path file, byte[] head) {
        int b0 = head.length > 0 ? head[0] & 0xff : -1;
        int b1 = head.length > 1 ? head[1] & 0xff : -1;
        int b2 = head.length > 2 ? head[2] & 0xff : -1;
        int b3 = head.length > 3 ? head[3] & 0xff : -1;
        String encoding = null;
        if (b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0) {
            encoding = "UTF-32 little-endian";
        } else if (b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF) {
            encoding = "UTF-32 big-endian";
        } else if (b0 == 0xFF && b1 == 0xFE) {
            encoding = "UTF-16 little-endian";
        } else if (b0 == 0xFE && b1 == 0xFF) {
            encoding = "UTF-16 big-endian";
        }
        if (encoding != null) {
            throw new DatasetException("unsupported_encoding", file, 0, null, "is " + encoding
                    + " text (it starts with that byte-order mark); save it as UTF-8 (in Excel: \"CSV UTF-8\")"
                    + " and read it again");
        }
    }

    /** One value per line (JSONL), or one JSON document (an array, an object of columns, one example). */
    private static DatasetFormat jsonOrJsonl(Path file, DatasetFormat ext) {
        try (JsonParser p = JSON.getFactory().createParser(file.toFile())) {
            boolean array = p.nextToken() == JsonToken.START_ARRAY;
            int startLine = p.currentTokenLocation().getLineNr();
            p.skipChildren();
            int endLine = p.currentLocation().getLineNr();
            boolean more = p.nextToken() != null;
            if (!more) {
                // one value: a document, unless a .jsonl file holds a single one-line example
                return ext == DatasetFormat.JSONL && endLine == startLine
                        ? DatasetFormat.JSONL : DatasetFormat.JSON;
            }
            // several root values: JSONL when the first one sat on one line, as JSONL requires
            return endLine == startLine || ext == DatasetFormat.JSONL ? DatasetFormat.JSONL : DatasetFormat.JSON;
        } catch (IOException e) {
            return DatasetFormat.JSONL; // broken JSON: read line by line so the good lines survive
        }
    }

    /** "; lines N to M (K lines) could not be read": what a fatal syntax error cost, so nothing goes uncounted. */
    static String restOfFile(Path file, long line) {
        long total = 0;
        boolean trailing = false;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        total++;
                    }
                }
                trailing = buf[n - 1] != '\n';
            }
        } catch (IOException e) {
            return "; nothing after this point could be read";
        }
        total += trailing ? 1 : 0;
        long from = Math.max(line, 1);
        return total <= from ? "; the file ends here"
                : "; nothing after it could be read: lines " + from + " to " + total + " (" + (total - from + 1)
                + " lines) are not among the examples";
    }

    static ReadIssue tooLarge(long line) {
        return ReadIssue.dropped("record_too_large", line, null, "the record is longer than "
                + String.format(java.util.Locale.ROOT, "%,d", MAX_RECORD_CHARS) + " characters (far beyond any example"
                + " the API trains on) and was not read; the next line is read on");
    }

    /** An iterator of examples that pulls records until one maps, reporting the others. */
    private abstract static class RecordIterator implements Iterator<Example>, Closeable {
        final Path file;
        final RecordMapper mapper;
        final Consumer<ReadIssue> issues;
        private Example next;
        private boolean done;
        /** Told the bytes read so far; null: nobody asked. */
        LongConsumer progress;
        /** The file as this iterator last opened it, counting; null for a reader that opens it itself (XLSX). */
        private CountingInputStream counted;
        private long reported;

        RecordIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues) {
            this.file = file;
            this.mapper = new RecordMapper(options);
            this.issues = issues;
        }

        /** The next example, or null at the end; reports records that do not map. */
        abstract Example advance() throws IOException;

        /** The bytes of the file read so far, for {@link #progress}. */
        long bytesRead() {
            return counted.count;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = advance();
                } catch (IOException e) {
                    closeQuietly();
                    throw new DatasetException("unreadable_file", file, 0, null,
                            "reading failed: " + e.getMessage(), e);
                }
                if (next == null) {
                    done = true;
                    closeQuietly();
                    reportEnd();
                } else if (progress != null && counted != null && bytesRead() - reported >= PROGRESS_BYTES) {
                    reported = bytesRead();
                    progress.accept(reported);
                }
            }
            return next != null;
        }

        @Override
        public Example next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Example e = next;
            next = null;
            return e;
        }

        private void reportEnd() {
            if (progress != null) {
                long size;
                try {
                    size = Files.size(file);
                } catch (IOException e) {
                    size = counted == null ? 0 : counted.count; // the file went while it was read: what was read
                }
                progress.accept(size);
            }
        }

        /** Opens the file from its start, counting the bytes read for {@link #progress}. */
        InputStream openFile() throws IOException {
            counted = new CountingInputStream(Files.newInputStream(file));
            reported = 0;
            return counted;
        }

        CheckedUtf8Reader decoder() throws IOException {
            return new CheckedUtf8Reader(new BufferedInputStream(openFile(), 1 << 16));
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // closing a file we only read: nothing a caller could do
            }
        }
    }

    /** How often, at most, {@link Dataset#withProgress} hears of a read: once per this many bytes. */
    static final long PROGRESS_BYTES = 64 * 1024;

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }

    private static final class JsonlIterator extends RecordIterator {
        private final Utf8Lines lines;
        private boolean bomReported;

        JsonlIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues) throws IOException {
            super(file, options, issues);
            this.lines = new Utf8Lines(openFile(), MAX_RECORD_CHARS);
        }

        @Override
        Example advance() throws IOException {
            while (lines.next()) {
                long line = lines.line();
                reportBom();
                if (lines.tooLong()) {
                    issues.accept(tooLarge(line));
                    continue;
                }
                JsonNode node = parse(line);
                if (node == null) {
                    continue;
                }
                Example ex = mapper.fromJson(node, line, issues);
                if (ex != null) {
                    return ex;
                }
            }
            reportBom();
            return null;
        }

        @Override
        long bytesRead() {
            return lines.consumed(); // not what is buffered ahead: a read of 1 MB would report 1 MB at once
        }

        private void reportBom() {
            if (lines.hadBom() && !bomReported) {
                bomReported = true;
                issues.accept(ReadIssue.note("bom", 1, null, "the file starts with a UTF-8 byte-order mark; it was removed"));
            }
        }

        /** The line's value, or null for a blank or invalid line (reported). */
        private JsonNode parse(long line) throws IOException {
            byte[] b = lines.bytes();
            int from = lines.start();
            int to = from + lines.length();
            int first = from;
            while (first < to && isAsciiWhitespace(b[first])) {
                first++;
            }
            if (first == to) {
                issues.accept(ReadIssue.note("empty_line", line, null, "empty line skipped"));
                return null;
            }
            // the common line goes to Jackson's UTF-8 parser as bytes; it reads them as the text below would
            // be read when they are valid UTF-8 that starts with printable ASCII (no byte-order mark or
            // zero byte for Jackson to take as another encoding)
            if (b[first] > ' ' && b[first] < 0x7F && noZeroByte(b, from, Math.min(to, from + 4)) && lines.valid()) {
                try {
                    return TREE.readValue(b, from, to - from);
                } catch (JsonProcessingException e) {
                    // read again as text below, so that the error and its column are exactly those of text
                }
            }
            String text = lines.text(issues);
            if (text.isBlank()) {
                issues.accept(ReadIssue.note("empty_line", line, null, "empty line skipped"));
                return null;
            }
            try {
                return TREE.readValue(text);
            } catch (JsonProcessingException e) {
                issues.accept(ReadIssue.dropped("invalid_json", line, null,
                        "not valid JSON: " + e.getOriginalMessage() + " (column "
                                + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")"));
                return null;
            }
        }

        /** The ASCII characters {@link Character#isWhitespace(char)} accepts. */
        private static boolean isAsciiWhitespace(byte b) {
            return b == ' ' || b >= '\t' && b <= '\r' || b >= 0x1C && b <= 0x1F;
        }

        private static boolean noZeroByte(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] == 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            lines.close();
        }
    }

    /** The largest JSON document read whole (one object of columns, as pandas writes it): about 1/8 of a 256 MB heap. */
    static final long MAX_WHOLE_DOCUMENT_BYTES = 32L << 20;

    private static void refuseIfTooLargeToHold(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_WHOLE_DOCUMENT_BYTES) {
            throw new DatasetException("file_too_large", file, 1, null, "is one JSON object of " + (size >> 20)
                    + " MB, which has to be read whole (its columns are side by side), and the limit for that is "
                    + (MAX_WHOLE_DOCUMENT_BYTES >> 20) + " MB. Write it as JSONL, one example a line, which is read as"
                    + " a stream (pandas: df.to_json(path, orient=\"records\", lines=True))");
        }
    }

    private static final class JsonIterator extends RecordIterator {
        private final CheckedUtf8Reader decoder;
        private final JsonParser parser;
        private final ArrayDeque<Example> pending = new ArrayDeque<>();
        private boolean inArray;

        JsonIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues) throws IOException {
            super(file, options, issues);
            this.decoder = decoder();
            this.parser = JSON.getFactory().createParser(decoder);
        }

        @Override
        Example advance() throws IOException {
            if (!pending.isEmpty()) {
                return pending.poll();
            }
            try {
                return parseNext();
            } finally {
                decoder.release(pending.isEmpty() && parser.isClosed() ? Long.MAX_VALUE
                        : parser.currentLocation().getLineNr(), issues);
            }
        }

        private Example parseNext() throws IOException {
            try {
                while (true) {
                    if (!pending.isEmpty()) {
                        return pending.poll();
                    }
                    JsonToken t = parser.nextToken();
                    if (t == null) {
                        return null;
                    }
                    if (!inArray && t == JsonToken.START_ARRAY) {
                        inArray = true; // the root array (or the next of several concatenated ones)
                        continue;
                    }
                    if (inArray && t == JsonToken.END_ARRAY) {
                        inArray = false;
                        continue;
                    }
                    long line = parser.currentTokenLocation().getLineNr();
                    if (!inArray && t == JsonToken.START_OBJECT) {
                        refuseIfTooLargeToHold(file);
                    }
                    JsonNode node = parser.readValueAsTree();
                    if (!inArray && node instanceof ObjectNode obj && isColumns(obj)) {
                        columns(obj, line);
                        continue;
                    }
                    Example ex = mapper.fromJson(node, line, issues);
                    if (ex != null) {
                        return ex;
                    }
                }
            } catch (JsonProcessingException e) {
                long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
                issues.accept(ReadIssue.dropped("invalid_json", line, null, "not valid JSON: " + e.getOriginalMessage()
                        + restOfFile(file, line)));
                return null;
            }
        }

        /** pandas' {@code to_json()}: every value an array (orient=list) or an index-keyed object (orient=columns). */
        private static boolean isColumns(ObjectNode node) {
            if (node.isEmpty() || node.has("messages") || node.has("input")) {
                return false;
            }
            boolean allArrays = true;
            boolean allObjects = true;
            for (JsonNode v : node) {
                allArrays &= v.isArray();
                allObjects &= v.isObject();
            }
            return allArrays || allObjects;
        }

        private void columns(ObjectNode node, long line) {
            Map<String, List<JsonNode>> cols = new LinkedHashMap<>();
            List<String> index = new ArrayList<>();
            node.fields().forEachRemaining(e -> {
                List<JsonNode> values = new ArrayList<>();
                if (e.getValue().isArray()) {
                    e.getValue().forEach(values::add);
                } else {
                    if (index.isEmpty()) {
                        e.getValue().fieldNames().forEachRemaining(index::add);
                    }
                    for (String k : index) {
                        values.add(e.getValue().path(k));
                    }
                }
                cols.put(e.getKey(), values);
            });
            int rows = cols.values().stream().mapToInt(List::size).max().orElse(0);
            for (int r = 0; r < rows; r++) {
                ObjectNode row = JSON.createObjectNode();
                for (var c : cols.entrySet()) {
                    if (r < c.getValue().size() && !c.getValue().get(r).isMissingNode()) {
                        row.set(c.getKey(), c.getValue().get(r));
                    }
                }
                // a column layout has no line per record: the row (1-based) stands in for it
                Example ex = mapper.fromJson(row, r + 1, issues);
                if (ex != null) {
                    pending.add(ex);
                }
            }
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }

    /** Header handling shared by CSV/TSV and XLSX. */
    private abstract static class TableIterator extends RecordIterator {
        final DatasetOptions options;
        List<String> header;
        String promptHeader;
        String completionHeader;

        TableIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues) {
            super(file, options, issues);
            this.options = options;
        }

        /** Takes the header row; false (after reporting) when the required columns are not there. */
        boolean header(List<String> names, long line) {
            header = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i) == null ? "" : names.get(i).strip();
                header.add(n.isEmpty() ? "column" + (i + 1) : n);
            }
            promptHeader = find(options.promptColumn(), line);
            completionHeader = find(options.completionColumn(), line);
            if (promptHeader == null || completionHeader == null) {
                String missing = promptHeader == null ? options.promptColumn() : options.completionColumn();
                issues.accept(ReadIssue.dropped("missing_column", line, missing, "no '" + missing
                        + "' column; the header has " + header + ". Rename the column or map it with DatasetOptions.builder()."
                        + (promptHeader == null ? "promptColumn" : "completionColumn") + "(\"...\")"));
                return false;
            }
            return true;
        }

        private String find(String wanted, long line) {
            String found = null;
            for (String h : header) {
                if (h.equalsIgnoreCase(wanted)) {
                    if (found != null) {
                        issues.accept(ReadIssue.note("duplicate_column", line, h, "columns '" + found + "' and '" + h
                                + "' both match '" + wanted + "'; the first one is used"));
                        continue;
                    }
                    found = h;
                }
            }
            if (found != null && !found.equals(wanted)) {
                issues.accept(ReadIssue.note("column_case", line, found,
                        "column '" + found + "' is read as '" + wanted + "'"));
            }
            return found;
        }

        Example row(List<String> cells, long line) {
            if (cells.size() != header.size()) {
                boolean onlyEmptyExtra = cells.size() > header.size()
                        && cells.subList(header.size(), cells.size()).stream().allMatch(String::isEmpty);
                if (!onlyEmptyExtra) {
                    issues.accept(ReadIssue.dropped("ragged_row", line, null, "the row has " + cells.size()
                            + " cells but the header has " + header.size()
                            + "; check for an unquoted separator or a missing cell"));
                    return null;
                }
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.putIfAbsent(header.get(i), i < cells.size() ? cells.get(i) : "");
            }
            return mapper.fromRow(row, promptHeader, completionHeader, line);
        }
    }

    private static final class CsvIterator extends TableIterator {
        private static final CsvFactory CSV = CsvFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_RECORD_CHARS).build())
                .build();
        /** Syntax errors read past before giving up on the rest of the file (each costs a scan from the start). */
        static final int MAX_RECOVERIES = 100;
        private final char separator;
        private CheckedUtf8Reader decoder;
        private CsvParser parser;
        /** Lines of the file before the current parser's first line (the parser counts from 1). */
        private long lineOffset;
        private int recoveries;
        private boolean headerRead;

        CsvIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues, char separator) throws IOException {
            super(file, options, issues);
            this.separator = separator;
            open(decoder(), 0);
        }

        private void open(CheckedUtf8Reader reader, long offset) throws IOException {
            decoder = reader;
            lineOffset = offset;
            parser = CSV.createParser(decoder);
            parser.setSchema(CsvSchema.emptySchema().withColumnSeparator(separator));
        }

        private long lineNr(com.fasterxml.jackson.core.JsonLocation at) {
            return at.getLineNr() + lineOffset;
        }

        @Override
        Example advance() throws IOException {
            while (true) {
                List<String> cells = new ArrayList<>();
                long line = -1;
                long recordStart = lineNr(parser.currentLocation()); // where the next record begins
                try {
                    JsonToken t = parser.nextToken();
                    if (t == null) {
                        decoder.release(Long.MAX_VALUE, issues);
                        return null;
                    }
                    if (t != JsonToken.START_ARRAY) {
                        continue;
                    }
                    while ((t = parser.nextToken()) == JsonToken.VALUE_STRING) {
                        if (line < 0) {
                            line = lineNr(parser.currentTokenLocation());
                        }
                        cells.add(parser.getText());
                    }
                    // the record ended on the line before the parser's position
                    decoder.release(lineNr(parser.currentLocation()) - 1L, issues);
                } catch (JsonProcessingException e) {
                    // name the record where it started: an unclosed quote is only noticed at the end of the file
                    long at = line >= 0 ? line : recordStart;
                    long noticed = e.getLocation() == null ? at : lineNr(e.getLocation());
                    decoder.release(at, issues);
                    if (!headerRead || recoveries >= MAX_RECOVERIES) {
                        issues.accept(ReadIssue.dropped("invalid_csv", at, null, "not valid CSV: " + e.getOriginalMessage()
                                + (noticed > at ? " (noticed on line " + noticed + ")" : "")
                                + (headerRead ? "; " + MAX_RECOVERIES + " records were already skipped" : "")
                                + restOfFile(file, at)));
                        return null;
                    }
                    // as pandas does, drop the one record and read on from the next line: a stray quote must
                    // not cost every row after it. A quote left open to the end of the file is noticed there,
                    // so then only the record's first line is skipped.
                    boolean openToTheEnd = noticed > at && (e.getOriginalMessage().contains("closing quote")
                            || e.getOriginalMessage().contains("EOF"));
                    long last = openToTheEnd ? at : Math.max(at, noticed);
                    recoveries++;
                    boolean tooLarge = e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException;
                    issues.accept(tooLarge ? tooLarge(at) : ReadIssue.dropped("invalid_csv", at, null, "not valid CSV: " + e.getOriginalMessage()
                            + (last > at ? "; lines " + at + " to " + last + " are this one record, dropped"
                            : "; this record is dropped") + " and reading goes on at line " + (last + 1)
                            + ". Check the quotes in it (a quote inside a cell is doubled: \"\")"));
                    parser.close();
                    open(skipLines(last), last);
                    continue;
                }
                if (cells.size() == 1 && cells.get(0).isEmpty()) {
                    issues.accept(ReadIssue.note("empty_line", line, null, "empty line skipped"));
                    continue;
                }
                if (!headerRead) {
                    headerRead = true;
                    if (!header(cells, line)) {
                        return null;
                    }
                    continue;
                }
                int nul = nulCell(cells);
                if (nul >= 0) {
                    // as a JSONL line with a raw NUL is invalid JSON: such bytes are never training text
                    issues.accept(ReadIssue.dropped("invalid_csv", line, nul < header.size() ? header.get(nul) : null,
                            "the cell in column " + (nul + 1) + " holds a NUL byte (\\0), which is never text;"
                                    + " the record is dropped. The file may be binary or UTF-16: save it as UTF-8 text"));
                    continue;
                }
                Example ex = row(cells, line);
                if (ex != null) {
                    return ex;
                }
            }
        }

        private static int nulCell(List<String> cells) {
            for (int i = 0; i < cells.size(); i++) {
                if (cells.get(i).indexOf('\0') >= 0) {
                    return i;
                }
            }
            return -1;
        }

        /** A reader of {@code file} from the start of line {@code lines + 1}, counting lines as the parser does. */
        private CheckedUtf8Reader skipLines(long lines) throws IOException {
            BufferedInputStream in = new BufferedInputStream(openFile(), 1 << 16);
            try {
                long seen = 0;
                int b;
                while (seen < lines && (b = in.read()) >= 0) {
                    if (b == '\n') {
                        seen++;
                    } else if (b == '\r') {
                        seen++;
                        in.mark(1);
                        if (in.read() != '\n') {
                            in.reset();
                        }
                    }
                }
            } catch (IOException e) {
                in.close();
                throw e;
            }
            return new CheckedUtf8Reader(in, lines + 1);
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }

    private static final class XlsxIterator extends TableIterator {
        private final ReadableWorkbook workbook;
        private final Iterator<Row> rows;
        private final Stream<Row> rowStream;
        private boolean headerRead;

        XlsxIterator(Path file, DatasetOptions options, Consumer<ReadIssue> issues) throws IOException {
            super(file, options, issues);
            XlsxLimits.check(file);
            try {
                // with cell formats, so that a date is read as the date the sheet shows, not its serial number
                this.workbook = new ReadableWorkbook(file.toFile(), new ReadingOptions(true, false));
            } catch (IOException | RuntimeException e) {
                // fastexcel says a zip without a workbook in many ways, some of them unchecked
                throw new DatasetException("invalid_xlsx", file, 0, null, "is not an XLSX workbook (it is a zip"
                        + " file, but " + e.getClass().getSimpleName() + ": " + e.getMessage()
                        + "); save it from a spreadsheet program as .xlsx, or as CSV", e);
            }
            try {
                Sheet sheet = pickSheet(options.sheet());
                rowStream = sheet == null ? Stream.empty() : sheet.openStream();
            } catch (IOException | RuntimeException e) {
                workbook.close();
                throw e;
            }
            rows = rowStream.iterator();
        }

        private Sheet pickSheet(Optional<String> wanted) throws IOException {
            List<Sheet> sheets = workbook.getSheets().toList();
            if (wanted.isPresent()) {
                Optional<Sheet> s = sheets.stream().filter(x -> x.getName().equalsIgnoreCase(wanted.get())).findFirst();
                if (s.isEmpty()) {
                    issues.accept(ReadIssue.dropped("missing_sheet", 0, null, "no sheet named '" + wanted.get()
                            + "'; the workbook has " + sheets.stream().map(Sheet::getName).toList()));
                    return null;
                }
                return s.get();
            }
            for (Sheet s : sheets) {
                try (Stream<Row> r = s.openStream()) {
                    if (r.findAny().isPresent()) {
                        if (sheets.size() > 1) {
                            issues.accept(ReadIssue.note("other_sheets", 0, null, "the workbook has " + sheets.size()
                                    + " sheets; reading '" + s.getName() + "', the first with data (choose with sheet(...))"));
                        }
                        return s;
                    }
                }
                issues.accept(ReadIssue.note("empty_sheet", 0, null, "sheet '" + s.getName() + "' is empty"));
            }
            issues.accept(ReadIssue.dropped("empty_file", 0, null, "every sheet of the workbook is empty"));
            return null;
        }

        @Override
        Example advance() {
            try {
                return nextRow();
            } catch (RuntimeException e) {
                // fastexcel reports a damaged workbook with its own unchecked exceptions
                throw new DatasetException("invalid_xlsx", file, 0, null, "the workbook cannot be read: " + e, e);
            }
        }

        private Example nextRow() {
            while (rows.hasNext()) {
                Row r = rows.next();
                long line = r.getRowNum();
                List<String> cells = new ArrayList<>(r.getCellCount());
                boolean any = false;
                for (int i = 0; i < r.getCellCount(); i++) {
                    String text = cellText(r.getCell(i), line);
                    any |= !text.isEmpty();
                    cells.add(text);
                }
                if (!any) {
                    continue; // a row with no values is not a record in a spreadsheet
                }
                if (!headerRead) {
                    headerRead = true;
                    if (!header(cells, line)) {
                        return null;
                    }
                    continue;
                }
                while (cells.size() < header.size()) {
                    cells.add(""); // spreadsheets end rows at the last filled cell
                }
                Example ex = row(cells, line);
                if (ex != null) {
                    return ex;
                }
            }
            return null;
        }

        private String cellText(Cell cell, long line) {
            if (cell == null) {
                return "";
            }
            if (cell.getType() == CellType.FORMULA) {
                String cached = cell.getRawValue();
                String column = cell.getAddress().toString();
                if (cached == null) {
                    issues.accept(ReadIssue.note("formula_cell", line, column, "cell " + column + " holds the formula ="
                            + cell.getFormula() + " with no saved result; read as empty. Save the file from a spreadsheet"
                            + " program, or paste values, so the result is stored"));
                    return "";
                }
                issues.accept(ReadIssue.note("formula_cell", line, column, "cell " + column + " holds the formula ="
                        + cell.getFormula() + "; its saved result was used"));
                return SpreadsheetValues.text(cell.getRawValue(), cell.getDataFormatId(), cell.getDataFormatString(),
                        workbook.isDate1904());
            }
            if (cell.getType() == CellType.NUMBER) {
                return SpreadsheetValues.text(cell.getRawValue(), cell.getDataFormatId(), cell.getDataFormatString(),
                        workbook.isDate1904());
            }
            if (cell.getType() == CellType.BOOLEAN) {
                return Boolean.TRUE.equals(cell.asBoolean()) ? "TRUE" : "FALSE";
            }
            if (cell.getType() == CellType.ERROR) {
                String column = cell.getAddress().toString();
                issues.accept(ReadIssue.note("error_cell", line, column,
                        "cell " + column + " holds the error " + cell.getText() + "; read as that text"));
            }
            return cell.getText() == null ? "" : cell.getText();
        }

        @Override
        public void close() throws IOException {
            try {
                rowStream.close();
            } finally {
                workbook.close();
            }
        }
    }
}
