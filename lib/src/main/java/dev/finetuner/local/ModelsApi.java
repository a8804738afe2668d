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

    private final Store store;
    private final Faults faults;
    private final JobClock clock;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final SecureRandom seeds = new SecureRandom();

    ModelsApi(Store store, Faults faults, JobClock clock) {
        this.store = store;
        this.faults = faults;
        this.clock = clock;
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

    private Target target(ObjectNode body, boolean chat) {
        JsonNode m = body.get("model");
        if (m == null || m.isNull()) {
            throw ApiError.missing("model");
        }
        String id = m.asText();
        Target t;
        if (isBase(id)) {
            t = new Target(id, BaseModel.named(id), null);
        } else {
            Store.ModelEntry entry = store.model(id).orElseThrow(() -> modelNotFound(id));
            int n = calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (n <= faults.modelNotFoundCalls()) {
                throw modelNotFound(id);
            }
            t = new Target(id, BaseModel.named(entry.base()), store.neighbourModel(entry));
        }
        boolean chatModel = t.base().format() == ExampleFormat.CHAT;
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
        ObjectNode body = HttpIo.jsonBody(ex);
        Target t = target(body, false);
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
        for (String prompt : prompts) {
            promptTokens += Tokens.count(t.base(), prompt);
            for (int i = 0; i < s.n(); i++) {
                Answer a = answer(t, prompt, s, Math.max(0, top));
                completionTokens += a.tokens().size();
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
        return Response.ok(r);
    }

    Response chat(HttpExchange ex) {
        ObjectNode body = HttpIo.jsonBody(ex);
        Target t = target(body, true);
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
        ObjectNode r = Json.object();
        r.put("id", Ids.next("chatcmpl-"));
        r.put("object", "chat.completion");
        r.put("created", clock.epochSecond());
        r.put("model", t.id());
        r.put("system_fingerprint", "fp_local");
        r.put("service_tier", "default");
        ArrayNode choices = r.putArray("choices");
        long completionTokens = 0;
        for (int i = 0; i < s.n(); i++) {
            Answer a = answer(t, prompt, s, top);
            completionTokens += a.tokens().size();
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
        return Response.ok(r);
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
