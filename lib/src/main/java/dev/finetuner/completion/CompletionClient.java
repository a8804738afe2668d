package dev.finetuner.completion;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import dev.finetuner.ApiException;
import dev.finetuner.FineTunerException;
import dev.finetuner.dataset.Message;
import dev.finetuner.internal.Backoff;
import dev.finetuner.internal.WaitResult;
import dev.finetuner.internal.Waiter;
import dev.finetuner.internal.WaiterAcceptor;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;
import dev.finetuner.service.OpenAiConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Calls a fine-tuned model as it was trained: appends the separator its training prompts ended with,
 * sends the stop sequence its completions ended with, strips both from the answer, and uses
 * {@code /completions} or {@code /chat/completions} as the model's format needs.
 *
 * <p>A 404 {@code model_not_found} fails at once, naming the closest fine-tuned model the account has
 * ("did you mean ...?") when one is close: a mistyped id must not cost minutes of retries. A model that
 * a job has just made can answer 404 for a while before it is served; a client made for such a model
 * ({@link #withNotReadyWait}, as {@code TrainedModel} does for a model whose job it knows) waits that
 * out, up to the given total. Other errors are {@link ApiException}s. Thread-safe.
 *
 * <pre>{@code
 * CompletionClient model = CompletionClient.of(api, "ft:davinci-002:acme::abc", new PromptFormat(" ->", Optional.of("\n"), true));
 * String answer = model.complete("My VPN drops every hour, what can I do?");
 * }</pre>
 */
public final class CompletionClient {
    /** How long the 404 of a model a job has just made is waited out (by {@code TrainedModel}). */
    public static final Duration DEFAULT_NOT_READY_WAIT = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(CompletionClient.class);
    /** A fresh model is tried again after 500 ms, then ever less often, at least every 10 s. */
    private static final Backoff NOT_READY_BACKOFF = Backoff.exponential(Duration.ofMillis(500), 2, Duration.ofSeconds(10));

    private final OpenAiConnection api;
    private final String model;
    private final PromptFormat format;
    private final boolean chat;
    private final Duration notReadyWait;
    /** What requests name: the model, or the Azure deployment that serves it. */
    private final String target;

    private CompletionClient(OpenAiConnection api, String model, PromptFormat format, Duration notReadyWait) {
        this(api, model, model, format, notReadyWait);
    }

    private CompletionClient(OpenAiConnection api, String target, String model, PromptFormat format, Duration notReadyWait) {
        this.api = Objects.requireNonNull(api, "api");
        this.target = Objects.requireNonNull(target, "target");
        this.model = Objects.requireNonNull(model, "model");
        this.format = Objects.requireNonNull(format, "format");
        this.chat = BaseModel.named(model).format() == ExampleFormat.CHAT;
        this.notReadyWait = notReadyWait;
    }

    /**
     * {@return a client for a model called with this prompt format; a 404 fails at once}
     *
     * @param api the connection
     * @param model the fine-tuned model's id
     * @param format the separator and stop sequence it was trained with
     */
    public static CompletionClient of(OpenAiConnection api, String model, PromptFormat format) {
        return new CompletionClient(api, model, format, Duration.ZERO);
    }

    /**
     * This client waiting at most {@code wait} in all for a model a job has just made to be served (its
     * 404 {@code model_not_found} is tried again meanwhile); zero: not at all.
     *
     * @param wait the longest wait in all, zero for none
     * @return the new client
     */
    public CompletionClient withNotReadyWait(Duration wait) {
        return new CompletionClient(api, target, model, format, Objects.requireNonNull(wait, "wait"));
    }

    /**
     * {@return a client for a model served by an Azure deployment: requests name the deployment (or go to its
     * path, on a connection from {@link OpenAiConnection#forDeployment}), the prompt format and the choice of
     * chat or completion follow the model; a 404 {@code DeploymentNotFound} fails at once unless
     * {@link #withNotReadyWait} waits it out}
     *
     * @param api the connection the deployment answers on
     * @param deployment the deployment's name
     * @param model the model it serves, e.g. {@code ft:gpt-4o-mini-2024-07-18:acme::abc}
     * @param format the separator and stop sequence the model was trained with
     */
    public static CompletionClient forDeployment(OpenAiConnection api, String deployment, String model, PromptFormat format) {
        return new CompletionClient(api, Objects.requireNonNull(deployment, "deployment"), model, format, Duration.ZERO);
    }

    /** {@return what requests name: the model, or the Azure deployment that serves it} */
    public String target() {
        return target;
    }

    /** {@return the model called} */
    public String model() {
        return model;
    }

    /** {@return the prompt format applied} */
    public PromptFormat format() {
        return format;
    }

    /** {@return whether the model is a chat model (called on {@code /chat/completions})} */
    public boolean isChat() {
        return chat;
    }

    /**
     * {@return the answer to a prompt, with the default options}
     *
     * @param prompt the prompt, without the separator (it is added)
     */
    public String complete(String prompt) {
        return complete(prompt, CompletionOptions.defaults()).text();
    }

    /**
     * {@return the answers to a prompt (for a chat model: a user message)}
     *
     * @param prompt the prompt, without the separator (it is added)
     * @param options max tokens, temperature, n, logprobs
     */
    public Completion complete(String prompt, CompletionOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (chat) {
            return chat(List.of(Message.user(prompt)), options);
        }
        CompletionCreateParams params = completionParams(prompt, options);
        com.openai.models.completions.Completion r = whenReady("completions.create", () -> api.client().completions().create(params));
        List<String> raw = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (CompletionChoice c : r.choices()) {
            raw.add(c.text());
            answers.add(format.strip(c.text()));
        }
        CompletionChoice first = r.choices().get(0);
        Optional<Map<String, Double>> top = first.logprobs().flatMap(l -> l.topLogprobs()).filter(t -> !t.isEmpty())
                .map(t -> {
                    Map<String, Double> m = new LinkedHashMap<>();
                    t.get(0)._additionalProperties().forEach((token, v) -> v.asNumber()
                            .ifPresent(n -> m.put(token, ((Number) n).doubleValue())));
                    return m;
                });
        return new Completion(answers, raw, top, first.finishReason().asString());
    }

    /**
     * Streams the answer to a prompt as the model writes it (for a chat model: a user message), with the
     * separator appended and the stop sequence sent as for {@link #complete(String)}: {@code onText}
     * receives each piece of text in order, on the calling thread, without the training's leading
     * whitespace; the whole answer, stripped as {@code complete} strips it, is returned when the stream
     * ends. The first choice only ({@code n} is 1).
     *
     * <pre>{@code
     * String answer = model.stream("My VPN drops every hour", CompletionOptions.defaults(), piece -> out.print(piece));
     * }</pre>
     *
     * @param prompt the prompt, without the separator (it is added)
     * @param options max tokens, temperature, logprobs
     * @param onText gets each piece of text
     * @return the whole answer
     * @throws ApiException when the request fails (a fresh model's 404 is waited out as for {@code complete})
     * @throws FineTunerException when the stream breaks after it started
     */
    public String stream(String prompt, CompletionOptions options, java.util.function.Consumer<String> onText) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(onText, "onText");
        Deltas deltas = new Deltas(onText);
        if (chat) {
            ChatCompletionCreateParams params = chatParams(List.of(Message.user(prompt)), options);
            try (StreamResponse<ChatCompletionChunk> s = whenReady("chat.completions.create",
                    () -> api.client().chat().completions().createStreaming(params))) {
                deltas.drain(s.stream().flatMap(c -> c.choices().stream().filter(x -> x.index() == 0))
                        .map(x -> x.delta().content().orElse("")));
            }
        } else {
            CompletionCreateParams params = completionParams(prompt, options);
            try (StreamResponse<com.openai.models.completions.Completion> s =
                         whenReady("completions.create", () -> api.client().completions().createStreaming(params))) {
                deltas.drain(s.stream().flatMap(c -> c.choices().stream().filter(x -> x.index() == 0))
                        .map(CompletionChoice::text));
            }
        }
        return format.strip(deltas.all.toString());
    }

    /** A completion request as the model was trained: the separator appended, the stop sent. */
    private CompletionCreateParams completionParams(String prompt, CompletionOptions options) {
        CompletionCreateParams.Builder b = CompletionCreateParams.builder().model(target).prompt(format.apply(prompt))
                .maxTokens(options.maxTokens()).temperature(options.temperature()).n(options.n());
        format.stop().ifPresent(b::stop);
        options.logprobs().ifPresent(k -> b.logprobs((long) k));
        return b.build();
    }

    /** A chat request for a conversation, the stop sent. */
    private ChatCompletionCreateParams chatParams(List<Message> messages, CompletionOptions options) {
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(target)
                .maxCompletionTokens(options.maxTokens()).temperature(options.temperature()).n(options.n());
        for (Message m : messages) {
            switch (m.role()) {
                case "system", "developer" -> b.addSystemMessage(m.text());
                case "assistant" -> b.addAssistantMessage(m.text());
                default -> b.addUserMessage(m.text());
            }
        }
        format.stop().ifPresent(b::stop);
        options.logprobs().ifPresent(k -> b.logprobs(true).topLogprobs((long) k));
        return b.build();
    }

    /** Hands the streamed pieces on as they come, leading whitespace held back, and keeps the whole. */
    private final class Deltas {
        private final java.util.function.Consumer<String> onText;
        private final StringBuilder all = new StringBuilder();
        private boolean started;

        Deltas(java.util.function.Consumer<String> onText) {
            this.onText = onText;
        }

        void drain(java.util.stream.Stream<String> pieces) {
            try {
                pieces.forEach(this::accept);
            } catch (RuntimeException e) {
                throw new FineTunerException("the answer of " + model + " stopped after " + all.length()
                        + " characters: " + e.getMessage(), e);
            }
        }

        private void accept(String piece) {
            all.append(piece);
            String out = started ? piece : piece.stripLeading();
            if (!out.isEmpty()) {
                started = true;
                onText.accept(out);
            }
        }
    }

    /**
     * {@return the answer of a chat model to a conversation (the system message, if any, first)}
     *
     * @param messages the conversation
     * @param options max tokens, temperature, n, logprobs
     */
    public Completion chat(List<Message> messages, CompletionOptions options) {
        Objects.requireNonNull(messages, "messages");
        if (!chat) {
            throw new IllegalStateException(model + " is a completion model: use complete(prompt)");
        }
        ChatCompletionCreateParams params = chatParams(messages, options);
        ChatCompletion r = whenReady("chat.completions.create", () -> api.client().chat().completions().create(params));
        List<String> raw = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (ChatCompletion.Choice c : r.choices()) {
            String text = c.message().content().orElse("");
            raw.add(text);
            answers.add(format.strip(text));
        }
        ChatCompletion.Choice first = r.choices().get(0);
        Optional<Map<String, Double>> top = first.logprobs().flatMap(l -> l.content()).filter(t -> !t.isEmpty())
                .map(t -> {
                    Map<String, Double> m = new LinkedHashMap<>();
                    for (ChatCompletionTokenLogprob.TopLogprob p : t.get(0).topLogprobs()) {
                        m.put(p.token(), p.logprob());
                    }
                    return m;
                });
        return new Completion(answers, raw, top, first.finishReason().asString());
    }

    /** Runs the call, waiting out a fresh model's {@code model_not_found} for a while. */
    private <T> T whenReady(String endpoint, java.util.function.Supplier<T> call) {
        WaitResult<T> r = Waiter.<T>builder(api.timing()).name(model + " to be served")
                .acceptor(WaiterAcceptor.successOn(answer -> true))
                .acceptor(WaiterAcceptor.retryOnException(this::notServedYet))
                .delays((attempts, last) -> {
                    Duration pause = NOT_READY_BACKOFF.delay(attempts);
                    LOG.info("{} is not served yet (404 {}); trying again in {} ms", target,
                            target.equals(model) ? "model_not_found" : "DeploymentNotFound", pause.toMillis());
                    return pause;
                })
                .timeout(notReadyWait)
                .build()
                .run(() -> api.call(endpoint, "complete with " + model, call));
        return switch (r.outcome()) {
            case SUCCESS -> r.last().orElseThrow().orThrow();
            case FAILURE, TIMED_OUT -> { // timed out: the last 404
                RuntimeException e = r.last().orElseThrow().exception().orElseThrow();
                if (notServedYet(e) && target.equals(model)) {
                    throw withSuggestion((ApiException) e);
                }
                if (e instanceof ApiException a && a.code().filter("DeploymentNotFound"::equals).isPresent()
                        && target.equals(model)) {
                    throw new ApiException(404, "DeploymentNotFound", null, a.requestId().orElse(null), false,
                            a.attempts(), a.detail() + " On Azure a model answers only through a deployment: deploy it"
                            + " (TrainedModel.deploy) or call an existing one (atDeployment(name)).", a);
                }
                throw e;
            }
            case STOPPED, INTERRUPTED -> throw new FineTunerException("waiting for " + model
                    + " to be served was interrupted", r.exception().orElse(null));
        };
    }

    /** The 404 with the closest fine-tuned model id the account has, when one is close enough to be a typo. */
    private ApiException withSuggestion(ApiException e) {
        Optional<String> near;
        try {
            List<String> ids = new ArrayList<>();
            api.call("models.list", "list models", () -> api.client().models().list()).autoPager().stream().limit(10_000)
                    .forEach(m -> ids.add(m.id()));
            near = closest(model, ids);
        } catch (RuntimeException listing) {
            LOG.debug("could not list the models to suggest one", listing);
            return e;
        }
        if (near.isEmpty()) {
            return e;
        }
        return new ApiException(e.statusCode().orElse(0), e.code().orElse(null), e.param().orElse(null),
                e.requestId().orElse(null), false, e.attempts(), e.detail() + " Did you mean " + near.get() + "?", e);
    }

    /** The id nearest to {@code wanted} by edit distance, if within a fifth of its length (at least 2 edits). */
    static Optional<String> closest(String wanted, List<String> ids) {
        int limit = Math.max(2, wanted.length() / 5);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String id : ids) {
            if (id.equals(wanted) || Math.abs(id.length() - wanted.length()) > limit) {
                continue;
            }
            int d = editDistance(wanted, id);
            if (d <= limit && d < bestDistance) {
                best = id;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private boolean notServedYet(RuntimeException e) {
        // a deployment answers DeploymentNotFound for a few minutes after it is made; a model named by its id on Azure
        // answers it for ever, so that is not waited out
        String notYet = target.equals(model) ? "model_not_found" : "DeploymentNotFound";
        return e instanceof ApiException a && a.statusCode().orElse(0) == 404 && a.code().filter(notYet::equals).isPresent();
    }

    /**
     * This model as a source of predictions for an {@link Evaluator}: each example's prompt (or its
     * conversation up to the last assistant message) is sent at temperature 0 with the top 5
     * log-probabilities of the first token, and the answer is compared with the example's reference.
     *
     * @return the prediction source
     */
    public PredictionSource asPredictionSource() {
        CompletionOptions options = CompletionOptions.defaults().withLogprobs(5);
        return example -> {
            Completion c;
            if (example instanceof dev.finetuner.dataset.Example.PromptCompletion pc) {
                c = complete(pc.prompt(), options);
            } else if (example instanceof dev.finetuner.dataset.Example.Chat chatExample && chat) {
                c = chat(chatExample.beforeAnswer(), options);
            } else {
                throw new IllegalArgumentException("cannot ask " + model + " about a " + example.getClass().getSimpleName()
                        + " example (line " + example.line() + ")");
            }
            Prediction p = Prediction.of(c.text());
            return c.firstTokenLogprobs().map(p::withFirstTokenLogprobs).orElse(p);
        };
    }

    @Override
    public String toString() {
        return "CompletionClient[" + model + ", " + format + (chat ? ", chat" : "") + "]";
    }
}
