package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls with the JDK client, for what the SDK hides (status lines, headers, raw bodies). */
final class Raw {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Raw() {
    }

    static HttpResponse<String> get(String url, String key) {
        return send(request(url, key).GET().build());
    }

    static HttpResponse<String> post(String url, String json, String key) {
        return send(request(url, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static HttpRequest.Builder request(String url, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    static HttpResponse<String> send(HttpRequest r) {
        try {
            return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The inner {@code error} object of an error response. */
    static JsonNode error(HttpResponse<String> r) {
        return json(r).get("error");
    }
}
