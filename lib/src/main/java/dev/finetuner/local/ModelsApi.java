package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code /v1/models}, {@code /v1/completions} and {@code /v1/chat/completions}. */
final class ModelsApi {
    /** When the catalogue's models are said to be created (2023-08-22, as babbage-002). */
    static final long BASE_CREATED = 1_692_634_301L;
    static final int DEFAULT_MAX_TOKENS = 16;
    static final int MAX_CHAT_TOKENS = 256;
    static final int MAX_N = 128;
    static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

    private final Store store;
    private final Faults faults;
    private final JobClock clock;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final SecureRandom seeds = new SecureRandom();
    /** Azure mode: requests name ready deployments, not models. Null otherwise. */
    private volatile AzureApi azure;

    /** True when every model answers both completions and chat completions, as Together's do. */
    private final boolean eitherEndpoint;

    ModelsApi(Store store, Faults faults, JobClock clock) {
        this(store, faults, clock, false);
    }

    ModelsApi(Store store, Faults faults, JobClock clock, boolean eitherEndpoint) {
        this.store = store;
        this.faults = faults;
        this.clock = clock;
        this.eitherEndpoint = eitherEndpoint;
    }

    Response list() {
        List<ObjectNode> data = new ArrayList<>();
        for (BaseModel b : BaseModel.catalogue()) {
            data.add(model(b.name(), BASE_CREATED, "system"));
        }
        for (Store.ModelEntry m : store.models()) {
            data.add(model(m.id(), m.createdAt(), Job.ORGANIZATION));
        }
        ObjectNode page = Json.list(data, false);
        page.remove("has_more");
        return Response.ok(page);
    }

    Response retrieve(String id) {
        if (isBase(id)) {
            return Response.ok(model(id, BASE_CREATED, "system"));
        }
        Store.ModelEntry m = store.model(id).orElseThrow(() -> modelNotFound(id));
        return Response.ok(model(m.id(), m.createdAt(), Job.ORGANIZATION));
    }

