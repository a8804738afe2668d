package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code /v1/files} and {@code /v1/uploads}. */
final class FilesApi {
    static final Set<String> PURPOSES = Set.of("fine-tune", "assistants", "batch", "vision", "user_data", "evals");
    /** The most bytes an upload may announce (the API's 8 GB). */
    static final long MAX_UPLOAD_BYTES = 8L << 30;
    /** The shortest {@code expires_after[seconds]} the API takes: an hour. */
    static final long MIN_EXPIRES_AFTER = 3_600;
    /** The longest {@code expires_after[seconds]} the API takes: 30 days. */
    static final long MAX_EXPIRES_AFTER = 2_592_000;

    private final Store store;
    private final JobClock clock;

    FilesApi(Store store, JobClock clock) {
        this.store = store;
        this.clock = clock;
    }

    // ---- files

    Response create(HttpExchange ex) throws IOException {
        List<Path> scratch = new ArrayList<>();
        ApiError tooLarge = fileTooLarge();
        RequestGuard.requireMediaType(ex.getRequestHeaders(), Multipart.MEDIA_TYPE);
        try (InputStream body = HttpIo.body(ex, HttpIo.MAX_FILE_BYTES + Multipart.MAX_FIELD_BYTES, false, tooLarge)) {
            Map<String, Multipart.Part> form = Multipart.read(body, ex.getRequestHeaders().getFirst("Content-Type"),
                    Set.of("file"), name -> {
                        Path p = store.scratch();
                        scratch.add(p);
                        return p;
                    });
            Multipart.Part purpose = form.get("purpose");
            if (purpose == null) {
                throw ApiError.missing("purpose");
            }
            checkPurpose(purpose.value());
            Multipart.Part file = form.get("file");
            if (file == null || file.file() == null) {
                throw ApiError.missing("file");
            }
            if (file.size() > HttpIo.MAX_FILE_BYTES) {
                throw tooLarge;
            }
            String filename = file.filename() == null || file.filename().isBlank() ? "file" : file.filename();
            if (purpose.value().equals("fine-tune") && file.filename() != null
                    && !filename.toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
                throw ApiError.badRequest("Invalid file format for Fine-Tuning API. Must be .jsonl", "file");
            }
            long created = now();
            Long seconds = expiresAfter(form);
            FileRecord f = store.addFile(file.file(), filename, purpose.value(), created,
                    seconds == null ? null : created + seconds);
            return Response.ok(f.toJson());
        } finally {
            for (Path p : scratch) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The seconds after its creation at which the file expires, from the form fields {@code expires_after[anchor]}
     * (only {@code created_at}) and {@code expires_after[seconds]} (the API's 3600 to 2592000, one hour to 30 days);
     * null when neither is given.
     */
    private static Long expiresAfter(Map<String, Multipart.Part> form) {
        Multipart.Part anchor = form.get("expires_after[anchor]");
        Multipart.Part seconds = form.get("expires_after[seconds]");
        if (anchor == null && seconds == null) {
            return null;
        }
        if (anchor == null) {
            throw ApiError.missing("expires_after[anchor]");
        }
        if (seconds == null) {
            throw ApiError.missing("expires_after[seconds]");
        }
        if (!"created_at".equals(anchor.value())) {
            throw ApiError.badRequest("Invalid value for 'expires_after.anchor': expected 'created_at', got '"
                    + anchor.value() + "'.", "expires_after.anchor", "invalid_value");
        }
        long s;
        try {
            s = Long.parseLong(seconds.value() == null ? "" : seconds.value().trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("Invalid type for 'expires_after.seconds': expected an integer, got '"
                    + seconds.value() + "'.", "expires_after.seconds", "invalid_type");
        }
        if (s < MIN_EXPIRES_AFTER || s > MAX_EXPIRES_AFTER) {
            throw ApiError.badRequest("Invalid 'expires_after.seconds': integer above maximum value or below minimum "
                    + "value; expected a value between " + MIN_EXPIRES_AFTER + " (1 hour) and " + MAX_EXPIRES_AFTER
                    + " (30 days), got " + s + ".", "expires_after.seconds", "invalid_value");
        }
        return s;
    }

    private static ApiError fileTooLarge() {
        return new ApiError(413, "File is too large: the limit for a file is " + HttpIo.MAX_FILE_BYTES
                + " bytes (512 MB). Use the Uploads API for larger files.", ApiError.INVALID_REQUEST, "file",
                "file_too_large", Map.of());
    }

    private static void checkPurpose(String purpose) {
        if (purpose == null || !PURPOSES.contains(purpose)) {
            throw ApiError.badRequest("'" + purpose + "' is not one of " + new java.util.TreeSet<>(PURPOSES)
                    + " - 'purpose'", "purpose", "invalid_value");
        }
    }

    Response list(HttpExchange ex) {
        Map<String, String> q = HttpIo.query(ex);
        String purpose = q.get("purpose");
        int limit = Pages.limit(q, 10_000, 10_000);
        String order = q.getOrDefault("order", "desc");
        if (!order.equals("asc") && !order.equals("desc")) {
            throw ApiError.badRequest("Invalid 'order': expected 'asc' or 'desc'.", "order", "invalid_value");
        }
        store.expireFiles(now());
        List<FileRecord> files = new ArrayList<>(store.files());
        if (order.equals("asc")) {
            java.util.Collections.reverse(files);
        }
        if (purpose != null) {
            files.removeIf(f -> !f.purpose().equals(purpose));
        }
        ObjectNode page = Pages.page(files, Pages.after(q), limit, FileRecord::id, FileRecord::toJson);
        JsonNode data = page.get("data");
        page.put("first_id", data.isEmpty() ? null : data.get(0).get("id").asText());
        page.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id").asText());
        return Response.ok(page);
    }

    Response retrieve(String id) {
        return Response.ok(file(id).toJson());
    }

    Response delete(String id) {
        file(id);
        store.deleteFile(id);
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "file");
        o.put("deleted", true);
        return Response.ok(o);
    }

    Response content(String id) {
        FileRecord f = file(id);
        String type = f.filename().endsWith(".csv") ? "text/csv" : "application/octet-stream";
        return Response.file(store.content(f), type);
    }

    private FileRecord file(String id) {
        store.expireFiles(now());
        return store.file(id).orElseThrow(() -> ApiError.notFound("No such File object: " + id, "id", null));
    }

    // ---- uploads

    Response createUpload(HttpExchange ex) {
        ObjectNode body = HttpIo.jsonBody(ex);
        JsonNode bytes = body.get("bytes");
        if (bytes == null || bytes.isNull()) {
            throw ApiError.missing("bytes");
        }
        if (!bytes.canConvertToLong() || !bytes.isIntegralNumber() || bytes.asLong() < 0 || bytes.asLong() > MAX_UPLOAD_BYTES) {
            throw ApiError.badRequest("Invalid 'bytes': expected an integer between 0 and " + MAX_UPLOAD_BYTES + ".",
                    "bytes", "invalid_value");
        }
        String filename = requiredText(body, "filename");
        String mimeType = requiredText(body, "mime_type");
        String purpose = requiredText(body, "purpose");
        checkPurpose(purpose);
        Upload u = new Upload(Ids.next("upload_"), bytes.asLong(), now(), filename, mimeType, purpose);
        store.addUpload(u);
        return Response.ok(u.toJson(now()));
    }

    private static String requiredText(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw ApiError.missing(field);
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw ApiError.badRequest("Invalid '" + field + "': expected a non-empty string.", field, "invalid_value");
        }
        return v.asText();
    }

    Response addPart(HttpExchange ex, String uploadId) throws IOException {
        Upload u = upload(uploadId);
        requirePending(u);
        String partId = Ids.next("part_");
        Path target = store.partData(partId);
        boolean kept = false;
        RequestGuard.requireMediaType(ex.getRequestHeaders(), Multipart.MEDIA_TYPE);
        try (InputStream body = HttpIo.body(ex, HttpIo.MAX_PART_BYTES + Multipart.MAX_FIELD_BYTES)) {
            Map<String, Multipart.Part> form = Multipart.read(body, ex.getRequestHeaders().getFirst("Content-Type"),
                    Set.of("data"), name -> name.equals("data") ? target : store.scratch());
            Multipart.Part data = form.get("data");
            if (data == null || data.file() == null) {
                throw ApiError.missing("data");
            }
            if (data.size() > HttpIo.MAX_PART_BYTES) {
                throw HttpIo.tooLarge(HttpIo.MAX_PART_BYTES);
            }
            requirePending(u);
            Upload.Part part = new Upload.Part(partId, now(), data.size());
            u.addPart(part);
            store.saveUpload(u);
            kept = true;
            return Response.ok(part.toJson(u.id));
        } finally {
            if (!kept) {
                Files.deleteIfExists(target);
            }
        }
    }

    Response complete(HttpExchange ex, String uploadId) throws IOException {
        Upload u = upload(uploadId);
        ObjectNode body = HttpIo.jsonBody(ex);
        JsonNode ids = body.get("part_ids");
        if (ids == null || ids.isNull()) {
            throw ApiError.missing("part_ids");
        }
        if (!ids.isArray()) {
            throw ApiError.badRequest("Invalid 'part_ids': expected an array of part ids.", "part_ids", "invalid_value");
        }
        synchronized (u) {
            requirePending(u);
            List<Upload.Part> parts = new ArrayList<>();
            Set<String> distinct = new HashSet<>();
            for (JsonNode id : ids) {
                Upload.Part p = u.part(id.asText());
                if (p == null) {
                    throw ApiError.badRequest("Part " + id.asText() + " does not belong to upload " + u.id + ".",
                            "part_ids", "invalid_value");
                }
                if (!distinct.add(p.id())) {
                    throw ApiError.badRequest("Part " + p.id() + " is listed twice.", "part_ids", "invalid_value");
                }
                parts.add(p);
            }
            long total = parts.stream().mapToLong(Upload.Part::size).sum();
            if (total != u.bytes) {
                throw ApiError.badRequest("The parts add up to " + total + " bytes, but the upload was created for "
                        + u.bytes + " bytes.", "bytes", "invalid_value");
            }
            Path joined = store.scratch();
            boolean stored = false;
            try {
                join(parts, joined);
                String expected = Json.textOrNull(body, "md5");
                if (expected != null && !expected.isBlank()) {
                    // hashed only when the client asks for the check, as it costs as much as the join itself
                    String actual = md5(joined);
                    if (!expected.equalsIgnoreCase(actual)) {
                        throw ApiError.badRequest("The md5 of the uploaded bytes is " + actual + ", not " + expected + ".",
                                "md5", "invalid_value");
                    }
                }
                FileRecord f = store.addFile(joined, u.filename, u.purpose, now());
                stored = true;
                u.complete(f);
                store.saveUpload(u);
                for (Upload.Part p : u.parts()) {
                    Files.deleteIfExists(store.partData(p.id()));
                }
            } finally {
                if (!stored) {
                    Files.deleteIfExists(joined);
                }
            }
        }
        return Response.ok(u.toJson(now()));
    }

    /** Writes the parts' bytes one after another into {@code target}, copied by the kernel where it can. */
    private void join(List<Upload.Part> parts, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.CREATE)) {
            for (Upload.Part p : parts) {
                try (FileChannel in = FileChannel.open(store.partData(p.id()), StandardOpenOption.READ)) {
                    long size = in.size();
                    for (long done = 0; done < size; ) {
                        done += in.transferTo(done, size - done, out);
                    }
                }
            }
        }
    }

    private static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md5.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JDK", e);
        }
    }

    Response cancel(String uploadId) {
        Upload u = upload(uploadId);
        synchronized (u) {
            requirePending(u);
            u.cancel();
            store.saveUpload(u);
            for (Upload.Part p : u.parts()) {
                try {
                    Files.deleteIfExists(store.partData(p.id()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return Response.ok(u.toJson(now()));
    }

    private Upload upload(String id) {
        return store.upload(id).orElseThrow(() -> ApiError.notFound("No such Upload object: " + id, "upload_id", null));
    }

    private void requirePending(Upload u) {
        String status = u.status(now());
        if (!status.equals("pending")) {
            throw ApiError.badRequest("Upload " + u.id + " is " + status + "; only a pending upload can take parts, "
                    + "be completed or be cancelled.", null);
        }
    }

    private long now() {
        return clock.epochSecond();
    }
}
