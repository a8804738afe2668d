package dev.finetuner.service;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.finetuner.internal.Timing;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A connection to the fine-tuning API (OpenAI, Azure OpenAI or any compatible server): one
 * openai-java client with its own retries off, one {@link RetryPolicy}, and the services that use
 * them. Immutable and thread-safe; close it to release the client's connections (a client you passed
 * in is not closed).
 *
 * <pre>{@code
 * try (OpenAiConnection api = OpenAiConnection.builder().apiKey(key).baseUrl("http://127.0.0.1:8089/v1").build()) {
 *     FileInfo file = api.files().upload(Path.of("train.jsonl"));
 *     Job job = api.jobs().create(JobRequest.builder("davinci-002", file.id()).build());
 *     Job done = api.follower().follow(job.id(), FollowListener.of(e -> log.info(e.message())));
 * }
 * }</pre>
 *
 * <p>The API key never appears in {@link #toString()}, a log line or an exception message.
 */
public final class OpenAiConnection implements AutoCloseable {
    /** The backend of OpenAI's shape: OpenAI, Azure OpenAI, {@code LocalOpenAi} and other compatible servers. */
    public static final String OPENAI = "openai";
    /** The backend of Together AI's shape ({@code /v1/fine-tunes}). */
    public static final String TOGETHER = "together";
    /** Together AI's base URL, when neither {@code baseUrl} nor {@code TOGETHER_BASE_URL} gives one. */
    public static final String TOGETHER_BASE_URL = "https://api.together.xyz/v1";
    /** The request timeout when none is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final OpenAIClient client;
    private final boolean ownsClient;
    private final String baseUrl;
    private final RetryPolicy retry;
    private final FilesService files;
    private final JobsService jobs;
    private final JobFollower follower;
    private final Calls calls;
    private final Backend backend;
    private final String backendName;
    private final Timing timing;
    private final ApiListener listener;
    private final AzureOptions azure;
    private final AzureDeployments deployments;
    private final Duration timeout;

    private OpenAiConnection(Builder b) {
        this.retry = b.retry;
        this.timing = b.timing;
        this.timeout = b.timeout;
        this.backendName = chosenBackend(b);
        boolean together = backendName.equals(TOGETHER);
        if (together && b.azure != null) {
            throw new IllegalArgumentException("azure(...) and backend(\"together\") name two different services: "
                    + "choose one");
        }
        this.azure = together ? null : b.azure != null ? b.azure : azureFromEnvironment(b);
        String keyVariable = together ? "TOGETHER_API_KEY" : "OPENAI_API_KEY";
        String key = b.apiKey != null ? b.apiKey : env(keyVariable);
        if (b.client != null && together) {
            throw new IllegalArgumentException("backend(\"together\") builds its own clients: give apiKey(...) and"
                    + " baseUrl(...) instead of client(...)");
        }
        if (b.client != null) {
            this.client = b.client;
            this.ownsClient = false;
            this.baseUrl = "(given client)";
        } else if (azure != null) {
            this.baseUrl = b.deployment != null ? azure.deploymentBaseUrl(b.deployment) : azure.dataPlaneBaseUrl();
            this.client = azureClient(b, azure, baseUrl);
            this.ownsClient = true;
        } else {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("no API key: set apiKey(...) or " + keyVariable
                        + " (any non-empty value for a local backend without a key)");
            }
            String url = checkedBaseUrl(b.baseUrl != null ? b.baseUrl
                    : Optional.ofNullable(env(together ? "TOGETHER_BASE_URL" : "OPENAI_BASE_URL"))
                    .orElse(together ? TOGETHER_BASE_URL : "https://api.openai.com/v1"));
            // Together's inference is OpenAI-shaped: completions go through openai-java on its URL
            OpenAIOkHttpClient.Builder cb = OpenAIOkHttpClient.builder().apiKey(key).baseUrl(url).maxRetries(0)
                    .timeout(b.timeout);
            String org = b.organization != null ? b.organization : together ? null : env("OPENAI_ORG_ID");
            String project = b.project != null ? b.project : together ? null : env("OPENAI_PROJECT_ID");
            if (org != null) {
                cb.organization(org);
            }
            if (project != null) {
                cb.project(project);
            }
            b.headers.forEach(cb::putHeader);
            b.queryParams.forEach(cb::putQueryParam);
            this.client = cb.build();
            this.ownsClient = true;
            this.baseUrl = url;
        }
        java.util.List<String> secrets = new java.util.ArrayList<>();
        if (b.client == null) {
            secrets.add(azure != null ? azure.apiKeyOrNull() : key);
            b.headers.forEach((name, value) -> {
                String n = name.toLowerCase(java.util.Locale.ROOT);
                if (n.contains("key") || n.contains("auth") || n.contains("token") || n.contains("secret")) {
                    secrets.add(value);
                    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                        secrets.add(value.substring(7));
                    }
                }
            });
        }
        this.listener = b.listener;
        this.calls = new Calls(retry, timing, secrets, listener);
        Backend openAi = new OpenAiBackend(client, ownsClient, calls);
        this.backend = together ? new TogetherBackend(baseUrl, key, b.headers, b.timeout, calls, openAi) : openAi;
        this.files = new FilesService(backend, calls, timing);
        this.jobs = new JobsService(backend, calls, b.follow, timing, files);
        this.follower = new JobFollower(jobs, b.follow, timing);
        this.deployments = azure != null && azure.canDeploy() ? new AzureDeployments(azure, calls, timing, b.timeout) : null;
    }

    /**
     * The client for an Azure resource. The SDK's own Azure handling is told the URL is final (UNIFIED): it
     * would otherwise, on the classic paths, put every request that has a {@code model} (a fine-tuning job's
     * create too) under {@code /deployments/{model}}. The path, the {@code api-version} and the credentials are ours:
     * the {@code api-key}, or a token asked of the supplier for each request (set by an OkHttp
     * interceptor: the SDK's own authenticator hook is hidden from Java).
     */
    private static OpenAIClient azureClient(Builder b, AzureOptions azure, String url) {
        OpenAIOkHttpClient.Builder cb = OpenAIOkHttpClient.builder().baseUrl(url).maxRetries(0).timeout(b.timeout)
                .azureUrlPathMode(com.openai.azure.AzureUrlPathMode.UNIFIED)
                // the SDK wants a credential of its own; the interceptor replaces what it sends with ours
                .apiKey(azure.apiKeyOrNull() != null ? azure.apiKeyOrNull() : "entra-id-token")
                .addInterceptor(chain -> {
                    String[] header = azure.authHeader();
                    return chain.proceed(chain.request().newBuilder().removeHeader("api-key").removeHeader("Authorization")
                            .header(header[0], header[1]).build());
                });
        azure.apiVersion().ifPresent(v -> cb.putQueryParam("api-version", v));
        b.headers.forEach(cb::putHeader);
        b.queryParams.forEach(cb::putQueryParam);
        return cb.build();
    }

    /**
     * Azure from the environment, for a builder given nothing to say where to go: {@code AZURE_OPENAI_ENDPOINT}
     * with {@code AZURE_OPENAI_API_KEY} (and {@code AZURE_OPENAI_API_VERSION} for the classic paths), when
     * {@code OPENAI_API_KEY} and {@code OPENAI_BASE_URL} are not set. So the one-liner runs on Azure unchanged.
     */
    private static AzureOptions azureFromEnvironment(Builder b) {
        String endpoint = env("AZURE_OPENAI_ENDPOINT");
        if (b.client != null || b.apiKey != null || b.baseUrl != null || endpoint == null
                || env("OPENAI_API_KEY") != null || env("OPENAI_BASE_URL") != null) {
            return null;
        }
        AzureOptions.Builder a = AzureOptions.builder(endpoint);
        String version = env("AZURE_OPENAI_API_VERSION");
        if (version != null) {
            a.apiVersion(version);
        }
        return a.build();
    }

    /**
     * The builder's backend, else OpenAI's for a given client, else {@code FINETUNER_BACKEND}, else
     * Together AI when no key is given and only {@code TOGETHER_API_KEY} is set, else OpenAI.
     */
    private static String chosenBackend(Builder b) {
        if (b.backend != null) {
            return b.backend;
        }
        if (b.client != null) {
            return OPENAI; // a given openai-java client speaks OpenAI's shape
        }
        String fromEnv = env("FINETUNER_BACKEND");
        if (fromEnv != null) {
            return checkedBackend(fromEnv);
        }
        return b.apiKey == null && env("OPENAI_API_KEY") == null && env("TOGETHER_API_KEY") != null
                ? TOGETHER : OPENAI;
    }

    private static String checkedBackend(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT);
        if (!n.equals(OPENAI) && !n.equals(TOGETHER)) {
            throw new IllegalArgumentException("unknown backend \"" + name + "\": use \"" + OPENAI
                    + "\" (OpenAI, Azure OpenAI or any OpenAI-compatible server) or \"" + TOGETHER + "\" (Together AI)");
        }
        return n;
    }

    /** {@return the backend the connection speaks to: {@value #OPENAI} or {@value #TOGETHER}} */
    public String backend() {
        return backendName;
    }

    /** An http(s) URL with a host, or a clear error naming what was given. */
    private static String checkedBaseUrl(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("the base URL is not a URL: \"" + url + "\" (" + e.getReason()
                    + "); give one such as https://api.openai.com/v1 or http://127.0.0.1:8089/v1");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("the base URL must be an http or https URL with a host, such as"
                    + " https://api.openai.com/v1 or http://127.0.0.1:8089/v1; was \"" + url + "\"");
        }
        return url.strip();
    }

    /** {@return where requests go, e.g. {@code https://api.openai.com/v1}; {@code "(given client)"} when built on a client} */
    public String baseUrl() {
        return baseUrl;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * {@return a connection configured from {@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}, {@code OPENAI_ORG_ID},
     * {@code OPENAI_PROJECT_ID}; or, when those name no server and {@code AZURE_OPENAI_ENDPOINT} is set, from
     * {@code AZURE_OPENAI_ENDPOINT}, {@code AZURE_OPENAI_API_KEY} and {@code AZURE_OPENAI_API_VERSION}}
     */
    public static OpenAiConnection fromEnv() {
        return builder().build();
    }

    /** {@return a builder; every value is optional} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the files service: upload, reuse, wait, list, download, delete} */
    public FilesService files() {
        return files;
    }

    /** {@return the jobs service: create, retrieve, list, cancel, pause, resume, checkpoints, events} */
    public JobsService jobs() {
        return jobs;
    }

    /** {@return the follower, which follows jobs' events to their end} */
    public JobFollower follower() {
        return follower;
    }

    /** {@return the Azure resource this connection talks to; empty for OpenAI and other servers} */
    public Optional<AzureOptions> azure() {
        return Optional.ofNullable(azure);
    }

    /**
     * {@return the deployments of the Azure resource (the management API); empty unless the connection was
     * built with {@link Builder#azure(AzureOptions)} and {@link AzureOptions.Builder#management management} settings}
     */
    public Optional<AzureDeployments> azureDeployments() {
        return Optional.ofNullable(deployments);
    }

    /**
     * A connection on which completions reach an Azure deployment: on the classic paths, a new connection
     * (same credentials, policy, timing and listener) whose base URL is {@code {endpoint}/openai/deployments/{name}};
     * on the v1 paths, or off Azure, this connection.
     *
     * @param deployment the deployment's name
     * @return the connection to call it on; close it when it is not this one
     */
    public OpenAiConnection forDeployment(String deployment) {
        Objects.requireNonNull(deployment, "deployment");
        if (azure == null || !azure.classicPaths() || !ownsClient) {
            return this;
        }
        Builder b = builder().azure(azure).retry(retry).timing(timing).listener(listener).timeout(timeout)
                .follow(follower.options());
        b.deployment = deployment;
        return b.build();
    }

    /** {@return the openai-java client underneath, for calls finetuner does not wrap} */
    public OpenAIClient client() {
        return client;
    }

    /**
     * Runs a call of your own on {@link #client()} the way finetuner runs its calls: retried by this
     * connection's policy, failing with {@link dev.finetuner.ApiException}.
     *
     * @param operation what the call does, for logs and messages, e.g. {@code "complete with ft:..."}
     * @param <T> what the call returns
     * @param call the call, made on {@link #client()}
     * @return what the call returned
     */
    public <T> T call(String operation, java.util.function.Supplier<T> call) {
        return call(ApiListener.OTHER_ENDPOINT, operation, call);
    }

    /**
     * Runs a call of your own as {@link #call(String, java.util.function.Supplier)} does, reported to the
     * {@link ApiListener} under {@code endpoint}.
     *
     * @param endpoint a fixed route name, e.g. {@code models.retrieve}: never an id, since it becomes a metric tag
     * @param operation what the call does, for logs and messages, e.g. {@code "complete with ft:..."}
     * @param call the call, on {@link #client()}
     * @param <T> what the call returns
     * @return what the call returned
     */
    public <T> T call(String endpoint, String operation, java.util.function.Supplier<T> call) {
        return calls.call(Objects.requireNonNull(endpoint, "endpoint"), Objects.requireNonNull(operation, "operation"),
                Objects.requireNonNull(call, "call"));
    }

    /** {@return what hears of this connection's requests, retries, polls and ended jobs ({@link ApiListener#NONE} by default)} */
    public ApiListener listener() {
        return listener;
    }

    /** {@return how many requests this connection has sent, retries included: for budgets and benchmarks} */
    public long requestsSent() {
        return calls.attemptsMade();
    }

    /**
     * The clock and sleeper every wait of this connection runs on (following, processing, a fresh model's
     * 404). Internal: its type may change in any release.
     *
     * @return the timing of this connection's waits
     */
    public Timing timing() {
        return timing;
    }

    /** {@return the retry policy every call uses} */
    public RetryPolicy retryPolicy() {
        return retry;
    }

    /** Closes the client's connections, unless the client was given to the builder. */
    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return "OpenAiConnection[backend=" + backendName + ", baseUrl=" + baseUrl + (azure != null ? ", " + azure : "")
                + ", retry=" + retry + "]";
    }

    /** Builds an {@link OpenAiConnection}; every value is optional. */
    public static final class Builder {
        private String apiKey;
        private String backend;
        private String baseUrl;
        private String organization;
        private String project;
        private Duration timeout = DEFAULT_TIMEOUT;
        private OpenAIClient client;
        private RetryPolicy retry = RetryPolicy.defaults();
        private FollowOptions follow = FollowOptions.defaults();
        private Timing timing = Timing.SYSTEM;
        private ApiListener listener = ApiListener.NONE;
        private final Map<String, String> headers = new java.util.LinkedHashMap<>();
        private final Map<String, String> queryParams = new java.util.LinkedHashMap<>();
        private AzureOptions azure;
        private String deployment;

        private Builder() {
        }

        /**
         * Talks to an Azure OpenAI resource: its data-plane paths and credentials instead of the API key and
         * base URL (which are then not used), and, when the options have management settings,
         * {@link OpenAiConnection#azureDeployments()} for deploying trained models.
         *
         * @param options the resource's endpoint, credentials and management settings
         * @return this builder
         */
        public Builder azure(AzureOptions options) {
            this.azure = Objects.requireNonNull(options, "azure");
            return this;
        }

        /**
         * The API key (default: {@code OPENAI_API_KEY}; on Together AI {@code TOGETHER_API_KEY}).
         *
         * @param key the API key
         * @return this builder
         */
        public Builder apiKey(String key) {
            this.apiKey = Objects.requireNonNull(key, "apiKey");
            return this;
        }

        /**
         * Which service's fine-tuning API to speak: {@value OpenAiConnection#OPENAI} (OpenAI, Azure OpenAI and
         * compatible servers) or {@value OpenAiConnection#TOGETHER} (Together AI: key from
         * {@code TOGETHER_API_KEY}, URL from {@code TOGETHER_BASE_URL}, else
         * {@value OpenAiConnection#TOGETHER_BASE_URL}). Default: {@code FINETUNER_BACKEND}, else Together AI
         * when only {@code TOGETHER_API_KEY} is set, else OpenAI.
         *
         * @param name {@code openai} or {@code together}
         * @return this builder
         * @throws IllegalArgumentException for any other name
         */
        public Builder backend(String name) {
            this.backend = checkedBackend(Objects.requireNonNull(name, "backend"));
            return this;
        }

        /**
         * The base URL, ending in {@code /v1} (default: {@code OPENAI_BASE_URL}, else api.openai.com; on
         * Together AI {@code TOGETHER_BASE_URL}, else {@value OpenAiConnection#TOGETHER_BASE_URL}).
         *
         * @param url the base URL
         * @return this builder
         */
        public Builder baseUrl(String url) {
            this.baseUrl = Objects.requireNonNull(url, "baseUrl");
            return this;
        }

        /**
         * The organization sent with every request (default: {@code OPENAI_ORG_ID}, else none).
         *
         * @param org the organization id
         * @return this builder
         */
        public Builder organization(String org) {
            this.organization = Objects.requireNonNull(org, "organization");
            return this;
        }

        /**
         * The project sent with every request (default: {@code OPENAI_PROJECT_ID}, else none).
         *
         * @param project the project id
         * @return this builder
         */
        public Builder project(String project) {
            this.project = Objects.requireNonNull(project, "project");
            return this;
        }

        /**
         * The timeout of one request (default {@link #DEFAULT_TIMEOUT}).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * A header sent with every request (e.g. Azure's {@code api-key}).
         *
         * @param name the header's name
         * @param value its value; kept out of messages when the name looks like a key, token or secret
         * @return this builder
         */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A query parameter sent with every request (e.g. Azure's {@code api-version}).
         *
         * @param name the parameter's name
         * @param value its value
         * @return this builder
         */
        public Builder queryParam(String name, String value) {
            queryParams.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Use this client instead of building one; key, URL, organization, project and timeout are then
         * the client's. Set its {@code maxRetries(0)} so that only our policy retries.
         *
         * @param client the client; it is not closed with the connection
         * @return this builder
         */
        public Builder client(OpenAIClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * How failed calls are retried (default {@link RetryPolicy#defaults()}).
         *
         * @param policy the retry policy
         * @return this builder
         */
        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "retry");
            return this;
        }

        /**
         * How jobs are polled while followed or awaited (default {@link FollowOptions#defaults()}).
         *
         * @param options the polling options
         * @return this builder
         */
        public Builder follow(FollowOptions options) {
            this.follow = Objects.requireNonNull(options, "follow");
            return this;
        }

        /**
         * The clock and sleeper the connection's waits run on (default: the system's). For tests, which
         * pass a manual one so that waiting is exact and instant; its type is internal and may change.
         *
         * @param timing the clock and sleeper
         * @return this builder
         */
        public Builder timing(Timing timing) {
            this.timing = Objects.requireNonNull(timing, "timing");
            return this;
        }

        /**
         * What hears of each request, retry, poll and ended job, e.g. {@code new MicrometerMetrics(registry)}
         * (default {@link ApiListener#NONE}).
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(ApiListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** {@return the connection; without a client, an API key must be set or in {@code OPENAI_API_KEY}} */
        public OpenAiConnection build() {
            return new OpenAiConnection(this);
        }
    }
}
