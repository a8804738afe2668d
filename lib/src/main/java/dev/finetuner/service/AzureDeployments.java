package dev.finetuner.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.ApiException;
import dev.finetuner.AwaitTimeoutException;
import dev.finetuner.DeploymentFailedException;
import dev.finetuner.FineTunerException;
import dev.finetuner.internal.Timing;
import dev.finetuner.internal.WaitResult;
import dev.finetuner.internal.Waiter;
import dev.finetuner.internal.WaiterAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Deployments of an Azure OpenAI resource, through the Azure management API
 * ({@code PUT|GET|DELETE {management}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}/deployments/{name}?api-version=...},
 * as Microsoft's REST reference describes them), with an Entra ID bearer token fetched before every request.
 * Calls are retried by the connection's {@link RetryPolicy}; errors are {@link ApiException}s carrying the
 * management API's error code and {@code x-ms-request-id}. Get one from {@link OpenAiConnection#azureDeployments()}.
 *
 * <p>A deployment of a fine-tuned model on a Standard or GlobalStandard SKU is billed per hour while it
 * exists; nothing here deploys unless asked. Thread-safe.
 */
public final class AzureDeployments {
    private static final Logger LOG = LoggerFactory.getLogger(AzureDeployments.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AzureOptions azure;
    private final Calls calls;
    private final Timing timing;
    private final HttpClient http;
    private final Duration timeout;

    AzureDeployments(AzureOptions azure, Calls calls, Timing timing, Duration timeout) {
        this.azure = azure;
        this.calls = calls;
        this.timing = timing;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    }

    /**
     * Creates or replaces a deployment of {@code model} under {@code name} (a PUT, so a retried request makes
     * no second deployment) and returns it as the management API answered, usually still
     * {@link DeploymentState#ACCEPTED} or {@link DeploymentState#CREATING}; {@link #await} waits for it.
     *
     * @param name the deployment's name: letters, digits, {@code -}, {@code _} and {@code .}, 2 to 64 characters
     * @param model the model to serve, e.g. a fine-tuned model's id
     * @param options the SKU and capacity
     * @return the deployment as created
     * @throws ApiException when the management API refuses it (quota, an unsupported model, authorization)
     */
    public Deployment create(String name, String model, DeployOptions options) {
        checkName(name);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        ObjectNode body = JSON.createObjectNode();
        body.putObject("sku").put("name", options.sku()).put("capacity", options.capacity());
        body.putObject("properties").putObject("model").put("format", "OpenAI").put("name", model)
                .put("version", options.modelVersion());
        Deployment d = calls.call("azure.deployments.create", "deploy " + model + " as " + name,
                () -> parse(send("PUT", name, body.toString())));
        LOG.info("deployment {} of {} requested ({} x{}): {}", name, model, options.sku(), options.capacity(), d.state());
        return d;
    }

    /**
     * {@return the deployment named {@code name}, as the management API describes it now}
     *
     * @param name the deployment's name
     * @throws ApiException when it does not exist (404 {@code DeploymentNotFound}) or the call fails
     */
    public Deployment retrieve(String name) {
        checkName(name);
        return calls.call("azure.deployments.retrieve", "retrieve deployment " + name, () -> parse(send("GET", name, null)));
    }

    /**
     * {@return the resource's deployments, each as the management API describes it}
     */
    public List<Deployment> list() {
        return calls.call("azure.deployments.list", "list deployments", () -> {
            JsonNode page = send("GET", null, null);
            List<Deployment> out = new java.util.ArrayList<>();
            for (JsonNode d : page.path("value")) {
                out.add(parse(d));
            }
            return out;
        });
    }

    /**
     * Waits until the deployment is ready, polling its state with the library's waiter.
     *
     * @param name the deployment's name
     * @param options the timeout and poll interval
     * @return the ready deployment
     * @throws DeploymentFailedException when it ends Failed, Canceled or Disabled
     * @throws AwaitTimeoutException when it is not ready within the timeout (it goes on provisioning)
     * @throws ApiException when polling fails beyond the retry policy
     */
    public Deployment await(String name, DeployOptions options) {
        checkName(name);
        Objects.requireNonNull(options, "options");
        WaitResult<Deployment> r = Waiter.<Deployment>builder(timing).name("deployment " + name)
                .acceptor(WaiterAcceptor.successOn(d -> d.state().isReady()))
                .acceptor(WaiterAcceptor.failureOn(d -> d.state().isFailed()))
                .delays((attempts, last) -> options.pollInterval())
                .timeout(options.timeout())
                .build()
                .run(() -> retrieve(name));
        return switch (r.outcome()) {
            case SUCCESS -> {
                Deployment d = r.response().orElseThrow();
                LOG.info("deployment {} of {} is ready after {} polls", name, d.model(), r.attempts());
                yield d;
            }
            case FAILURE -> {
                RuntimeException e = r.exception().orElse(null);
                if (e != null) {
                    throw e;
                }
                Deployment d = r.response().orElseThrow();
                throw new DeploymentFailedException(name, d.state().asString(), null,
                        "the management API gave no reason; see the resource's activity log in the Azure portal");
            }
            case TIMED_OUT -> throw new AwaitTimeoutException("deployment", name, r.elapsed(),
                    r.response().map(d -> d.state().asString()).orElse("unknown"),
                    "wait for it again, or undeploy it (a ready deployment is billed per hour)");
            case STOPPED, INTERRUPTED -> throw new FineTunerException("waiting for deployment " + name + " was interrupted",
                    r.exception().orElse(null));
        };
    }

    /**
     * Deletes a deployment; its hourly billing ends. The model itself is kept and can be deployed again.
     *
     * @param name the deployment's name
     * @return false when there was no such deployment
     * @throws ApiException when the call fails
     */
    public boolean delete(String name) {
        checkName(name);
        boolean deleted = calls.call("azure.deployments.delete", "delete deployment " + name, () -> {
            try {
                // 200 or 202: deleted (or being deleted); 204: there was none, per the REST reference
                return exchange("DELETE", name, null).status() != 204;
            } catch (ApiException e) {
                if (e.statusCode().orElse(0) == 404) {
                    return false;
                }
                throw e;
            }
        });
        LOG.info("deployment {} {}", name, deleted ? "deleted: its hourly billing ends" : "did not exist");
        return deleted;
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{1,63}")) {
            throw new IllegalArgumentException("a deployment name is 2 to 64 letters, digits, '-', '_' or '.', starting"
                    + " with a letter or digit; was \"" + name + "\"");
        }
    }

