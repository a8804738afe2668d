package dev.finetuner.local;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An embedded OpenAI-compatible fine-tuning backend on loopback, for tests and samples: files, uploads,
 * fine-tuning jobs with events, checkpoints and result files, models, completions and chat
 * completions, in the same JSON, status codes and error shape as the real API, so the official
 * openai-java client works against it unchanged.
 *
 * <pre>{@code
 * try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build()) {
 *     OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").build();
 *     // upload, train, follow, complete...
 * }
 * }</pre>
 *
 * <p>Jobs really move through {@code validating_files}, {@code queued}, {@code running} and
 * {@code succeeded} on a clock {@link Builder#speed(double)} times faster than the wall clock.
 * Validation checks the files with the backend's own rules, the API's, never with the library's
 * validator (so that this backend stays an independent oracle for it): an invalid training file fails
 * the job with {@code invalid_training_file} and names the first bad line and the rule it breaks. Training fits a small real model of the examples
 * (nearest-neighbour retrieval over the prompts plus a smoothed token model of the completions), batch
 * by batch, and the losses and accuracies it reports are that model's real ones; the fine-tuned model
 * answers completions from it: a prompt close to a trained one gets the nearest trained completions, a prompt
 * unlike all of them a short answer from the token model. Completions and chat completions stream as
 * server-sent events with {@code "stream": true}. Files sent with {@code expires_after} expire on the backend's
 * clock. Faults can be injected with a {@link FaultPlan}. With {@link Builder#webhook(URI, String)}, each job's end
 * is also POSTed, signed as OpenAI signs its webhooks, to a URL on this machine, so a service's webhook endpoint can be
 * tested offline:
 *
 * <pre>{@code
 * try (LocalOpenAi local = LocalOpenAi.builder().webhook(URI.create("http://127.0.0.1:8080/hooks"), secret).build()) {
 *     // create a job; when it ends, the endpoint gets fine_tuning.job.succeeded (or .failed, .cancelled)
 * }
 * }</pre>
 *
 * <p>With {@link Builder#together()} it speaks Together AI's fine-tuning API instead, from the same store, job
 * runner, training model and clock: {@code POST /v1/files/upload}, {@code /v1/files}, {@code /v1/fine-tunes} with
 * LoRA or full training, id-less events and checkpoints, Together's statuses ({@code pending} ... {@code completed},
 * {@code error}, {@code cancelled}) and file checks, and completions and chat completions answering a job's
 * {@code model_output_name}; its other OpenAI-shaped paths answer 404. The base URL is the same {@code .../v1}:
 *
 * <pre>{@code
 * try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey("test").speed(LocalOpenAi.FAST).build()) {
 *     // POST local.baseUrl() + "/files/upload", then "/fine-tunes", poll "/fine-tunes/{id}" to "completed",
 *     // then POST "/completions" with "model": job.model_output_name
 * }
 * }</pre>
 *
 * <p>Defaults: a free port, no key required, {@link #DEFAULT_SPEED}, state in a temporary directory
 * removed on {@link #close()}, no faults. Binds to 127.0.0.1 only. {@link #close()} stops every thread
 * the backend started. Request bodies are limited (512 MiB for a file, refused from its declared
 * {@code Content-Length} before any of it is read; 64 MB for an upload part; 8 MB for JSON: 413 beyond).
 *
 * <p>Hostile clients and crashes: with no key set anyone on this machine may call it, so it refuses what a web
 * page could send: a {@code Host} that is not loopback (DNS rebinding) or an {@code Origin} that is not (a cross-site
 * form or fetch) gets a 403, a JSON body that is not {@code application/json} or an upload that is not
 * {@code multipart/form-data} a 415. A client has 10 seconds to send its headers, and a body or a response must keep
 * moving (64 KiB/s after its first 10 seconds) or the connection is closed; each exchange has its own worker (up to
 * 256), so slow clients do not hold up the others. A client that goes away is logged at DEBUG. A suffix must be
 * letters, digits, {@code -}, {@code _} and {@code .}, since it becomes part of the model id. Started on a storage
 * directory, it removes what a killed backend left half-written and skips (with a WARN naming the file) a damaged
 * record rather than refusing to start; records are written to a temporary file and moved into place.
 *
 * <p>Loading this class sets the system property {@code sun.net.httpserver.nodelay} to {@code true}
 * unless it is set already: without it every response of the JDK's HTTP server waits about 40 ms for a
 * delayed ACK.
 */
public final class LocalOpenAi implements AutoCloseable {
    /** Simulated seconds per wall-clock second by default: a job of 300 examples takes about 5 seconds. */
    public static final double DEFAULT_SPEED = 100;
    /** A fast clock for tests: a 10-minute job takes about 60 milliseconds. */
    public static final double FAST = 10_000;
    /** The most simulated seconds per wall-clock second. */
    public static final double MAX_SPEED = 1e9;

    private static final Logger log = LoggerFactory.getLogger(LocalOpenAi.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final HttpServer server;
    private final HttpWorkers http;
    private final JobClock clock;
    private final JobRunner runner;
    private final Store store;
    private final String baseUrl;
    private final WebhookSender webhooks;
    private final String webhookSecret;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final boolean azure;

    static {
        // the JDK server writes headers and body in two segments; without TCP_NODELAY, Nagle's algorithm and
        // the client's delayed ACK add about 40 ms to a response. Read once, when the first server is made.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private LocalOpenAi(Builder b) {
        int instance = INSTANCES.incrementAndGet();
        this.store = new Store(b.storageDirectory, b.logger != null ? b.logger : LoggerFactory.getLogger(Store.class));
        this.clock = b.clock != null ? b.clock : new ScaledClock(b.speed, threads("local-openai-" + instance + "-clock-"));
        this.http = new HttpWorkers(b.requestTimeout, threads("local-openai-" + instance + "-http-"),
                threads("local-openai-" + instance + "-watchdog-"));
        Faults faults = new Faults(b.faults);
        this.runner = new JobRunner(store, clock);
        this.webhookSecret = b.webhookUrl == null ? null : b.webhookSecret != null ? b.webhookSecret : WebhookSender.newSecret();
        this.webhooks = b.webhookUrl == null ? null
                : new WebhookSender(b.webhookUrl, webhookSecret, threads("local-openai-" + instance + "-webhooks-"));
        if (webhooks != null) {
            store.onEnded(webhooks::ended);
        }
        ModelsApi models = new ModelsApi(store, faults, clock, b.together);
        AzureApi azure = null;
        if (b.azure) {
            azure = new AzureApi(store, clock);
            models.azure(azure);
        }
        this.azure = b.azure;
        Router router = new Router(b.logger != null ? b.logger : LoggerFactory.getLogger(Router.class), b.apiKey,
                faults, new FilesApi(store, clock), new JobsApi(store, runner, faults, clock), models,
                b.together ? new TogetherApi(store, runner, faults, clock, models) : null, azure);
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 128);
        } catch (IOException e) {
            shutdownExecutors();
            if (webhooks != null) {
                webhooks.close();
            }
            store.close();
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + b.port, e);
        }
        server.createContext("/", router);
        server.setExecutor(http);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort() + (b.azure ? "/openai/v1" : "/v1");
        for (Job job : store.jobs()) {
            if (!job.terminal()) {
                runner.submit(job);
            }
        }
        log.info("local {} backend listening on {} ({}{})", b.together ? "Together AI" : "OpenAI", baseUrl, clock,
                b.storageDirectory == null ? "" : ", storage " + b.storageDirectory);
    }

    /** {@return a running backend with the defaults} */
    public static LocalOpenAi start() {
        return builder().build();
    }

    /** {@return a builder starting from the defaults; {@link Builder#build()} starts the backend} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the base URL to give a client, e.g. {@code http://127.0.0.1:54321/v1}; in Azure mode the v1 paths,
     * {@code http://127.0.0.1:54321/openai/v1}}
     */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * {@return the endpoint to give {@code AzureOptions.builder(...)} in Azure mode, e.g. {@code http://127.0.0.1:54321};
     * the management API is served there too ({@code AzureOptions.Builder.managementUrl})}
     *
     * @throws IllegalStateException when the backend is not in Azure mode
     */
    public String azureEndpoint() {
        if (!azure) {
            throw new IllegalStateException("this backend is not in Azure mode: start it with LocalOpenAi.builder().azure()");
        }
        return "http://127.0.0.1:" + port();
    }

    /** {@return whether the backend serves Azure OpenAI's paths and deployments ({@link Builder#azure()})} */
    public boolean isAzure() {
        return azure;
    }

    /**
     * {@return the secret webhooks are signed with ({@code whsec_<base64>}, given to or generated by
     * {@link Builder#webhook}); empty when no webhook URL is configured}
     */
    public Optional<String> webhookSecret() {
        return Optional.ofNullable(webhookSecret);
    }

    /** {@return the port it listens on} */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Stops listening, stops every thread the backend started and removes its temporary state (a
     * storage directory is kept). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runner.close();
        if (webhooks != null) {
            webhooks.close();
        }
        server.stop(0);
        shutdownExecutors();
        store.close();
        log.debug("local OpenAI backend on {} closed", baseUrl);
    }

    private void shutdownExecutors() {
        clock.close();
        http.shutdownNow();
        try {
            if (!http.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("some local OpenAI threads did not stop within 10 seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "LocalOpenAi[" + baseUrl + (closed.get() ? ", closed" : "") + "]";
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs a backend until the process is killed: {@code --port 8089 [--key K] [--storage DIR] [--speed X]
     * [--together]}.
     * Prints the base URL.
     *
     * @param args the command line
     * @throws InterruptedException when the main thread is interrupted while the backend runs
     */
    public static void main(String[] args) throws InterruptedException {
        Builder b = builder().port(8089);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length && !arg.equals("--help") && !arg.equals("--together") && !arg.equals("--azure")) {
                usage("missing a value after " + arg);
            }
            switch (arg) {
                case "--port" -> b.port(Integer.parseInt(args[++i]));
                case "--key" -> b.apiKey(args[++i]);
                case "--storage" -> b.storageDirectory(Path.of(args[++i]));
                case "--speed" -> b.speed(Double.parseDouble(args[++i]));
                case "--together" -> b.together();
                case "--azure" -> b.azure();
                case "--help" -> usage(null);
                default -> usage("unknown option " + arg);
            }
        }
        LocalOpenAi local = b.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            local.close();
            stopped.countDown();
        }, "local-openai-shutdown"));
        System.out.println(local.baseUrl());
        System.out.flush();
        stopped.await();
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println(problem);
        }
        System.err.println("usage: LocalOpenAi [--port 8089] [--key KEY] [--storage DIR] [--speed X] [--together | --azure]");
        System.exit(problem == null ? 0 : 2);
    }

    /**
     * Configures and starts a {@link LocalOpenAi}. Defaults: port 0 (a free one), no key, speed
     * {@link #DEFAULT_SPEED}, a temporary storage directory, {@link FaultPlan#none()}.
     */
    public static final class Builder {
        private int port;
        private String apiKey;
        private double speed = DEFAULT_SPEED;
        private Path storageDirectory;
        private FaultPlan faults = FaultPlan.none();
        private ManualClock clock;
        private Logger logger;
        private Duration requestTimeout = HttpWorkers.DEFAULT_TIMEOUT;
        private URI webhookUrl;
        private String webhookSecret;
        private boolean together;
        private boolean azure;

        private Builder() {
        }

        /**
         * Speaks Together AI's fine-tuning API instead of OpenAI's, from the same store, job runner, training
         * model and clock: {@code POST /v1/files/upload} (multipart {@code file}, {@code file_name},
         * {@code purpose=fine-tune}), {@code /v1/files}, {@code /v1/fine-tunes} (create with {@code training_type}
         * LoRA or Full and {@code training_method} sft or dpo, list, retrieve, {@code cancel}, {@code events},
         * {@code checkpoints}) with Together's statuses ({@code pending}, {@code queued}, {@code running},
         * {@code uploading}, {@code completed}, {@code error}, {@code cancelled}), job fields and id-less events,
         * Together's own file checks (a bad file ends the job in {@code error}), and {@code /v1/completions} and
         * {@code /v1/chat/completions} answering the job's {@code model_output_name}. The OpenAI-shaped paths
         * other than those two get a 404, so a client that strays from Together's API is caught. Errors are
         * Together's {@code {"error":{"message","type","param","code"}}}, a 401 in its words when
         * {@link #apiKey(String)} is set and the bearer key is missing or wrong. Not with {@link #webhook(URI)}
         * (the webhooks are OpenAI's).
         *
         * @return this builder
         */
        public Builder together() {
            this.together = true;
            return this;
        }

        /**
         * Serves the API as Azure OpenAI does instead of as OpenAI does: the v1 paths under {@code /openai/v1/}
         * ({@link LocalOpenAi#baseUrl()}), the classic ones under {@code /openai/} with a required
         * {@code api-version} (a deployment's completions at {@code /openai/deployments/{name}/completions}), the
         * {@code api-key} header or a bearer token, and, on the same port, the management API's deployments
         * ({@code PUT|GET|DELETE /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}/deployments/{name}?api-version=...},
         * any bearer token). A model answers only through a deployment that is ready: completions naming
         * anything else get a 404 {@code DeploymentNotFound}, as on Azure. A new deployment is {@code Creating}
         * for 120 simulated seconds, then {@code Succeeded}.
         *
         * @return this builder
         */
        public Builder azure() {
            this.azure = true;
            return this;
        }

        /**
         * The port on 127.0.0.1; 0 picks a free one.
         *
         * @param port 0 to 65535 (default 0: a free one)
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Requires {@code Authorization: Bearer <key>} on every request; unset, any key (or none) is taken.
         *
         * @param key the key, not blank
         * @return this builder
         */
        public Builder apiKey(String key) {
            Objects.requireNonNull(key, "key");
            if (key.isBlank()) {
                throw new IllegalArgumentException("the key must not be blank");
            }
            this.apiKey = key;
            return this;
        }

        /**
         * How many simulated seconds pass per wall-clock second, in (0, {@link #MAX_SPEED}]: 1 is the pace of a
         * real job, {@link #DEFAULT_SPEED} the default, {@link #FAST} for tests.
         *
         * @param speed the speed (default {@value LocalOpenAi#DEFAULT_SPEED})
         * @return this builder
         */
        public Builder speed(double speed) {
            if (!(speed > 0 && speed <= MAX_SPEED)) {
                throw new IllegalArgumentException("speed must be in (0, " + MAX_SPEED + "], was " + speed);
            }
            this.speed = speed;
            return this;
        }

        /**
         * Keeps files, uploads, jobs (with their events) and trained models as JSON in this directory, so that
         * a backend started again on it knows them (unfinished jobs carry on).
         *
         * @param dir the directory (default: a temporary one)
         * @return this builder
         */
        public Builder storageDirectory(Path dir) {
            this.storageDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Runs jobs on a clock that a test advances by hand instead of on the wall clock, which makes
         * {@link #speed(double)} irrelevant: no job moves until {@link ManualClock#advance} is called,
         * and then exactly as far as it says. For this package's tests; several backends may share one
         * clock (a restart on the same storage goes on with it).
         */
        Builder clock(ManualClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sends what the request handling and the storage log to this logger instead of their classes' own, so
         * that this package's tests can see the level of each line whatever the slf4j binding prints.
         */
        Builder logger(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * How long a client may take to send its headers, and to start sending a body or reading a response (which
         * must then move at 64 KiB/s or more) before its connection is closed; {@link HttpWorkers#DEFAULT_TIMEOUT}
         * by default. For this package's tests, which cannot wait 10 seconds.
         */
        Builder requestTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the timeout must be positive, was " + timeout);
            }
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Sends a signed webhook to {@code url} when a job succeeds, fails or is cancelled, as OpenAI does for an
         * endpoint subscribed to {@code fine_tuning.job.*}: a POST of
         * {@code {"object":"event","id":"evt_...","type":"fine_tuning.job.succeeded","created_at":...,"data":{"id":"ftjob-..."}}}
         * with the Standard Webhooks headers {@code webhook-id}, {@code webhook-timestamp} (wall-clock seconds)
         * and {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}. Deliveries run on one
         * thread of the backend's own, never the job's; a delivery answered with anything but 2xx is retried up
         * to 5 times with doubling backoff from 200 ms; {@link LocalOpenAi#close()} stops it.
         *
         * @param url where to POST, on loopback only (like the backend itself)
         * @param secret the signing secret, {@code whsec_<base64>}
         * @return this builder
         * @throws IllegalArgumentException when the URL is not http(s) on loopback or the secret is not in that form
         *         (the message does not show it)
         */
        public Builder webhook(URI url, String secret) {
            this.webhookUrl = WebhookSender.checkUrl(Objects.requireNonNull(url, "url"));
            this.webhookSecret = WebhookSender.checkSecret(secret);
            return this;
        }

        /**
         * As {@link #webhook(URI, String)}, with a secret made at random; read it with
         * {@link LocalOpenAi#webhookSecret()}.
         *
         * @param url where to POST, on loopback only
         * @return this builder
         * @throws IllegalArgumentException when the URL is not http(s) on loopback
         */
        public Builder webhook(URI url) {
            this.webhookUrl = WebhookSender.checkUrl(Objects.requireNonNull(url, "url"));
            this.webhookSecret = null;
            return this;
        }

        /**
         * The faults to inject.
         *
         * @param plan the plan (default {@link FaultPlan#none()})
         * @return this builder
         */
        public Builder faults(FaultPlan plan) {
            this.faults = Objects.requireNonNull(plan, "plan");
            return this;
        }

        /**
         * Starts the backend.
         *
         * @return the running backend
         * @throws UncheckedIOException when the port is taken or the storage directory cannot be used
         * @throws IllegalStateException when {@link #together()} is combined with a webhook or with {@link #azure()}
         */
        public LocalOpenAi build() {
            if (together && azure) {
                throw new IllegalStateException("together() and azure() are two different services' APIs; a backend "
                        + "speaks one of them: start one LocalOpenAi for each");
            }
            if (together && webhookUrl != null) {
                throw new IllegalStateException("webhooks are OpenAI's fine_tuning.job events; a backend in "
                        + "Together mode sends none");
            }
            return new LocalOpenAi(this);
        }
    }
}
