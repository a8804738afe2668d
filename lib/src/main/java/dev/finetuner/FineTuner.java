package dev.finetuner;

import com.openai.client.OpenAIClient;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.internal.Cleaners;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.internal.Timing;
import dev.finetuner.service.ApiListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Job;
import dev.finetuner.service.WebhookEvent;
import dev.finetuner.service.OpenAiConnection;
import dev.finetuner.service.RetryPolicy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole loop of a fine-tune, the way a careful engineer runs it by hand: prepare the data,
 * validate and repair it, upload, train, follow, and call the model as it was trained.
 *
 * <pre>{@code
 * TrainedModel model = FineTuner.prepare(Path.of("helpdesk.csv")).train("curie");  // trains davinci-002
 * String answer = model.complete("My VPN drops every hour, what can I do?");
 * }</pre>
 *
 * <p>The static {@code prepare} methods use a connection configured from {@code OPENAI_API_KEY},
 * {@code OPENAI_BASE_URL}, {@code OPENAI_ORG_ID} and {@code OPENAI_PROJECT_ID}; {@link #builder()}
 * configures everything else. Immutable and thread-safe; close it to release the connection.
 */
public final class FineTuner implements AutoCloseable {
    private final OpenAiConnection api;
    private final boolean ownsConnection;
    private final java.util.concurrent.Executor executor;
    /** Connections to Azure deployments on the classic paths (each its own base URL), closed with this. */
    private final java.util.Map<String, OpenAiConnection> deploymentConnections = new java.util.concurrent.ConcurrentHashMap<>();

    private FineTuner(OpenAiConnection api, boolean ownsConnection, java.util.concurrent.Executor executor) {
        this.api = api;
        this.ownsConnection = ownsConnection;
        this.executor = executor;
    }

    /** The connection completions of a deployment go through: this one, or one of its own on the classic paths. */
    OpenAiConnection connectionFor(String deployment) {
        OpenAiConnection c = api.forDeployment(deployment);
        if (c == api) {
            return api;
        }
        OpenAiConnection existing = deploymentConnections.putIfAbsent(deployment, c);
        if (existing != null) {
            c.close();
            return existing;
        }
        return c;
    }

    /** Closes the connection of a deployment that is gone. */
    void releaseConnection(String deployment) {
        OpenAiConnection c = deploymentConnections.remove(deployment);
        if (c != null) {
            c.close();
        }
    }

    /**
     * The trained model an existing Azure deployment serves, called through that deployment: the deployment is
     * looked up with the management API, its model's prompt format read from the job that made it.
     *
     * @param name the deployment's name
     * @return the model, called by the deployment's name
     * @throws IllegalStateException when the fine-tuner has no Azure management settings
     * @throws ApiException when there is no such deployment (404) or the lookup fails
     */
    public TrainedModel deployment(String name) {
        dev.finetuner.service.AzureDeployments deployments = api.azureDeployments().orElseThrow(() ->
                new IllegalStateException("looking a deployment up needs the Azure management API settings; with only"
                        + " the endpoint, use model(id).atDeployment(name)"));
        dev.finetuner.service.Deployment d = deployments.retrieve(name);
        return model(d.model()).atDeployment(name);
    }

    /** Where async work runs ({@link FineTuneJob#awaitAsync()}); the builder's, else the common pool. */
    java.util.concurrent.Executor executor() {
        return executor;
    }

    /**
     * Prepares a file with the defaults, on a new connection from the environment. That connection
     * belongs to what this returns (the preparation, its jobs and models): it is released when they are
     * all garbage collected, so the one-liner needs no {@code close()}. A service that trains often
     * should build one {@link FineTuner} and close it instead.
     *
     * @param file the dataset file: CSV, TSV, XLSX, JSON or JSONL
     * @return the preparation, validated when first asked for a report, a split or a job
     */
    public static Preparation prepare(Path file) {
        return fromEnvironment().prepare(file, PrepareOptions.defaults());
    }

    /**
     * Prepares a dataset with the defaults, on a new connection from the environment (see {@link #prepare(Path)}).
     *
     * @param dataset the examples, read or made in memory
     * @return the preparation, validated when first asked for a report, a split or a job
     */
    public static Preparation prepare(Dataset dataset) {
        return fromEnvironment().prepare(dataset, PrepareOptions.defaults());
    }

    private static FineTuner fromEnvironment() {
        FineTuner f = builder().build();
        // the action holds the connection, not the fine-tuner, so the fine-tuner can still be collected
        Cleaners.register(f, f.api::close);
        return f;
    }

    /** {@return a builder for a fine-tuner with its own connection settings} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Prepares a dataset file (CSV, TSV, XLSX, JSON, JSONL): nothing is read until it is used.
     *
     * @param file the dataset file: CSV, TSV, XLSX, JSON or JSONL
     * @param options the columns, repairs and validation split
     * @return the preparation; the file is read when the preparation is first used
     */
    public Preparation prepare(Path file, PrepareOptions options) {
        Objects.requireNonNull(options, "options");
        return new Preparation(this, Dataset.read(file, options.dataset()), options);
    }

    /**
     * Prepares a dataset already read or made in memory.
     *
     * @param dataset the examples, read or made in memory
     * @param options the repairs and validation split (its column settings are not used)
     * @return the preparation
     */
    public Preparation prepare(Dataset dataset, PrepareOptions options) {
        return new Preparation(this, Objects.requireNonNull(dataset, "dataset"), Objects.requireNonNull(options, "options"));
    }

    /**
     * Reattaches to a job by id, e.g. after the service restarted mid-training.
     *
     * @param jobId the job's id, e.g. {@code ftjob-abc}
     * @return the job, with the prompt format kept in its metadata
     */
    public FineTuneJob job(String jobId) {
        Job job = api.jobs().retrieve(jobId);
        return new FineTuneJob(this, job, formatOf(job));
    }

    /**
     * The outcome of the job a verified webhook is about, built as {@link FineTuneJob#awaitOutcome} builds
     * it: the job is retrieved once (the webhook names it, it does not carry it), and a succeeded job gives its
     * {@link TrainedModel} with the prompt format kept in the job's metadata, a failed one its error.
     *
     * <pre>{@code
     * WebhookEvent event = webhooks.verify(headers, body);
     * if (fineTuner.outcome(event) instanceof JobOutcome.Succeeded s) deploy(s.model());
     * }</pre>
     *
     * @param event a verified webhook ({@link dev.finetuner.service.Webhooks#verify})
     * @return succeeded, failed or cancelled, with one poll; {@link JobOutcome.TimedOut} in the rare case that
     *         the job does not read as ended yet (retrieve it again, or await it, a little later)
     * @throws ApiException when retrieving the job failed beyond the retry policy
     */
    public JobOutcome outcome(WebhookEvent event) {
        Objects.requireNonNull(event, "event");
        long start = System.nanoTime();
        FineTuneJob job = job(event.jobId());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return job.job().status().isTerminal() ? job.endedOutcome(job.job(), 1, elapsed)
                : new JobOutcome.TimedOut(job.job(), 1, elapsed);
    }

    /**
     * A trained model by id. Its prompt format (separator and stop sequence) is read from the metadata of
     * the job that made it, when that job is found among the organization's jobs.
     *
     * @param modelId the fine-tuned model's id, e.g. {@code ft:davinci-002:org::abc}
     * @return the model; with no prompt format when its job is not found
     */
    public TrainedModel model(String modelId) {
        Objects.requireNonNull(modelId, "modelId");
        Optional<Job> job = api.jobs().findByModel(modelId);
        return new TrainedModel(this, modelId, job.map(FineTuner::formatOf).orElse(PromptFormat.none()), job);
    }

    static PromptFormat formatOf(Job job) {
        return PromptFormat.fromMetadata(job.metadata());
    }

    /** {@return the connection underneath: files, jobs, follower, and the openai-java client} */
    public OpenAiConnection connection() {
        return api;
    }

    @Override
    public void close() {
        deploymentConnections.values().forEach(OpenAiConnection::close);
        deploymentConnections.clear();
        if (ownsConnection) {
            api.close();
        }
    }

    @Override
    public String toString() {
        return "FineTuner[" + api + "]";
    }

    /** Builds a {@link FineTuner}; every value is optional (defaults from the environment). */
    public static final class Builder {
        private final OpenAiConnection.Builder connection = OpenAiConnection.builder();
        private FollowOptions follow = FollowOptions.defaults();
        private java.util.concurrent.Executor executor = java.util.concurrent.ForkJoinPool.commonPool();
        private OpenAiConnection given;

        private Builder() {
        }

        /**
         * The API key (default: {@code OPENAI_API_KEY}).
         *
         * @param key the API key
         * @return this builder
         */
        public Builder apiKey(String key) {
            connection.apiKey(key);
            return this;
        }

        /**
         * Use this connection, with its backend, key, URL, retries and polling; every other connection
         * setting of this builder is then ignored, and closing the fine-tuner does not close it.
         *
         * @param connection an open connection
         * @return this builder
         */
        public Builder connection(OpenAiConnection connection) {
            this.given = Objects.requireNonNull(connection, "connection");
            return this;
        }

        /**
         * Which service to train on: {@code "openai"} (OpenAI, Azure OpenAI and compatible servers, the
         * default) or {@code "together"} (Together AI, key from {@code TOGETHER_API_KEY}); see
         * {@link OpenAiConnection.Builder#backend(String)}. The calls are the same on both.
         *
         * @param name {@code openai} or {@code together}
         * @return this builder
         */
        public Builder backend(String name) {
            connection.backend(name);
            return this;
        }

        /**
         * The base URL, ending in {@code /v1} (default: {@code OPENAI_BASE_URL}, else api.openai.com).
         *
         * @param url the base URL
         * @return this builder
         */
        public Builder baseUrl(String url) {
            connection.baseUrl(url);
            return this;
        }

        /**
         * Talks to an Azure OpenAI resource instead of OpenAI: its endpoint and credentials (an {@code api-key}
         * or Entra ID tokens) replace the API key and base URL, and with management settings a trained model can be
         * {@linkplain TrainedModel#deploy deployed}. Everything else (prepare, train, follow, evaluate) is unchanged.
         *
         * <pre>{@code
         * FineTuner ft = FineTuner.builder().azure(AzureOptions.builder("https://my-resource.openai.azure.com")
         *     .apiKey(System.getenv("AZURE_OPENAI_API_KEY")).build()).build();
         * }</pre>
         *
         * @param options the resource's endpoint, credentials and management settings
         * @return this builder
         */
        public Builder azure(dev.finetuner.service.AzureOptions options) {
            connection.azure(options);
            return this;
        }

        /**
         * The organization sent with every request (default: {@code OPENAI_ORG_ID}, else none).
         *
         * @param org the organization id
         * @return this builder
         */
        public Builder organization(String org) {
            connection.organization(org);
            return this;
        }

        /**
         * The project sent with every request (default: {@code OPENAI_PROJECT_ID}, else none).
         *
         * @param project the project id
         * @return this builder
         */
        public Builder project(String project) {
            connection.project(project);
            return this;
        }

        /**
         * The timeout of one request (default {@link OpenAiConnection#DEFAULT_TIMEOUT}).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            connection.timeout(timeout);
            return this;
        }

        /**
         * Share an existing openai-java client (its key, URL and timeouts are then used).
         *
         * @param client the client to use; it is not closed with the fine-tuner
         * @return this builder
         */
        public Builder client(OpenAIClient client) {
            connection.client(client);
            return this;
        }

        /**
         * How failed calls are retried (default {@link RetryPolicy#defaults()}).
         *
         * @param policy the retry policy
         * @return this builder
         */
        public Builder retry(RetryPolicy policy) {
            connection.retry(policy);
            return this;
        }

        /**
         * How jobs are polled while followed or awaited.
         *
         * @param options the polling options (default {@link FollowOptions#defaults()})
         * @return this builder
         */
        public Builder follow(FollowOptions options) {
            follow = Objects.requireNonNull(options, "follow");
            connection.follow(options);
            return this;
        }

        /**
         * What hears of each request, retry, poll, ended job and prepared token count, e.g.
         * {@code new MicrometerMetrics(registry)} from {@code dev.finetuner.micrometer} (default
         * {@link ApiListener#NONE}).
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(ApiListener listener) {
            connection.listener(listener);
            return this;
        }

        /**
         * The pause between polls of a job, whatever its status (shorthand for {@link #follow}).
         *
         * @param interval the pause between polls
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            return follow(follow.withInterval(Objects.requireNonNull(interval, "interval")));
        }

        /**
         * Where {@link FineTuneJob#awaitAsync()} waits (default: the common fork-join pool).
         *
         * @param executor the executor for async waits
         * @return this builder
         */
        public Builder executor(java.util.concurrent.Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The clock and sleeper every wait runs on; only tests set it, with a manual one. */
        Builder timing(Timing timing) {
            connection.timing(timing);
            return this;
        }

        /** {@return the fine-tuner} */
        public FineTuner build() {
            return given != null ? new FineTuner(given, false, executor) : new FineTuner(connection.build(), true, executor);
        }
    }
}
