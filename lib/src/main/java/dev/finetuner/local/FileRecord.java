package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stored file, as {@code FileObject} shows it.
 *
 * @param id {@code file-...}
 * @param bytes its size
 * @param createdAt unix seconds
 * @param filename the name the client gave
 * @param purpose {@code fine-tune}, {@code fine-tune-results}, ...
 * @param expiresAt unix seconds from which the file is gone, or null when it never expires
 */
record FileRecord(String id, long bytes, long createdAt, String filename, String purpose, Long expiresAt) {

    /** Whether the file has expired at {@code now} (unix seconds). */
    boolean expired(long now) {
        return expiresAt != null && now >= expiresAt;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "file");
        o.put("bytes", bytes);
        o.put("created_at", createdAt);
        if (expiresAt == null) {
            o.putNull("expires_at");
        } else {
            o.put("expires_at", expiresAt);
        }
        o.put("filename", filename);
        o.put("purpose", purpose);
        o.put("status", "processed");
        o.putNull("status_details");
        return o;
    }

    static FileRecord fromJson(JsonNode o) {
        return new FileRecord(o.get("id").asText(), o.get("bytes").asLong(), o.get("created_at").asLong(),
                o.get("filename").asText(), o.get("purpose").asText(),
                o.path("expires_at").isIntegralNumber() ? o.get("expires_at").asLong() : null);
    }
}
