package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.finetuner.model.BaseModel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Together AI's checks of a JSONL training or validation file, as its client's {@code check_file} makes them
 * ({@code togethercomputer/together-python: src/together/utils/files.py}, {@code _check_jsonl}): the file is UTF-8
 * and not empty; every line is a JSON object whose keys are exactly one of the formats {@code text} (general),
 * {@code messages} (conversation), {@code prompt}+{@code completion} (instruction) or {@code input}+
 * {@code preferred_output}+{@code non_preferred_output} (preference), the same on every line; a conversation's
 * messages have a {@code role} (system, user, assistant) and {@code content}, alternate after an optional system
 * message, include an assistant message, and carry a {@code weight} of 0 or 1 if any; at least one example.
 * Messages are worded as Together's. The first problem fails the job.
 *
 * <p>Simplifications: text fields must be strings (Together also takes multimodal content parts, which this
 * backend does not train on), and CSV and Parquet files are not read.
 */
final class TogetherFileCheck {
    /** Together's {@code MIN_SAMPLES}. */
    static final int MIN_SAMPLES = 1;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");
    private static final Map<String, List<String>> FORMATS = new LinkedHashMap<>();
    private static final ObjectReader LINE = Json.MAPPER.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        FORMATS.put("general", List.of("text"));
        FORMATS.put("conversation", List.of("messages"));
        FORMATS.put("instruction", List.of("prompt", "completion"));
        FORMATS.put("preference_openai", List.of("input", "preferred_output", "non_preferred_output"));
    }

    private TogetherFileCheck() {
    }

    /** A problem found on a line; its message names the line, as Together's do. */
    private static final class Bad extends Exception {
        final String source;

        Bad(String message, String source) {
            super(message, null, false, false);
            this.source = source;
        }
    }

    /**
     * Checks a stored file.
     *
     * @param model the base model, for counting tokens
     * @return the pairs to train on and the tokens of one epoch, or the first problem (its code is the check
     *     Together's report names: {@code utf8}, {@code load_json}, {@code line_type}, {@code format},
     *     {@code key_value}, {@code has_min_samples})
     */
    static FileCheck.Result check(Path file, BaseModel model) {
        try (InputStream in = Files.newInputStream(file)) {
            if (Files.size(file) == 0) {
                return failed("file_size", "File is empty");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
            List<NeighbourModel.Pair> pairs = new ArrayList<>();
            long tokens = 0;
            String datasetFormat = null;
            int idx = 0;
            String line;
            try {
                while ((line = reader.readLine()) != null) {
                    idx++;
                    JsonNode node = parse(line, idx);
                    String format = format(node, idx);
                    if (datasetFormat == null) {
                        datasetFormat = format;
                    } else if (!datasetFormat.equals(format)) {
                        throw new Bad("All samples in the dataset must have the same dataset format. Got "
                                + datasetFormat + " for the first line and " + format + " for the line " + idx + ".",
                                "format");
                    }
                    NeighbourModel.Pair pair = example(node, format, idx);
                    pairs.add(pair);
                    tokens += Tokens.count(model, pair.prompt()) + Tokens.count(model, pair.completion());
                }
            } catch (CharacterCodingException e) {
                return failed("utf8", "File is not UTF-8 encoded (line " + (idx + 1) + ").");
            } catch (Bad b) {
                return failed(b.source, b.getMessage());
            }
            if (pairs.size() < MIN_SAMPLES) {
                return failed("has_min_samples", "Processing " + file.getFileName() + " resulted in only "
                        + pairs.size() + " samples. Our minimum is " + MIN_SAMPLES + " samples.");
            }
            return new FileCheck.Result(List.copyOf(pairs), tokens, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the stored file " + file, e);
        }
    }

    private static FileCheck.Result failed(String code, String message) {
        // line 0: Together's messages name the line themselves
        return new FileCheck.Result(List.of(), 0, new FileCheck.Problem(0, code, message));
    }

    private static JsonNode parse(String line, int idx) throws Bad {
        if (idx == 1 && line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        JsonNode node;
        try {
            node = LINE.readValue(line);
        } catch (JsonProcessingException e) {
            throw new Bad("Error parsing json payload. Unexpected format on line " + idx + ".", "load_json");
        }
        if (node == null || !node.isObject()) {
            throw new Bad("Error parsing file. Invalid format on line " + idx + " of the input file. Datasets must "
                    + "follow text, conversational, or instruction format. For more information, see "
                    + "https://docs.together.ai/docs/fine-tuning-data-preparation", "line_type");
        }
        return node;
    }

    /** The one format whose columns the line has, with no column beyond them. */
    private static String format(JsonNode node, int idx) throws Bad {
        String current = null;
        for (Map.Entry<String, List<String>> f : FORMATS.entrySet()) {
            if (f.getValue().stream().allMatch(node::has)) {
                if (current != null) {
                    throw new Bad("Found multiple dataset formats in the input file. Got " + current + " and "
                            + f.getKey() + " on line " + idx + ".", "format");
                }
                current = f.getKey();
                for (var it = node.fieldNames(); it.hasNext(); ) {
                    String column = it.next();
                    if (!f.getValue().contains(column)) {
                        throw new Bad("Found extra column \"" + column + "\" in the line " + idx + ".", "format");
                    }
                }
            }
        }
        if (current == null) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            throw new Bad("Error parsing file. Could not detect a format for the line " + idx + " with the columns: "
                    + keys, "format");
        }
        return current;
    }

    /** Checks the line's fields for its format and gives the pair it teaches. */
    private static NeighbourModel.Pair example(JsonNode node, String format, int idx) throws Bad {
        switch (format) {
            case "general" -> {
                return new NeighbourModel.Pair("", string(node, "text", idx));
            }
            case "instruction" -> {
                return new NeighbourModel.Pair(string(node, "prompt", idx), string(node, "completion", idx));
            }
            case "conversation" -> {
                messages(node.get("messages"), idx, true);
                return Prompts.pair(node);
            }
            default -> {
                JsonNode input = node.get("input");
                if (!input.isObject() || !input.has("messages")) {
                    throw new Bad("The dataset is malformed, the `input` field must be an object with `messages` on "
                            + "line " + idx + ".", "key_value");
                }
                messages(input.get("messages"), idx, false);
                for (String key : List.of("preferred_output", "non_preferred_output")) {
                    messages(node.get(key), idx, true);
                }
                return Prompts.pair(node);
            }
        }
    }

    private static String string(JsonNode node, String column, int idx) throws Bad {
        JsonNode v = node.get(column);
        if (!v.isTextual()) {
            throw new Bad("Invalid format on line " + idx + " of the input file. The `" + column + "` column must be "
                    + "a string (content parts are not trained on by this backend). Found " + Json.typeName(v) + ".",
                    "key_value");
        }
        return v.textValue();
    }

    private static void messages(JsonNode messages, int idx, boolean requireAssistant) throws Bad {
        if (!messages.isArray()) {
            throw new Bad("Invalid format on line " + idx + " of the input file. The `messages` column must be a "
                    + "list. Found " + Json.typeName(messages), "key_value");
        }
        if (messages.isEmpty()) {
            throw new Bad("Invalid format on line " + idx + " of the input file. The `messages` column must not be "
                    + "empty.", "key_value");
        }
        String previous = null;
        boolean assistant = false;
        for (JsonNode m : messages) {
            if (!m.isObject()) {
                throw new Bad("Invalid format on line " + idx + " of the input file. The `messages` column must be a "
                        + "list of dicts. Found " + Json.typeName(m), "key_value");
            }
            for (String column : List.of("role", "content")) {
                if (!m.has(column)) {
                    throw new Bad("Missing required column `" + column + "` in message on line " + idx + ".",
                            "key_value");
                }
            }
            JsonNode role = m.get("role");
            if (!role.isTextual() || !ROLES.contains(role.textValue())) {
                throw new Bad("Invalid role `" + (role.isTextual() ? role.textValue() : role) + "` in conversation on "
                        + "line " + idx + ". Possible roles: system, user, assistant", "key_value");
            }
            if (role.textValue().equals(previous)) {
                throw new Bad("Invalid role turns on line " + idx + " of the input file. After the optional system "
                        + "message, conversation roles must alternate between user/assistant/user/assistant.",
                        "key_value");
            }
            JsonNode weight = m.get("weight");
            if (weight != null && !(weight.isIntegralNumber() && (weight.asLong() == 0 || weight.asLong() == 1))) {
                throw new Bad("Weight must be either 0 or 1 on line " + idx + ".", "key_value");
            }
            if (!m.get("content").isTextual()) {
                throw new Bad("Invalid format on line " + idx + " of the input file. The `content` of a message must "
                        + "be a string (content parts are not trained on by this backend).", "key_value");
            }
            previous = role.textValue();
            assistant |= previous.equals("assistant");
        }
        if (requireAssistant && !assistant) {
            throw new Bad("Invalid format on line " + idx + " of the input file. At least one message with the "
                    + "assistant role must be present in the example.", "key_value");
        }
    }
}
