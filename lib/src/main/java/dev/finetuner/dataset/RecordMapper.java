package dev.finetuner.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns one source record (a JSON object or a table row) into an {@link Example}, or into a
 * {@link ReadIssue} that says why it cannot be one. Structural problems (wrong JSON types, no
 * recognisable shape) drop the record here; problems of content (unknown roles, empty completions, no
 * assistant message) are left for validation, which reports them with the example's line.
 */
final class RecordMapper {
    private final String promptKey;
    private final String completionKey;

    RecordMapper(DatasetOptions options) {
        this.promptKey = options.promptColumn().toLowerCase(Locale.ROOT);
        this.completionKey = options.completionColumn().toLowerCase(Locale.ROOT);
    }

    /** Maps a JSON value read at {@code line}; returns null (after reporting) when it is not an example. */
    Example fromJson(JsonNode node, long line, Consumer<ReadIssue> issues) {
        if (!node.isObject()) {
            issues.accept(ReadIssue.dropped("data_type", line, null,
                    "expected a JSON object, found " + typeName(node) + "; each line must be one example object"));
            return null;
        }
        if (node.has("messages")) {
            return chat(node, line, "", issues);
        }
        if (node.has("input") || node.has("preferred_output") || node.has("non_preferred_output")) {
            return preference(node, line, issues);
        }
        // the first key that matches in any case, without a map per record
        String p = null;
        String c = null;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            String lower = k.toLowerCase(Locale.ROOT);
            if (p == null && lower.equals(promptKey)) {
                p = k;
            }
            if (c == null && lower.equals(completionKey)) {
                c = k;
            }
        }
        if (p != null || c != null) {
            if (p == null || c == null) {
                String missing = p == null ? promptKey : completionKey;
                issues.accept(ReadIssue.dropped("missing_key", line, missing, "the '" + missing
                        + "' key is missing; keys present: " + keys(node)));
                return null;
            }
            List<ReadIssue> fieldIssues = new ArrayList<>(0);
            String prompt = text(node.get(p), line, p, fieldIssues::add);
            String completion = text(node.get(c), line, c, fieldIssues::add);
            if (prompt == null || completion == null) {
                // one unreadable record, one issue: name every bad field in it
                ReadIssue first = fieldIssues.stream().filter(ReadIssue::error).findFirst().orElseThrow();
                String also = fieldIssues.stream().filter(i -> i != first && i.error())
                        .map(i -> "; '" + i.field().orElse("?") + "' too: " + i.message()).reduce("", String::concat);
                issues.accept(new ReadIssue(first.code(), true, line, first.field(), first.message() + also));
                return null;
            }
            fieldIssues.forEach(issues);
            Map<String, String> extras = node.size() == 2 ? Map.of() : new LinkedHashMap<>();
            if (node.size() > 2) {
                String pk = p;
                String ck = c;
                node.fields().forEachRemaining(e -> {
                    if (!e.getKey().equals(pk) && !e.getKey().equals(ck)) {
                        extras.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
                    }
                });
            }
            return new Example.PromptCompletion(line, prompt, completion, extras);
        }
        issues.accept(ReadIssue.dropped("unrecognized_format", line, null,
                "no known example shape: expected 'messages' (chat), 'input'/'preferred_output'/'non_preferred_output'"
                        + " (preference) or '" + promptKey + "'/'" + completionKey + "'; found keys "
                        + keys(node) + ". Name the prompt and completion keys (DatasetOptions promptColumn/completionColumn;"
                        + " --prompt-column/--completion-column on the command line)"));
        return null;
    }

    /** The record's keys for a message, each spelling of a key in any case once, as the first had it. */
    private static java.util.Collection<String> keys(JsonNode node) {
        Map<String, String> lowerToActual = new LinkedHashMap<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            lowerToActual.putIfAbsent(k.toLowerCase(Locale.ROOT), k);
        }
        return lowerToActual.values();
    }

    /** Maps a table row (header to cell text); returns null (after reporting) when it is not an example. */
    Example fromRow(Map<String, String> row, String promptHeader, String completionHeader, long line) {
        Map<String, String> extras = new LinkedHashMap<>();
        row.forEach((k, v) -> {
            if (!k.equals(promptHeader) && !k.equals(completionHeader)) {
                extras.put(k, v);
            }
        });
        return new Example.PromptCompletion(line, nullToEmpty(row.get(promptHeader)),
                nullToEmpty(row.get(completionHeader)), extras);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String text(JsonNode v, long line, String field, Consumer<ReadIssue> issues) {
        if (v == null || v.isNull()) {
            return "";
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isValueNode()) {
            issues.accept(ReadIssue.note("non_string_value", line, field,
                    "expected a string, found " + typeName(v) + " " + v + "; read as the text \"" + v.asText() + "\""));
            return v.asText();
        }
        issues.accept(ReadIssue.dropped("data_type", line, field, "expected a string, found " + typeName(v)));
        return null;
    }

    private Example.Chat chat(JsonNode node, long line, String path, Consumer<ReadIssue> issues) {
        JsonNode messages = node.get("messages");
        if (messages == null || messages.isNull() || (messages.isArray() && messages.isEmpty())) {
            issues.accept(ReadIssue.dropped("missing_messages_list", line, path + "messages",
                    "'messages' is missing or empty; a chat example needs a list of messages"));
            return null;
        }
        List<Message> list = messages(messages, line, path + "messages", issues);
        if (list == null) {
            return null;
        }
        Optional<String> tools = Optional.empty();
        Map<String, String> extras = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            switch (e.getKey()) {
                case "messages" -> { }
                case "tools" -> tools = Optional.of(e.getValue().toString());
                default -> extras.put(e.getKey(), e.getValue().toString());
            }
        }
        return new Example.Chat(line, list, tools, extras);
    }

    private List<Message> messages(JsonNode messages, long line, String field, Consumer<ReadIssue> issues) {
        if (!messages.isArray()) {
            issues.accept(ReadIssue.dropped("data_type", line, field,
                    "expected a list of messages, found " + typeName(messages)));
            return null;
        }
        List<Message> list = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = field + "[" + i + "]";
            if (!m.isObject()) {
                issues.accept(ReadIssue.dropped("data_type", line, at, "expected a message object, found " + typeName(m)));
                return null;
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                issues.accept(ReadIssue.dropped("message_missing_key", line, at + ".role", role == null
                        ? "the message has no 'role'" : "'role' must be a string, found " + typeName(role)));
                return null;
            }
            Optional<String> content = Optional.empty();
            Map<String, String> extras = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                var e = it.next();
                String k = e.getKey();
                JsonNode v = e.getValue();
                if (k.equals("role")) {
                    continue;
                }
                if (k.equals("content") && (v.isTextual() || v.isNull())) {
                    content = v.isNull() ? Optional.empty() : Optional.of(v.textValue());
                } else {
                    // content parts (arrays) and every other key are kept verbatim
                    extras.put(k, v.toString());
                }
            }
            list.add(new Message(role.textValue(), content, extras));
        }
        return list;
    }

    private Example.Preference preference(JsonNode node, long line, Consumer<ReadIssue> issues) {
        JsonNode input = node.get("input");
        if (input == null || !input.isObject()) {
            issues.accept(ReadIssue.dropped("data_type", line, "input",
                    "'input' must be an object with 'messages', found " + (input == null ? "nothing" : typeName(input))));
            return null;
        }
        Example.Chat in = chat(input, line, "input.", issues);
        if (in == null) {
            return null;
        }
        List<Message> preferred = output(node, "preferred_output", line, issues);
        if (preferred == null) {
            return null;
        }
        List<Message> nonPreferred = output(node, "non_preferred_output", line, issues);
        if (nonPreferred == null) {
            return null;
        }
        Map<String, String> extras = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            switch (e.getKey()) {
                case "input", "preferred_output", "non_preferred_output" -> { }
                default -> extras.put(e.getKey(), e.getValue().toString());
            }
        });
        return new Example.Preference(line, in, preferred, nonPreferred, extras);
    }

    private List<Message> output(JsonNode node, String key, long line, Consumer<ReadIssue> issues) {
        JsonNode out = node.get(key);
        if (out == null || out.isNull()) {
            issues.accept(ReadIssue.dropped("missing_key", line, key, "'" + key + "' is missing"));
            return null;
        }
        return messages(out, line, key, issues);
    }

    static String typeName(JsonNode n) {
        JsonNodeType t = n.getNodeType();
        return switch (t) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }
}