    Response delete(String id) {
        if (isBase(id)) {
            throw new ApiError(403, "You have insufficient permissions for this operation.", ApiError.INVALID_REQUEST,
                    null, null, Map.of());
        }
        if (!store.deleteModel(id)) {
            throw modelNotFound(id);
        }
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "model");
        o.put("deleted", true);
        return Response.ok(o);
    }

    private static boolean isBase(String id) {
        return BaseModel.catalogue().stream().anyMatch(b -> b.name().equals(id));
    }

    private static ObjectNode model(String id, long created, String owner) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "model");
        o.put("created", created);
        o.put("owned_by", owner);
        return o;
    }

    private static ApiError modelNotFound(String id) {
        return ApiError.notFound("The model `" + id + "` does not exist or you do not have access to it.", "model",
                "model_not_found");
    }

    // ---- completions

    /** The request's model: what answers, and its base. */
    private record Target(String id, BaseModel base, NeighbourModel model) {
    }

    /** Serves completions through Azure deployments only (Azure mode). */
    void azure(AzureApi azure) {
        this.azure = azure;
    }

    private Target target(ObjectNode body, boolean chat, String deployment) {
        String named;
        if (deployment != null) {
            named = deployment;
        } else {
            JsonNode m = body.get("model");
            if (m == null || m.isNull()) {
                throw ApiError.missing("model");
            }
            named = m.asText();
        }
        // on Azure, the name is a deployment's: only a ready one answers
        String id = azure != null ? azure.modelOf(named) : named;
        Target t;
        if (isBase(id)) {
            t = new Target(id, BaseModel.named(id), null);
        } else {
            Store.ModelEntry entry = store.model(id).orElseThrow(() -> modelNotFound(id));
            int n = calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (n <= faults.modelNotFoundCalls()) {
                // a model not served yet: on Azure, its fresh deployment is what is not found yet
                throw azure != null ? new ApiError(404, AzureApi.NOT_FOUND_MESSAGE, ApiError.INVALID_REQUEST, null,
                        "DeploymentNotFound", Map.of()) : modelNotFound(id);
            }
            t = new Target(id, BaseModel.named(entry.base()), store.neighbourModel(entry));
        }
        boolean chatModel = t.base().format() == ExampleFormat.CHAT;
        if (eitherEndpoint) {
            return t;
        }
        if (chat && !chatModel) {
            throw ApiError.notFound("This is not a chat model and thus not supported in the v1/chat/completions "
                    + "endpoint. Did you mean to use v1/completions?", "model", null);
        }
        if (!chat && chatModel) {
            throw ApiError.notFound("This is a chat model and not supported in the v1/completions endpoint. Did you "
                    + "mean to use v1/chat/completions?", "model", null);
        }
        return t;
    }

    /** The sampling settings both endpoints share. */
    private record Sampling(int maxTokens, double temperature, int n, List<String> stop, Random random) {
    }

    private Sampling sampling(ObjectNode body, int defaultMax, String... maxFields) {
        int max = defaultMax;
        for (String field : maxFields) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull()) {
                if (!v.isIntegralNumber() || v.asInt() < 0) {
                    throw ApiError.badRequest("Invalid '" + field + "': expected an integer >= 0.", field, "invalid_value");
                }
                max = v.asInt();
            }
        }
        double temperature = 1;
        JsonNode t = body.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
                throw ApiError.badRequest("Invalid 'temperature': expected a number between 0 and 2.", "temperature",
                        "invalid_value");
            }
            temperature = t.asDouble();
        }
        int n = 1;
        JsonNode nn = body.get("n");
        if (nn != null && !nn.isNull()) {
            if (!nn.isIntegralNumber() || nn.asInt() < 1 || nn.asInt() > MAX_N) {
                throw ApiError.badRequest("Invalid 'n': expected an integer between 1 and " + MAX_N + ".", "n",
                        "invalid_value");
            }
            n = nn.asInt();
        }
        List<String> stop = new ArrayList<>();
        JsonNode s = body.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isTextual()) {
                stop.add(s.asText());
            } else if (s.isArray() && s.size() <= 4) {
                s.forEach(x -> stop.add(x.asText()));
            } else {
                throw ApiError.badRequest("Invalid 'stop': expected a string or an array of at most 4 strings.", "stop",
                        "invalid_value");
            }
            stop.removeIf(String::isEmpty);
        }
        JsonNode seed = body.get("seed");
        Random random = new Random(seed != null && seed.isIntegralNumber() ? seed.asLong() : seeds.nextLong());
        return new Sampling(max, temperature, n, stop, random);
    }

    /** One answer: its tokens (cut at a stop sequence) and why it ended. */
    private record Answer(List<NeighbourModel.Generated> tokens, String finishReason) {
        String text() {
            StringBuilder sb = new StringBuilder();
            tokens.forEach(t -> sb.append(t.token()));
            return sb.toString();
        }
    }

    private Answer answer(Target t, String prompt, Sampling s, int top) {
        NeighbourModel.Generation g;
        if (t.model() == null) {
            g = baseAnswer(t.id(), s.maxTokens(), top);
        } else {
            g = t.model().generate(prompt, s.maxTokens(), s.temperature(), s.random(), top);
        }
        List<NeighbourModel.Generated> tokens = new ArrayList<>(g.tokens());
        String text = new Answer(tokens, "").text();
        int cut = -1;
        for (String stop : s.stop()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            List<NeighbourModel.Generated> kept = new ArrayList<>();
            int offset = 0;
            for (NeighbourModel.Generated tok : tokens) {
                if (offset >= cut) {
                    break;
                }
                String piece = tok.token();
                if (offset + piece.length() > cut) {
                    piece = piece.substring(0, cut - offset);
                }
                kept.add(new NeighbourModel.Generated(piece, tok.logprob(), tok.top()));
                offset += tok.token().length();
            }
            return new Answer(kept, "stop");
        }
        return new Answer(tokens, g.ended() ? "stop" : "length");
    }

    /** A base model has not learned anything: it answers one fixed sentence, deterministically. */
    private static NeighbourModel.Generation baseAnswer(String model, int maxTokens, int top) {
        List<String> words = TextTokens.split(" This is " + model + ", a base model; fine-tune it to get answers "
                + "learned from your data.");
        List<NeighbourModel.Generated> out = new ArrayList<>();
        for (int i = 0; i < Math.min(maxTokens, words.size()); i++) {
            List<NeighbourModel.Alternative> alts = top > 0 ? List.of(new NeighbourModel.Alternative(words.get(i), -0.1))
                    : List.of();
            out.add(new NeighbourModel.Generated(words.get(i), -0.1, alts));
        }
        return new NeighbourModel.Generation(out, maxTokens >= words.size());
    }

    Response completion(HttpExchange ex) {
        return completion(ex, null);
    }

    /** A completion; {@code deployment}, when not null, names what answers (Azure's classic path) instead of the body. */
    Response completion(HttpExchange ex, String deployment) {
        ObjectNode body = HttpIo.jsonBody(ex);
        Target t = target(body, false, deployment);
        List<String> prompts = new ArrayList<>();
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            prompts.add("<|endoftext|>");
        } else if (p.isTextual()) {
            prompts.add(p.asText());
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            p.forEach(x -> prompts.add(x.asText()));
        } else {
            throw ApiError.badRequest("Invalid 'prompt': expected a string or an array of strings.", "prompt",
                    "invalid_value");
        }
        Sampling s = sampling(body, DEFAULT_MAX_TOKENS, "max_tokens");
        int top = -1;
        JsonNode lp = body.get("logprobs");
        if (lp != null && !lp.isNull()) {
            if (!lp.isIntegralNumber() || lp.asInt() < 0 || lp.asInt() > 5) {
                throw ApiError.badRequest("Invalid 'logprobs': expected an integer between 0 and 5.", "logprobs",
                        "invalid_value");
            }
            top = lp.asInt();
        }
        boolean echo = body.path("echo").asBoolean(false);
        Streaming streaming = streaming(body);
        ObjectNode r = Json.object();
        r.put("id", Ids.next("cmpl-"));
        r.put("object", "text_completion");
        r.put("created", clock.epochSecond());
        r.put("model", t.id());
        r.put("system_fingerprint", "fp_local");
        ArrayNode choices = r.putArray("choices");
        long promptTokens = 0;
        long completionTokens = 0;
        int index = 0;
        List<Chunked> chunked = new ArrayList<>();
        for (String prompt : prompts) {
            promptTokens += Tokens.count(t.base(), prompt);
            for (int i = 0; i < s.n(); i++) {
                Answer a = answer(t, prompt, s, Math.max(0, top));
                completionTokens += a.tokens().size();
                chunked.add(new Chunked(index, echo ? prompt : "", prompt.length(), a));
                ObjectNode c = choices.addObject();
                c.put("text", (echo ? prompt : "") + a.text());
                c.put("index", index++);
                if (top >= 0) {
                    ObjectNode logprobs = c.putObject("logprobs");
                    ArrayNode tokens = logprobs.putArray("tokens");
                    ArrayNode tokenLogprobs = logprobs.putArray("token_logprobs");
                    ArrayNode topLogprobs = logprobs.putArray("top_logprobs");
                    ArrayNode offsets = logprobs.putArray("text_offset");
                    int offset = prompt.length();
                    for (NeighbourModel.Generated g : a.tokens()) {
                        tokens.add(g.token());
                        tokenLogprobs.add(g.logprob());
                        ObjectNode alternatives = topLogprobs.addObject();
                        g.top().forEach(alt -> alternatives.put(alt.token(), alt.logprob()));
                        offsets.add(offset);
                        offset += g.token().length();
                    }
                } else {
                    c.putNull("logprobs");
                }
                c.put("finish_reason", a.finishReason());
            }
        }
        usage(r, promptTokens, completionTokens);
        if (streaming.on()) {
            return textStream(r, chunked, top, streaming.includeUsage());
        }
        return Response.ok(r);
    }

    Response chat(HttpExchange ex) {
        return chat(ex, null);
    }

    /** A chat completion; {@code deployment} as for {@link #completion(HttpExchange, String)}. */
    Response chat(HttpExchange ex, String deployment) {
        ObjectNode body = HttpIo.jsonBody(ex);
        Target t = target(body, true, deployment);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiError.missing("messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiError.badRequest("Invalid 'messages': expected a non-empty array of messages.", "messages",
                    "invalid_value");
        }
        List<String[]> lines = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = Json.textOrNull(m, "role");
            if (role == null) {
                throw ApiError.missing("messages[" + i + "].role");
            }
            lines.add(new String[] {role, content(m.get("content"))});
        }
        String prompt = Prompts.chatLines(lines);
        Sampling s = sampling(body, MAX_CHAT_TOKENS, "max_tokens", "max_completion_tokens");
        boolean logprobs = body.path("logprobs").asBoolean(false);
        int top = 0;
        JsonNode tl = body.get("top_logprobs");
        if (tl != null && !tl.isNull()) {
            if (!tl.isIntegralNumber() || tl.asInt() < 0 || tl.asInt() > 20) {
                throw ApiError.badRequest("Invalid 'top_logprobs': expected an integer between 0 and 20.",
                        "top_logprobs", "invalid_value");
            }
            if (!logprobs) {
                throw ApiError.badRequest("'top_logprobs' needs 'logprobs' to be true.", "top_logprobs", null);
            }
            top = tl.asInt();
        }
        Streaming streaming = streaming(body);
        ObjectNode r = Json.object();
        r.put("id", Ids.next("chatcmpl-"));
        r.put("object", "chat.completion");
        r.put("created", clock.epochSecond());
        r.put("model", t.id());
        r.put("system_fingerprint", "fp_local");
        r.put("service_tier", "default");
        ArrayNode choices = r.putArray("choices");
        long completionTokens = 0;
        List<Chunked> chunked = new ArrayList<>();
        for (int i = 0; i < s.n(); i++) {
            Answer a = answer(t, prompt, s, top);
            completionTokens += a.tokens().size();
            chunked.add(new Chunked(i, "", 0, a));
            ObjectNode c = choices.addObject();
            c.put("index", i);
            ObjectNode message = c.putObject("message");
            message.put("role", "assistant");
            message.put("content", a.text());
            message.putNull("refusal");
            message.putArray("annotations");
            if (logprobs) {
                ObjectNode lp = c.putObject("logprobs");
                ArrayNode content = lp.putArray("content");
                for (NeighbourModel.Generated g : a.tokens()) {
                    ObjectNode tok = content.addObject();
                    tokenLogprob(tok, g.token(), g.logprob());
                    ArrayNode alternatives = tok.putArray("top_logprobs");
                    g.top().forEach(alt -> tokenLogprob(alternatives.addObject(), alt.token(), alt.logprob()));
                }
                lp.putNull("refusal");
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", a.finishReason());
        }
        usage(r, Tokens.count(t.base(), prompt) + (long) Tokens.PER_MESSAGE * lines.size() + Tokens.REPLY_PRIMING,
                completionTokens);
        if (streaming.on()) {
            return chatStream(r, chunked, logprobs, streaming.includeUsage());
        }
        return Response.ok(r);
    }

    // ---- streaming (server-sent events, as the API sends them when "stream" is true)

    /** Whether to stream, and whether the last event carries the usage. */
    private record Streaming(boolean on, boolean includeUsage) {
    }

    /** One choice to stream: its index, text sent before the answer (an echoed prompt) and the answer. */
    private record Chunked(int index, String prefix, int textOffset, Answer answer) {
    }

    private static Streaming streaming(ObjectNode body) {
        JsonNode stream = body.get("stream");
        boolean on = false;
        if (stream != null && !stream.isNull()) {
            if (!stream.isBoolean()) {
                throw ApiError.badRequest("Invalid type for 'stream': expected a boolean, but got "
                        + Json.typeName(stream) + " instead.", "stream", "invalid_type");
            }
            on = stream.asBoolean();
        }
        JsonNode options = body.get("stream_options");
        boolean includeUsage = false;
        if (options != null && !options.isNull()) {
            if (!on) {
                throw ApiError.badRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        "stream_options", "invalid_value");
            }
            if (!options.isObject()) {
                throw ApiError.badRequest("Invalid type for 'stream_options': expected an object, but got "
                        + Json.typeName(options) + " instead.", "stream_options", "invalid_type");
            }
            JsonNode usage = options.get("include_usage");
            if (usage != null && !usage.isNull() && !usage.isBoolean()) {
                throw ApiError.badRequest("Invalid type for 'stream_options.include_usage': expected a boolean, but got "
                        + Json.typeName(usage) + " instead.", "stream_options.include_usage", "invalid_type");
            }
            includeUsage = usage != null && usage.asBoolean(false);
        }
        return new Streaming(on, includeUsage);
    }

    /**
     * The chat answer {@code whole} as {@code chat.completion.chunk} events: per choice one with the role, one per
     * token, one with the finish reason; the usage last when asked for. The answers are made before the first event,
     * so a stream says exactly what the same request without streaming would.
     */
    private static Response chatStream(ObjectNode whole, List<Chunked> chunked, boolean logprobs, boolean includeUsage) {
        Events events = new Events();
        for (Chunked c : chunked) {
            ObjectNode first = chunk(whole, "chat.completion.chunk", includeUsage);
            ObjectNode choice = first.withArray("choices").addObject();
            choice.put("index", c.index());
            ObjectNode delta = choice.putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            delta.putNull("refusal");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            events.add(first);
            for (NeighbourModel.Generated g : c.answer().tokens()) {
                ObjectNode e = chunk(whole, "chat.completion.chunk", includeUsage);
                ObjectNode ch = e.withArray("choices").addObject();
                ch.put("index", c.index());
                ch.putObject("delta").put("content", g.token());
                if (logprobs) {
                    ObjectNode lp = ch.putObject("logprobs");
                    ObjectNode tok = lp.putArray("content").addObject();
                    tokenLogprob(tok, g.token(), g.logprob());
                    ArrayNode alternatives = tok.putArray("top_logprobs");
                    g.top().forEach(alt -> tokenLogprob(alternatives.addObject(), alt.token(), alt.logprob()));
                    lp.putNull("refusal");
                } else {
                    ch.putNull("logprobs");
                }
                ch.putNull("finish_reason");
                events.add(e);
            }
            ObjectNode last = chunk(whole, "chat.completion.chunk", includeUsage);
            ObjectNode ch = last.withArray("choices").addObject();
            ch.put("index", c.index());
            ch.putObject("delta");
            ch.putNull("logprobs");
            ch.put("finish_reason", c.answer().finishReason());
            events.add(last);
        }
        return events.done(whole, "chat.completion.chunk", includeUsage);
    }

    /** The completion {@code whole} as {@code text_completion} events: one per token, then the finish reason. */
    private static Response textStream(ObjectNode whole, List<Chunked> chunked, int top, boolean includeUsage) {
        Events events = new Events();
        for (Chunked c : chunked) {
            int offset = c.textOffset();
            if (!c.prefix().isEmpty()) {
                events.add(textChunk(whole, includeUsage, c.index(), c.prefix(), null, null));
            }
            for (NeighbourModel.Generated g : c.answer().tokens()) {
                ObjectNode logprobs = null;
                if (top >= 0) {
                    logprobs = Json.object();
                    logprobs.putArray("tokens").add(g.token());
                    logprobs.putArray("token_logprobs").add(g.logprob());
                    ObjectNode alternatives = logprobs.putArray("top_logprobs").addObject();
                    g.top().forEach(alt -> alternatives.put(alt.token(), alt.logprob()));
                    logprobs.putArray("text_offset").add(offset);
                }
                offset += g.token().length();
                events.add(textChunk(whole, includeUsage, c.index(), g.token(), logprobs, null));
            }
            events.add(textChunk(whole, includeUsage, c.index(), "", null, c.answer().finishReason()));
        }
        return events.done(whole, "text_completion", includeUsage);
    }

    private static ObjectNode textChunk(ObjectNode whole, boolean includeUsage, int index, String text,
            ObjectNode logprobs, String finishReason) {
        ObjectNode e = chunk(whole, "text_completion", includeUsage);
        ObjectNode ch = e.withArray("choices").addObject();
        ch.put("text", text);
        ch.put("index", index);
        if (logprobs == null) {
            ch.putNull("logprobs");
        } else {
            ch.set("logprobs", logprobs);
        }
        ch.put("finish_reason", finishReason);
        return e;
    }

    /** An event's envelope: the whole answer's id, created, model and fingerprint, and no choices yet. */
    private static ObjectNode chunk(ObjectNode whole, String object, boolean includeUsage) {
        ObjectNode e = Json.object();
        e.set("id", whole.get("id"));
        e.put("object", object);
        e.set("created", whole.get("created"));
        e.set("model", whole.get("model"));
        e.set("system_fingerprint", whole.get("system_fingerprint"));
        if (whole.has("service_tier")) {
            e.set("service_tier", whole.get("service_tier"));
        }
        e.putArray("choices");
        if (includeUsage) {
            e.putNull("usage");
        }
        return e;
    }

    /** Server-sent events, {@code data: {json}} each, ended by {@code data: [DONE]}. */
    private static final class Events {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        void add(ObjectNode event) {
            out.writeBytes("data: ".getBytes(StandardCharsets.UTF_8));
            out.writeBytes(Json.bytes(event));
            out.writeBytes("\n\n".getBytes(StandardCharsets.UTF_8));
        }

        Response done(ObjectNode whole, String object, boolean includeUsage) {
            if (includeUsage) {
                ObjectNode last = chunk(whole, object, true);
                last.set("usage", whole.get("usage"));
                add(last);
            }
            out.writeBytes("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            return new Response(200, EVENT_STREAM, out.toByteArray(), null, Map.of("Cache-Control", "no-cache"));
        }
    }

    private static String content(JsonNode c) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (part.path("type").asText().equals("text")) {
                    sb.append(part.path("text").asText());
                }
            }
            return sb.toString();
        }
        throw ApiError.badRequest("Invalid message content: expected a string or an array of content parts.",
                "messages", "invalid_value");
    }

    private static void tokenLogprob(ObjectNode o, String token, double logprob) {
        o.put("token", token);
        o.put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
    }

    private static void usage(ObjectNode r, long prompt, long completion) {
        ObjectNode u = r.putObject("usage");
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
    }
}
