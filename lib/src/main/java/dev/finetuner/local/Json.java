package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The one ObjectMapper of the backend, and small helpers around it. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** How the API names a JSON value's type in an {@code invalid_type} error: "a string", "an integer", ... */
    static String typeName(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isIntegralNumber()) {
            return "an integer";
        }
        if (v.isNumber()) {
            return "a decimal";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return "null";
    }

    /** {@code {"object":"list","data":[...],"has_more":...}}. */
    static ObjectNode list(List<? extends JsonNode> items, boolean hasMore) {
        ObjectNode page = object();
        page.put("object", "list");
        ArrayNode data = page.putArray("data");
        items.forEach(data::add);
        page.put("has_more", hasMore);
        return page;
    }

    /** How the temporary file of {@link #writeAtomically} ends; a backend starting removes what a crash left. */
    static final String PARTIAL = ".part";

    /**
     * Writes to a temporary file beside the target and moves it into place, so that a reader, or a backend started
     * after a crash, never sees half a record. The temporary name is unique, so two writers of one record cannot
     * mix their bytes; where the file system cannot move atomically, the move still replaces the target whole.
     */
    static void writeAtomically(Path target, JsonNode node) {
        Path part = null;
        try {
            part = Files.createTempFile(target.getParent(), target.getFileName() + ".", PARTIAL);
            Files.write(part, bytes(node));
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // the next start removes it
                }
            }
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The text of a field, or null when absent or null. */
    static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
