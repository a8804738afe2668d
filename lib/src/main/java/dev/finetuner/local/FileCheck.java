package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The fine-tuning API's checks of an uploaded training or validation file, done while a job is in
 * {@code validating_files}: one JSON object per line, one example shape per file and the one the
 * model trains on, the keys and roles the API knows, at least {@value #MIN_TRAINING_EXAMPLES} training
 * examples, no example longer than the model's context. The first problem, in file order, fails the
 * job.
 *
 * <p>These rules are written here, from the API's behaviour, and share no code with
 * {@code dev.finetuner.validation} or {@code dev.finetuner.dataset}: the backend is the oracle the
 * library's validator is tested against, so a bug in the validator must not be able to hide in it. Where
 * the two disagree (the API takes identical completions that the validator calls an error; the
 * validator takes a {@code "Prompt"} key the API does not know), the backend sides with the API.
 *
 * <p>Reads the file line by line; holds the pairs to train on, not the file.
 */
final class FileCheck {
    /** The fewest examples the API trains on. */
    static final int MIN_TRAINING_EXAMPLES = 10;
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private static final ObjectReader LINE = Json.MAPPER.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The example shapes of the API, one per file. */
    enum Shape {
        PROMPT_COMPLETION("prompt/completion"), CHAT("chat"), PREFERENCE("preference");

        final String label;

        Shape(String label) {
            this.label = label;
        }
    }

    /**
     * Why a file cannot be trained on.
     *
     * @param line the 1-based line, 0 for the file as a whole
     * @param code the rule, e.g. {@code invalid_json}
     * @param message what is wrong
     */
    record Problem(long line, String code, String message) {
        /** {@code "line 3: not valid JSON ... (invalid_json)"}. */
        String describe() {
            return (line > 0 ? "line " + line + ": " : "") + message + " (" + code + ")";
        }
    }

    /**
     * A checked file: the pairs to train on and the tokens of one epoch, or the problem.
     *
     * @param pairs every example as a prompt and a completion, in file order; empty with a problem
     * @param tokens tokens billed per epoch
     * @param problem the first problem, or null
     */
    record Result(List<NeighbourModel.Pair> pairs, long tokens, Problem problem) {
    }

    private final BaseModel model;
    private final boolean training;
    private final List<NeighbourModel.Pair> pairs = new ArrayList<>();
    private long tokens;
    private Shape shape;

    private FileCheck(BaseModel model, boolean training) {
        this.model = model;
        this.training = training;
    }

    /**
     * Checks a stored file.
     *
     * @param training true for a training file (which needs {@value #MIN_TRAINING_EXAMPLES} examples),
     *     false for a validation file
     */
    static Result check(Path file, BaseModel model, boolean training) {
        try (InputStream in = Files.newInputStream(file)) {
            return new FileCheck(model, training).run(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the stored file " + file, e);
        }
    }

    private Result run(InputStream in) throws IOException {
        byte[] chunk = new byte[1 << 16];
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        long line = 0;
        int n;
        while ((n = in.read(chunk)) != -1) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    raw.write(chunk, start, i - start);
                    Problem p = line(++line, raw.toByteArray());
                    if (p != null) {
                        return failed(p);
                    }
                    raw.reset();
                    start = i + 1;
                }
            }
            raw.write(chunk, start, n - start);
        }
        if (raw.size() > 0) { // the last line has no newline
            Problem p = line(++line, raw.toByteArray());
            if (p != null) {
                return failed(p);
            }
        }
        if (pairs.isEmpty()) {
            return failed(new Problem(0, "no_examples", "the file holds no examples"));
        }
        if (training && pairs.size() < MIN_TRAINING_EXAMPLES) {
            return failed(new Problem(0, "too_few_examples", "Training file has " + pairs.size()
                    + " example(s), but must have at least " + MIN_TRAINING_EXAMPLES + " examples"));
        }
        return new Result(List.copyOf(pairs), tokens, null);
    }

    private static Result failed(Problem p) {
        return new Result(List.of(), 0, p);
    }

    /** Checks one line and takes its example; returns the problem, or null. */
    private Problem line(long n, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Problem(n, "invalid_utf8", "the line is not valid UTF-8; the file must be UTF-8 encoded");
        }
        if (n == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark is allowed
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isBlank()) {
            return null; // blank lines are skipped
        }
        JsonNode node;
        try {
            node = LINE.readValue(text);
        } catch (JsonProcessingException e) {
            return new Problem(n, "invalid_json", "not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")"));
        }
        if (!node.isObject()) {
            return new Problem(n, "data_type", "expected one JSON object per line, found " + typeName(node));
        }
        Shape s = shapeOf(node);
        if (s == null) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            return new Problem(n, "unrecognized_format", "no known example shape: expected 'messages' (chat),"
                    + " 'input', 'preferred_output' and 'non_preferred_output' (preference) or 'prompt' and"
                    + " 'completion'; found keys " + keys);
        }
        if (shape == null) {
            shape = s;
            boolean chatModel = model.format() == ExampleFormat.CHAT;
            if (chatModel == (s == Shape.PROMPT_COMPLETION)) {
                return new Problem(n, "model_format", model.name() + " trains on "
                        + (chatModel ? "chat" : "prompt/completion") + " examples, but the file holds " + s.label
                        + " examples");
            }
        } else if (s != shape) {
            return new Problem(n, "mixed_formats", "a " + s.label + " example in a file of " + shape.label
                    + " examples; a file holds one format");
        }
        Problem p = switch (s) {
            case PROMPT_COMPLETION -> promptCompletion(n, node);
            case CHAT -> chat(n, node);
            case PREFERENCE -> preference(n, node);
        };
        if (p != null) {
            return p;
        }
        long t = tokens(node, s);
        if (t > model.contextTokens()) {
            return new Problem(n, "too_long", "the example has " + t + " tokens, more than the "
                    + model.contextTokens() + " of " + model.name());
        }
        NeighbourModel.Pair pair = Prompts.pair(node);
        if (pair == null) {
            // unreachable after the checks above (a chat has an assistant message); refuse rather than guess
            return new Problem(n, "missing_assistant_message", "the example has nothing to learn");
        }
        pairs.add(pair);
        tokens += t;
        return null;
    }

    /** The shape a line's keys say, or null. The keys are case-sensitive, as the API's are. */
    private static Shape shapeOf(JsonNode node) {
        if (node.has("messages")) {
            return Shape.CHAT;
        }
        if (node.has("input") || node.has("preferred_output") || node.has("non_preferred_output")) {
            return Shape.PREFERENCE;
        }
        if (node.has("prompt") || node.has("completion")) {
            return Shape.PROMPT_COMPLETION;
        }
        return null;
    }

    // ---- prompt/completion

    private static Problem promptCompletion(long n, JsonNode node) {
        for (String key : List.of("prompt", "completion")) {
            JsonNode v = node.get(key);
            if (v == null) {
                return new Problem(n, "missing_key", "the '" + key + "' key is missing");
            }
            if (v.isContainerNode()) {
                return new Problem(n, "data_type", "'" + key + "' must be a string, found " + typeName(v));
            }
        }
        if (Prompts.text(node.get("completion")).isBlank()) {
            return new Problem(n, "empty_completion", "the completion is empty");
        }
        return null;
    }

    // ---- chat

    private static Problem chat(long n, JsonNode node) {
        Problem p = messages(n, node.get("messages"), "messages");
        if (p != null) {
            return p;
        }
        for (JsonNode m : node.get("messages")) {
            if (m.get("role").asText().equals("assistant")) {
                return null;
            }
        }
        return new Problem(n, "missing_assistant_message", "no assistant message: there is nothing to learn");
    }

    /** A non-empty list of well-formed messages. */
    private static Problem messages(long n, JsonNode messages, String path) {
        if (messages == null || messages.isNull() || messages.isArray() && messages.isEmpty()) {
            return new Problem(n, "missing_messages_list", "'" + path + "' is missing or empty");
        }
        if (!messages.isArray()) {
            return new Problem(n, "data_type", "'" + path + "' must be a list of messages, found "
                    + typeName(messages));
        }
        for (int i = 0; i < messages.size(); i++) {
            Problem p = message(n, messages.get(i), path + "[" + i + "]");
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static Problem message(long n, JsonNode m, String at) {
        if (!m.isObject()) {
            return new Problem(n, "data_type", at + " must be a message object, found " + typeName(m));
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            return new Problem(n, "message_missing_key", at + (role == null ? " has no 'role'"
                    : ".role must be a string, found " + typeName(role)));
        }
        if (!ROLES.contains(role.textValue())) {
            return new Problem(n, "unrecognized_role", at + " has the unknown role '" + role.textValue()
                    + "'; roles are " + new java.util.TreeSet<>(ROLES));
        }
        JsonNode content = m.get("content");
        boolean call = m.has("tool_calls") || m.has("function_call");
        if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
            return new Problem(n, "missing_content", at + ".content must be a string or a list of content parts,"
                    + " found " + typeName(content));
        }
        if ((content == null || content.isNull() || content.isTextual() && content.textValue().isEmpty()) && !call) {
            return new Problem(n, "missing_content", at + " (" + role.textValue() + ") has no content");
        }
        JsonNode weight = m.get("weight");
        if (weight != null && !(weight.isIntegralNumber() && (weight.asLong() == 0 || weight.asLong() == 1))) {
            return new Problem(n, "invalid_weight", at + ".weight must be 0 or 1, found " + weight);
        }
        return null;
    }

    // ---- preference

    private static Problem preference(long n, JsonNode node) {
        JsonNode input = node.get("input");
        if (input == null || !input.isObject()) {
            return new Problem(n, "data_type", "'input' must be an object with 'messages', found "
                    + (input == null ? "nothing" : typeName(input)));
        }
        Problem p = messages(n, input.get("messages"), "input.messages");
        if (p != null) {
            return p;
        }
        JsonNode in = input.get("messages");
        if (in.get(in.size() - 1).get("role").asText().equals("assistant")) {
            return new Problem(n, "invalid_preference", "the input ends with an assistant message; it must end"
                    + " with the user's turn");
        }
        for (String key : List.of("preferred_output", "non_preferred_output")) {
            JsonNode out = node.get(key);
            if (out == null || out.isNull()) {
                return new Problem(n, "missing_key", "the '" + key + "' key is missing");
            }
            if (!out.isArray()) {
                return new Problem(n, "data_type", "'" + key + "' must be a list of messages, found " + typeName(out));
            }
            for (int i = 0; i < out.size(); i++) {
                JsonNode m = out.get(i);
                if (!m.isObject() || !m.path("role").isTextual()) {
                    return new Problem(n, m.isObject() ? "message_missing_key" : "data_type", key + "[" + i
                            + "] must be a message object with a 'role'");
                }
            }
            JsonNode only = out.size() == 1 ? out.get(0) : null;
            if (only == null || !only.get("role").textValue().equals("assistant")
                    || Prompts.text(only.get("content")).isBlank()) {
                return new Problem(n, "invalid_preference", "'" + key + "' must hold exactly one assistant message"
                        + " with content");
            }
        }
        return null;
    }

    // ---- tokens

    /** The tokens an example is billed for in one epoch. */
    private long tokens(JsonNode node, Shape s) {
        return switch (s) {
            case PROMPT_COMPLETION -> count(Prompts.text(node.get("prompt"))) + count(Prompts.text(node.get("completion")));
            case CHAT -> messageTokens(node.get("messages")) + toolTokens(node) + Tokens.REPLY_PRIMING;
            case PREFERENCE -> messageTokens(node.get("input").get("messages")) + toolTokens(node.get("input"))
                    + messageTokens(node.get("preferred_output")) + messageTokens(node.get("non_preferred_output"))
                    + Tokens.REPLY_PRIMING;
        };
    }

    private long toolTokens(JsonNode holder) {
        JsonNode tools = holder.get("tools");
        return tools == null ? 0 : count(tools.toString());
    }

    private long messageTokens(JsonNode messages) {
        long t = 0;
        for (JsonNode m : messages) {
            t += Tokens.PER_MESSAGE + count(m.get("role").asText());
            JsonNode content = m.get("content");
            // content parts are counted as the JSON they are written in
            t += content != null && content.isArray() ? count(content.toString()) : count(Prompts.text(content));
            JsonNode name = m.get("name");
            if (name != null && name.isTextual()) {
                t += Tokens.PER_NAME + count(name.textValue());
            }
            JsonNode calls = m.get("tool_calls");
            if (calls != null) {
                t += count(calls.toString());
            }
        }
        return t;
    }

    private int count(String text) {
        return Tokens.count(model, text);
    }

    private static String typeName(JsonNode n) {
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
