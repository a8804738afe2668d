package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** An upload in parts ({@code /v1/uploads}): pending, then completed (with its file), cancelled or expired. */
final class Upload {
    static final long LIFETIME_SECONDS = 3600;

    final String id;
    final long bytes;
    final long createdAt;
    final String filename;
    final String mimeType;
    final String purpose;
    private String status = "pending";
    private FileRecord file;
    private final Map<String, Part> parts = new LinkedHashMap<>();

    /** One part: its id, when it came, and its size. */
    record Part(String id, long createdAt, long size) {
        ObjectNode toJson(String uploadId) {
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("object", "upload.part");
            o.put("created_at", createdAt);
            o.put("upload_id", uploadId);
            return o;
        }
    }

    Upload(String id, long bytes, long createdAt, String filename, String mimeType, String purpose) {
        this.id = id;
        this.bytes = bytes;
        this.createdAt = createdAt;
        this.filename = filename;
        this.mimeType = mimeType;
        this.purpose = purpose;
    }

    long expiresAt() {
        return createdAt + LIFETIME_SECONDS;
    }

    /** The status, {@code expired} once the hour is up for an upload still pending. */
    synchronized String status(long now) {
        if (status.equals("pending") && now >= expiresAt()) {
            status = "expired";
        }
        return status;
    }

    synchronized void addPart(Part p) {
        parts.put(p.id(), p);
    }

    synchronized Part part(String partId) {
        return parts.get(partId);
    }

    synchronized void complete(FileRecord f) {
        status = "completed";
        file = f;
    }

    synchronized void cancel() {
        status = "cancelled";
    }

    synchronized Iterable<Part> parts() {
        return java.util.List.copyOf(parts.values());
    }

    synchronized ObjectNode toJson(long now) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "upload");
        o.put("bytes", bytes);
        o.put("created_at", createdAt);
        o.put("expires_at", expiresAt());
        o.put("filename", filename);
        o.put("purpose", purpose);
        o.put("status", status(now));
        if (file == null) {
            o.putNull("file");
        } else {
            o.set("file", file.toJson());
        }
        return o;
    }

    /** The state to persist: the API view plus the mime type and the parts. */
    synchronized ObjectNode toStored() {
        ObjectNode o = toJson(0);
        o.put("status", status);
        o.put("mime_type", mimeType);
        var ps = o.putArray("parts");
        for (Part p : parts.values()) {
            ObjectNode po = ps.addObject();
            po.put("id", p.id());
            po.put("created_at", p.createdAt());
            po.put("size", p.size());
        }
        return o;
    }

    static Upload fromStored(JsonNode o) {
        Upload u = new Upload(o.get("id").asText(), o.get("bytes").asLong(), o.get("created_at").asLong(),
                o.get("filename").asText(), Json.textOrNull(o, "mime_type"), o.get("purpose").asText());
        u.status = o.get("status").asText();
        JsonNode f = o.get("file");
        if (f != null && !f.isNull()) {
            u.file = FileRecord.fromJson(f);
        }
        for (JsonNode p : o.path("parts")) {
            u.parts.put(p.get("id").asText(), new Part(p.get("id").asText(), p.get("created_at").asLong(),
                    p.get("size").asLong()));
        }
        return u;
    }
}
