package dev.finetuner.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one handler: checks the key, applies the fault plan, dispatches by method and path, and answers
 * errors in the API's shape. Every response carries an {@code x-request-id}.
 */
final class Router implements HttpHandler {
    private final Logger log;
    private final String apiKey;
    private final Faults faults;
    private final FilesApi files;
    private final JobsApi jobs;
    private final ModelsApi models;
    /** Set in Together mode: it answers every path, and the 401s are in its words. */
    private final TogetherApi together;
    /** Azure mode's deployments, or null: the backend is then OpenAI-shaped only. */
    private final AzureApi azure;

    Router(Logger log, String apiKey, Faults faults, FilesApi files, JobsApi jobs, ModelsApi models) {
        this(log, apiKey, faults, files, jobs, models, null, null);
    }

    Router(Logger log, String apiKey, Faults faults, FilesApi files, JobsApi jobs, ModelsApi models,
           TogetherApi together, AzureApi azure) {
        this.together = together;
        this.azure = azure;
        this.log = log;
        this.apiKey = apiKey;
        this.faults = faults;
        this.files = files;
        this.jobs = jobs;
        this.models = models;
    }

    @Override
    public void handle(HttpExchange ex) {
        HttpWorkers.Deadline deadline = HttpWorkers.current();
        if (deadline != null) {
            deadline.disarm(); // the headers are in
        }
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        ex.getResponseHeaders().set("x-request-id", "req_" + HexFormat.of().formatHex(id));
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getPath();
        try {
            RequestGuard.check(ex.getRequestHeaders());
            if (azure == null) {
                authorize(ex);
            } else if (!path.startsWith("/subscriptions/")) {
                authorizeAzure(ex); // the management API checks its own bearer token
            }
            boolean malformed = false;
            for (FaultPlan.Rule fault : faults.fire(method + " " + path)) {
                switch (fault.kind()) {
                    case DELAY -> Thread.sleep(fault.duration().toMillis());
                    case DROP_CONNECTION -> {
                        log.debug("fault: dropping {} {}", method, path);
                        return; // closed below without a response
                    }
                    case RATE_LIMIT -> throw rateLimited(fault);
                    case SERVER_ERROR -> throw serverError(fault.status());
                    case MALFORMED_BODY -> malformed = true;
                    default -> throw new IllegalStateException("unknown fault " + fault.kind());
                }
            }
            Response r = azure != null ? routeAzure(ex, method, path) : route(ex, method, path);
            HttpIo.send(ex, r, malformed);
        } catch (ApiError e) {
            respond(ex, HttpIo.error(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (clientGone(e)) {
                // the client's doing (it hung up, or was too slow): nothing to answer, nothing for the operator to fix
                log.debug("{} {}: the client went away: {}", method, path, e.toString());
                return;
            }
            log.error("{} {} failed: {}", method, path, e.toString(), e);
            respond(ex, HttpIo.error(serverError(500)));
        } catch (RuntimeException e) {
            log.error("{} {} failed: {}", method, path, e.toString(), e);
            respond(ex, HttpIo.error(serverError(500)));
        } finally {
            close(ex, deadline);
        }
    }

    /** Closes the exchange, which reads what is left of an unread body: a client that sends it slowly is cut off. */
    private void close(HttpExchange ex, HttpWorkers.Deadline deadline) {
        if (deadline == null) {
            ex.close();
            return;
        }
        try {
            deadline.withinTimeout(() -> "the rest of an unread request body", () -> {
                ex.close();
                return null;
            });
        } catch (IOException e) {
            log.debug("closing {} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
        }
    }

    /**
     * Whether a failure is the connection's end on the client's side: a reset, a broken pipe, a body cut short, a
     * channel closed under a read that timed out, or the timeout itself.
     */
    static boolean clientGone(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof ClosedChannelException) {
                return true;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof IOException && (m.contains("broken pipe") || m.contains("connection reset")
                    || m.contains("connection was aborted") || m.contains("connection closed before all data received")
                    || m.contains("stream is closed"))) {
                return true;
            }
        }
        return false;
    }

    private void respond(HttpExchange ex, Response r) {
        try {
            HttpIo.send(ex, r, false);
        } catch (IOException | RuntimeException e) {
            log.debug("could not send the error response: {}", e.toString());
        }
    }

    private void authorize(HttpExchange ex) {
        if (apiKey == null) {
            return;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        boolean missing = header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                || header.substring(7).isBlank();
        if (together != null && (missing || !MessageDigest.isEqual(header.substring(7).trim()
                .getBytes(StandardCharsets.UTF_8), apiKey.getBytes(StandardCharsets.UTF_8)))) {
            throw TogetherApi.unauthorized(missing);
        }
        if (missing) {
            throw new ApiError(401, "You didn't provide an API key. You need to provide your API key in an "
                    + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                    + "field (with blank username) if you're accessing the API from your browser and are prompted for a "
                    + "username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                    ApiError.INVALID_REQUEST, null, null, Map.of());
        }
        String given = header.substring(7).trim();
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), apiKey.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "Incorrect API key provided: " + redact(given) + ". You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.", ApiError.INVALID_REQUEST, null,
                    "invalid_api_key", Map.of());
        }
    }

