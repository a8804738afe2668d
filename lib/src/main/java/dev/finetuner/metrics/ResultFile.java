package dev.finetuner.metrics;

import dev.finetuner.DatasetException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/** Reads the metrics CSV of a job's result file into steps; see {@link TrainingMetrics#fromResultFile}. */
final class ResultFile {
    /** The values of a step, and the header names that hold each, the preferred name first. */
    enum Column {
        STEP("step"),
        TRAIN_LOSS("train_loss"),
        TRAIN_ACCURACY("train_accuracy", "train_mean_token_accuracy"),
        VALID_LOSS("valid_loss"),
        VALID_ACCURACY("valid_mean_token_accuracy"),
        FULL_VALID_LOSS("full_valid_loss"),
        FULL_VALID_ACCURACY("full_valid_mean_token_accuracy");

        private final List<String> names;

        Column(String... names) {
            this.names = List.of(names);
        }
    }

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("\\+?\\d+(\\.0*)?");
    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");

    private ResultFile() {
    }

    static List<TrainingMetrics.Step> parse(byte[] content) {
        String text = text(content);
        String[] lines = LINE_BREAK.split(text, -1);
        int headerIndex = 0;
        while (headerIndex < lines.length && lines[headerIndex].isBlank()) {
            headerIndex++;
        }
        if (headerIndex == lines.length) {
            throw new DatasetException("empty_file", null, 0, null,
                    "the result file is empty; expected a CSV whose header starts with step,train_loss,...");
        }
        List<String> header = cells(lines[headerIndex]);
        Map<Column, List<Integer>> columns = columns(header);
        if (!columns.containsKey(Column.STEP)) {
            throw new DatasetException("missing_column", null, headerIndex + 1L, "step",
                    "the header has no step column (it has " + excerpt(String.join(",", header), 80)
                            + "); is this a job's result file?");
        }
        List<TrainingMetrics.Step> steps = new ArrayList<>();
        for (int i = headerIndex + 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                steps.add(step(i + 1L, cells(lines[i]), header, columns));
            }
        }
        return steps;
    }

    /** The content as text, decoded first when it is one base64 text rather than a CSV. */
    private static String text(byte[] content) {
        String text = utf8(content).orElseThrow(() -> new DatasetException("invalid_utf8", null, 0, null,
                "the result file is neither UTF-8 text nor base64 of it"));
        if (looksLikeCsv(text)) {
            return text;
        }
        String compact = WHITESPACE.matcher(text).replaceAll("");
        if (!compact.isEmpty() && compact.length() % 4 == 0 && BASE64.matcher(compact).matches()) {
            try {
                Optional<String> decoded = utf8(Base64.getDecoder().decode(compact));
                if (decoded.isPresent()) {
                    return decoded.get();
                }
            } catch (IllegalArgumentException notBase64) {
                // then it is a CSV, however odd: read as such, and report what is wrong with it
            }
        }
        return text;
    }

    private static boolean looksLikeCsv(String text) {
        for (String line : LINE_BREAK.split(text, -1)) {
            if (!line.isBlank()) {
                return cells(line).stream().anyMatch(c -> c.equalsIgnoreCase("step"));
            }
        }
        return false;
    }

    /** The text, without a leading byte order mark; empty when the bytes are not UTF-8. */
    private static Optional<String> utf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return Optional.of(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static Map<Column, List<Integer>> columns(List<String> header) {
        Map<Column, List<Integer>> columns = new EnumMap<>(Column.class);
        for (Column column : Column.values()) {
            for (String name : column.names) {
                for (int i = 0; i < header.size(); i++) {
                    if (header.get(i).toLowerCase(Locale.ROOT).equals(name)) {
                        columns.computeIfAbsent(column, c -> new ArrayList<>()).add(i);
                    }
                }
            }
        }
        return columns;
    }

    private static TrainingMetrics.Step step(long line, List<String> cells, List<String> header,
                                             Map<Column, List<Integer>> columns) {
        if (cells.size() > header.size()) {
            throw new DatasetException("ragged_row", null, line, null, "the row has " + cells.size()
                    + " cells but the header names " + header.size() + " columns");
        }
        OptionalLong step = OptionalLong.empty();
        for (int index : columns.get(Column.STEP)) {
            OptionalLong v = stepNumber(cell(cells, index), line, index, header.get(index));
            step = step.isPresent() ? step : v;
        }
        if (step.isEmpty()) {
            int index = columns.get(Column.STEP).get(0);
            throw new DatasetException("invalid_number", null, line, header.get(index),
                    "column " + (index + 1) + " (" + header.get(index) + ") is empty; every row needs its step");
        }
        Map<Column, OptionalDouble> values = new EnumMap<>(Column.class);
        for (Column column : Column.values()) {
            OptionalDouble value = OptionalDouble.empty();
            if (column != Column.STEP) {
                for (int index : columns.getOrDefault(column, List.of())) {
                    OptionalDouble v = number(cell(cells, index), line, index, header.get(index));
                    value = value.isPresent() ? value : v;
                }
            }
            values.put(column, value);
        }
        return new TrainingMetrics.Step(step.getAsLong(), values.get(Column.TRAIN_LOSS),
                values.get(Column.TRAIN_ACCURACY), values.get(Column.VALID_LOSS), values.get(Column.VALID_ACCURACY),
                values.get(Column.FULL_VALID_LOSS), values.get(Column.FULL_VALID_ACCURACY));
    }

    /** A row may stop short of the header: the missing cells are empty. */
    private static String cell(List<String> cells, int index) {
        return index < cells.size() ? cells.get(index) : "";
    }

    private static OptionalLong stepNumber(String cell, long line, int index, String name) {
        if (cell.isEmpty()) {
            return OptionalLong.empty();
        }
        int dot = cell.indexOf('.');
        String whole = (dot < 0 ? cell : cell.substring(0, dot)).replace("+", "");
        if (!WHOLE_NUMBER.matcher(cell).matches() || whole.length() > 18) {
            throw new DatasetException("invalid_number", null, line, name, "column " + (index + 1) + " (" + name
                    + ") holds \"" + excerpt(cell, 40) + "\", which is not a step number (0, 1, 2, ...)");
        }
        return OptionalLong.of(Long.parseLong(whole));
    }

    private static OptionalDouble number(String cell, long line, int index, String name) {
        if (cell.isEmpty() || cell.equalsIgnoreCase("nan")) {
            return OptionalDouble.empty();
        }
        double v = NUMBER.matcher(cell).matches() ? Double.parseDouble(cell) : Double.NaN;
        if (!Double.isFinite(v)) {
            throw new DatasetException("invalid_number", null, line, name, "column " + (index + 1) + " (" + name
                    + ") holds \"" + excerpt(cell, 40) + "\", which is not a finite number");
        }
        return OptionalDouble.of(v);
    }

    /** The cells of one CSV line, trimmed; a quoted cell may hold commas and doubled quotes. */
    static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"' && cell.toString().isBlank()) {
                cell.setLength(0);
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().strip());
        return cells;
    }

    private static String excerpt(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
