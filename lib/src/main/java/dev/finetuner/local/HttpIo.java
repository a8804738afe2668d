package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading requests and writing responses on a {@link HttpExchange}, with the body limits. */
final class HttpIo {
    /** The most bytes a JSON request body may have. */
    static final long MAX_JSON_BYTES = 8L << 20;
    /**
     * The most bytes a file sent to {@code POST /v1/files} may have: the API's "512 MB", taken as 512 MiB
     * (536,870,912 bytes), the larger reading, so that nothing the API takes is refused here. The request body may be
     * {@link Multipart#MAX_FIELD_BYTES} larger, for the form's envelope and other fields.
     */
    static final long MAX_FILE_BYTES = 512L << 20;
    /** The most bytes one upload part may have (the API's limit). */
    static final long MAX_PART_BYTES = 64L << 20;
    /** A body at most this much over its limit is read and discarded, so the client reads the 413. */
    private static final long DRAIN_BEYOND_LIMIT = 16L << 20;

    private HttpIo() {
    }

    /** The request body, limited to {@code max} bytes: 413 beyond. */
    static InputStream body(HttpExchange ex, long max) {
        return body(ex, max, true, tooLarge(max));
    }

    /**
     * The request body, limited to {@code max} bytes: {@code refusal} beyond, at once when the declared
     * {@code Content-Length} says so (a chunked body is refused once it has sent more than {@code max}).
     *
     * @param drainSmallExcess whether a declared length a little over the limit is read and discarded first, so a
     *     client that reads the answer only after sending its body sees the 413 rather than a reset; an upload of
     *     hundreds of megabytes is refused without reading any of it, as the API does, and the connection is closed
     */
    static InputStream body(HttpExchange ex, long max, boolean drainSmallExcess, ApiError refusal) {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Invalid Content-Length header.", null);
            }
            if (length > max) {
                if (drainSmallExcess && length <= max + DRAIN_BEYOND_LIMIT) {
                    drain(requestBody(ex));
                } else {
                    ex.getResponseHeaders().set("Connection", "close");
                }
                throw refusal;
            }
        }
        return new Limited(requestBody(ex), max, refusal);
    }

    /** The raw request body, whose reads time out when the client stops sending (on the server's workers). */
    private static InputStream requestBody(HttpExchange ex) {
        HttpWorkers.Deadline deadline = HttpWorkers.current();
        return deadline == null ? ex.getRequestBody() : new HttpWorkers.TimedInput(ex.getRequestBody(), deadline);
    }

    static ApiError tooLarge(long max) {
        return new ApiError(413, "Request body too large: the limit is " + max + " bytes.",
                ApiError.INVALID_REQUEST, null, "request_too_large", Map.of());
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away; the 413 goes nowhere either
        }
    }

    /**
     * The request body as a JSON object (an empty body is an empty object); a body that is not
     * {@code application/json} is refused with a 415, as a cross-site form's would be.
     */
    static ObjectNode jsonBody(HttpExchange ex) {
        if (!"0".equals(ex.getRequestHeaders().getFirst("Content-Length"))
                || ex.getRequestHeaders().containsKey("Content-Type")) {
            RequestGuard.requireMediaType(ex.getRequestHeaders(), Response.JSON);
        }
        byte[] bytes;
        try (InputStream in = body(ex, MAX_JSON_BYTES)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ApiError(400, "Could not read the request body: " + e.getMessage(), ApiError.INVALID_REQUEST,
                    null, null, Map.of());
        }
        if (bytes.length == 0) {
            return Json.object();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("We could not parse the JSON body of your request. (HINT: This likely means you "
                    + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                    + "sent was not valid JSON.)", null);
        } catch (IOException e) {
            throw ApiError.badRequest("Could not read the request body.", null);
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("The request body must be a JSON object.", null);
        }
        return (ObjectNode) node;
    }

    /** The decoded query parameters; the last value of a repeated name wins. */
    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** Writes a response; {@code malformed} cuts a JSON body in half, as a broken proxy would. */
    static void send(HttpExchange ex, Response r, boolean malformed) throws IOException {
        HttpWorkers.Deadline deadline = HttpWorkers.current();
        if (deadline == null) {
            write(ex, r, malformed);
            return;
        }
        // a client that does not read its response must not hold a worker for ever
        long size = r.file() != null ? Files.size(r.file()) : r.body().length;
        deadline.within(deadline.dueFor(System.nanoTime(), size), () -> "a response of " + size + " bytes", () -> {
            write(ex, r, malformed);
            return null;
        });
    }

    private static void write(HttpExchange ex, Response r, boolean malformed) throws IOException {
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (r.file() != null) {
            long size = Files.size(r.file());
            ex.sendResponseHeaders(r.status(), size == 0 ? -1 : size);
            try (OutputStream out = ex.getResponseBody(); InputStream in = Files.newInputStream(r.file())) {
                in.transferTo(out);
            }
            return;
        }
        byte[] body = r.body();
        if (malformed) {
            byte[] half = new byte[Math.max(1, body.length / 2)];
            System.arraycopy(body, 0, half, 0, Math.min(half.length, body.length));
            body = half;
        }
        ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** {@code {"error":{"message","type","param","code"}}}. */
    static Response error(ApiError e) {
        ObjectNode root = Json.object();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        return new Response(e.status(), Response.JSON, Json.bytes(root), null, e.headers());
    }

    /** An input stream that fails with a 413 once more than {@code max} bytes were read. */
    static final class Limited extends FilterInputStream {
        private final long max;
        private final ApiError refusal;
        private long read;

        Limited(InputStream in, long max, ApiError refusal) {
            super(in);
            this.max = max;
            this.refusal = refusal;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(long n) {
            read += n;
            if (read > max) {
                throw refusal;
            }
        }
    }
}
