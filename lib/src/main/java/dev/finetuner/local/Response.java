package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a handler answers: a status, headers and a body held in memory or streamed from a file.
 *
 * @param status the HTTP status
 * @param contentType the body's media type
 * @param body the body in memory; empty when {@code file} is set
 * @param file a file streamed as the body, or null
 * @param headers extra headers
 */
record Response(int status, String contentType, byte[] body, Path file, Map<String, String> headers) {
    static final String JSON = "application/json";

    Response {
        headers = Map.copyOf(headers);
    }

    static Response json(int status, JsonNode node) {
        return new Response(status, JSON, Json.bytes(node), null, Map.of());
    }

    static Response ok(JsonNode node) {
        return json(200, node);
    }

    static Response text(int status, String contentType, String text) {
        return new Response(status, contentType, text.getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    static Response file(Path file, String contentType) {
        return new Response(200, contentType, new byte[0], file, Map.of());
    }

    Response withBody(byte[] newBody) {
        return new Response(status, contentType, newBody, null, headers);
    }
}