    private URI uri(String name) {
        String path = "/subscriptions/" + AzureOptions.segment(azure.subscriptionId().orElseThrow())
                + "/resourceGroups/" + AzureOptions.segment(azure.resourceGroup().orElseThrow())
                + "/providers/Microsoft.CognitiveServices/accounts/" + AzureOptions.segment(azure.account().orElseThrow())
                + "/deployments" + (name == null ? "" : "/" + AzureOptions.segment(name));
        return URI.create(azure.managementUrl() + path + "?api-version=" + AzureOptions.segment(azure.managementApiVersion()));
    }

    /** A successful answer: its status and JSON (an empty object for none). */
    private record Answer(int status, JsonNode json) {
    }

    private JsonNode send(String method, String name, String body) {
        return exchange(method, name, body).json();
    }

    /** One request: the answer, or an ApiException in the management API's terms. */
    private Answer exchange(String method, String name, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(name)).timeout(timeout)
                .header("Authorization", "Bearer " + azure.managementToken())
                .header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ApiException(0, null, null, null, true, 1, null, "cannot reach the Azure management API at "
                    + azure.managementUrl() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineTunerException("interrupted while calling the Azure management API", e);
        }
        String requestId = r.headers().firstValue("x-ms-request-id").orElse(null);
        JsonNode json;
        try {
            json = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            json = null;
        }
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            if (json == null) {
                throw new ApiException(status, "invalid_response", null, requestId, false, 1, null,
                        "the management API's answer is not JSON; check the management URL " + azure.managementUrl(), null);
            }
            return new Answer(status, json);
        }
        String code = json == null ? null : textOrNull(json.path("error").path("code"));
        String message = json == null ? null : textOrNull(json.path("error").path("message"));
        boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
        Duration retryAfter = r.headers().firstValue("Retry-After").flatMap(AzureDeployments::seconds).orElse(null);
        String detail = message != null ? message : "HTTP " + status + " from the management API";
        if (status == 401 || status == 403) {
            detail += " (the management token needs a role with Microsoft.CognitiveServices/accounts/deployments/"
                    + "write on account " + azure.account().orElse("?") + ")";
        }
        throw new ApiException(status, code, null, requestId, retryable, 1, retryAfter, detail, null);
    }

    private static Optional<Duration> seconds(String v) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private static Deployment parse(JsonNode d) {
        JsonNode props = d.path("properties");
        String state = textOrNull(props.path("provisioningState"));
        return new Deployment(Optional.ofNullable(textOrNull(d.path("name"))).orElse(""),
                Optional.ofNullable(textOrNull(props.path("model").path("name"))).orElse(""),
                Optional.ofNullable(textOrNull(d.path("sku").path("name"))).orElse(""),
                d.path("sku").path("capacity").asInt(0),
                DeploymentState.of(state == null ? "Accepted" : state));
    }

    @Override
    public String toString() {
        return "AzureDeployments[" + azure.account().orElse("?") + " via " + azure.managementUrl() + "]";
    }
}