    /** Azure's data plane: an {@code api-key} header or an Entra ID bearer token; with a key set, it must match. */
    private void authorizeAzure(HttpExchange ex) {
        String key = ex.getRequestHeaders().getFirst("api-key");
        String bearer = ex.getRequestHeaders().getFirst("Authorization");
        String given = key != null && !key.isBlank() ? key.trim()
                : bearer != null && bearer.regionMatches(true, 0, "Bearer ", 0, 7) ? bearer.substring(7).trim() : "";
        boolean ok = !given.isEmpty() && (apiKey == null
                || MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), apiKey.getBytes(StandardCharsets.UTF_8)));
        if (!ok) {
            throw new ApiError(401, "Access denied due to invalid subscription key or wrong API endpoint. Make sure to"
                    + " provide a valid key for an active subscription and use a correct regional API endpoint for your"
                    + " resource.", null, null, "401", Map.of());
        }
    }

    /**
     * Azure mode's paths: the management API under {@code /subscriptions/}, the v1 paths under {@code /openai/v1/},
     * the classic ones under {@code /openai/} with an {@code api-version}, where a deployment's completions are
     * {@code /openai/deployments/{name}/completions} and {@code .../chat/completions}. Anything else is a 404, as
     * Azure has no {@code /v1/} of its own.
     */
    private Response routeAzure(HttpExchange ex, String method, String path) throws IOException {
        if (path.startsWith("/subscriptions/")) {
            return azure.manage(ex, method, List.of(path.substring("/subscriptions/".length()).split("/", -1)));
        }
        if (path.startsWith("/openai/v1/")) {
            return route(ex, method, path.substring("/openai".length()));
        }
        if (path.startsWith("/openai/")) {
            String version = HttpIo.query(ex).get("api-version");
            if (version == null || version.isBlank()) {
                throw new ApiError(404, "Resource not found", null, null, "404", Map.of());
            }
            List<String> s = List.of(path.substring("/openai/".length()).split("/", -1));
            if (s.size() >= 3 && s.get(0).equals("deployments") && method.equals("POST")) {
                String deployment = s.get(1);
                String rest = String.join("/", s.subList(2, s.size()));
                if (rest.equals("completions")) {
                    return models.completion(ex, deployment);
                }
                if (rest.equals("chat/completions")) {
                    return models.chat(ex, deployment);
                }
            }
            return route(ex, method, "/v1/" + String.join("/", s));
        }
        throw new ApiError(404, "Resource not found", null, null, "404", Map.of());
    }

    /** As the API shows a wrong key: never whole. */
    static String redact(String key) {
        if (key.length() <= 8) {
            return "*".repeat(key.length());
        }
        return key.substring(0, 3) + "*".repeat(Math.min(40, key.length() - 7)) + key.substring(key.length() - 4);
    }

    private static ApiError rateLimited(FaultPlan.Rule fault) {
        long ms = fault.duration().toMillis();
        long seconds = (ms + 999) / 1000;
        return new ApiError(429, "Rate limit reached for requests. Please try again in " + ms + "ms.", "requests",
                null, "rate_limit_exceeded", Map.of("Retry-After", Long.toString(seconds), "retry-after-ms",
                Long.toString(ms)));
    }

    private static ApiError serverError(int status) {
        String message = status == 503 ? "The server is overloaded or not ready yet."
                : "The server had an error while processing your request. Sorry about that!";
        return new ApiError(status, message, "server_error", null, null, Map.of());
    }

    private Response route(HttpExchange ex, String method, String path) throws IOException {
        if (together != null) {
            return together.route(ex, method, path);
        }
        if (!path.startsWith("/v1/")) {
            throw ApiError.invalidUrl(method, path);
        }
        List<String> s = List.of(path.substring(4).split("/", -1));
        String head = s.get(0);
        int n = s.size();
        switch (head) {
            case "files" -> {
                if (n == 1 && method.equals("POST")) {
                    return files.create(ex);
                }
                if (n == 1 && method.equals("GET")) {
                    return files.list(ex);
                }
                if (n == 2 && method.equals("GET")) {
                    return files.retrieve(s.get(1));
                }
                if (n == 2 && method.equals("DELETE")) {
                    return files.delete(s.get(1));
                }
                if (n == 3 && s.get(2).equals("content") && method.equals("GET")) {
                    return files.content(s.get(1));
                }
            }
            case "uploads" -> {
                if (n == 1 && method.equals("POST")) {
                    return files.createUpload(ex);
                }
                if (n == 3 && method.equals("POST")) {
                    switch (s.get(2)) {
                        case "parts" -> {
                            return files.addPart(ex, s.get(1));
                        }
                        case "complete" -> {
                            return files.complete(ex, s.get(1));
                        }
                        case "cancel" -> {
                            return files.cancel(s.get(1));
                        }
                        default -> {
                            // falls through to the 404 below
                        }
                    }
                }
            }
            case "fine_tuning" -> {
                if (n >= 2 && s.get(1).equals("jobs")) {
                    if (n == 2 && method.equals("POST")) {
                        return jobs.create(ex);
                    }
                    if (n == 2 && method.equals("GET")) {
                        return jobs.list(ex);
                    }
                    if (n == 3 && method.equals("GET")) {
                        return jobs.retrieve(s.get(2));
                    }
                    if (n == 4) {
                        String id = s.get(2);
                        switch (method + " " + s.get(3)) {
                            case "POST cancel" -> {
                                return jobs.cancel(id);
                            }
                            case "POST pause" -> {
                                return jobs.pause(id);
                            }
                            case "POST resume" -> {
                                return jobs.resume(id);
                            }
                            case "GET events" -> {
                                return jobs.events(ex, id);
                            }
                            case "GET checkpoints" -> {
                                return jobs.checkpoints(ex, id);
                            }
                            default -> {
                                // falls through to the 404 below
                            }
                        }
                    }
                }
            }
            case "models" -> {
                if (n == 1 && method.equals("GET")) {
                    return models.list();
                }
                if (n == 2 && method.equals("GET")) {
                    return models.retrieve(s.get(1));
                }
                if (n == 2 && method.equals("DELETE")) {
                    return models.delete(s.get(1));
                }
            }
            case "completions" -> {
                if (n == 1 && method.equals("POST")) {
                    return models.completion(ex);
                }
            }
            case "chat" -> {
                if (n == 2 && s.get(1).equals("completions") && method.equals("POST")) {
                    return models.chat(ex);
                }
            }
            default -> {
                // 404 below
            }
        }
        throw ApiError.invalidUrl(method, path);
    }
}
