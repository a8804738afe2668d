package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.finetuner.model.BaseModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the backend does in Azure mode, beyond the OpenAI API it serves under {@code /openai/v1/} and
 * {@code /openai/...?api-version=}: the deployments of the management API
 * ({@code /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}/deployments/{name}}),
 * in the shapes of Microsoft's REST reference (provisioning states, ARM error bodies), and the rule that a
 * model answers only through a ready deployment.
 */
final class AzureApi {
    /** Simulated seconds a deployment stays Creating: Azure takes minutes; the backend's clock makes it short. */
    static final double PROVISIONING_SECONDS = 120;
    static final String NOT_FOUND_MESSAGE = "The API deployment for this resource does not exist. If you created the"
            + " deployment within the last 5 minutes, please wait a moment and try again.";

    private record Entry(String name, String model, String sku, int capacity, long created) {
    }

    private final Store store;
    private final JobClock clock;
    private final Map<String, Entry> deployments = new ConcurrentHashMap<>();

    AzureApi(Store store, JobClock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The model a ready deployment serves; a 404 DeploymentNotFound, as Azure answers, for any other name. */
    String modelOf(String deployment) {
        Entry e = deployments.get(deployment);
        if (e == null || !ready(e)) {
            throw new ApiError(404, NOT_FOUND_MESSAGE, ApiError.INVALID_REQUEST, null, "DeploymentNotFound", Map.of());
        }
        return e.model();
    }

    private boolean ready(Entry e) {
        return clock.secondsBetween(e.created(), clock.read()) >= PROVISIONING_SECONDS;
    }

    /** A management request: {@code segments} are the path's after {@code /subscriptions/}. */
    Response manage(HttpExchange ex, String method, List<String> segments) {
        String version = HttpIo.query(ex).get("api-version");
        if (version == null || version.isBlank()) {
            return arm(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.");
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.substring(7).isBlank()) {
            return arm(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        // {sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}/deployments[/{name}]
        int n = segments.size();
        boolean shape = (n == 8 || n == 9) && segments.get(1).equalsIgnoreCase("resourceGroups")
                && segments.get(3).equalsIgnoreCase("providers")
                && segments.get(4).equalsIgnoreCase("Microsoft.CognitiveServices")
                && segments.get(5).equalsIgnoreCase("accounts") && segments.get(7).equalsIgnoreCase("deployments");
        if (!shape) {
            return arm(404, "InvalidResourceType", "The resource type could not be found in the namespace"
                    + " 'Microsoft.CognitiveServices' for api version '" + version + "'.");
        }
        String prefix = "/subscriptions/" + String.join("/", segments.subList(0, 8));
        if (n == 8) {
            if (!method.equals("GET")) {
                return arm(405, "MethodNotAllowed", "The requested method is not allowed on a deployment list.");
            }
            List<ObjectNode> all = new ArrayList<>();
            deployments.values().stream().sorted(java.util.Comparator.comparing(Entry::name))
                    .forEach(e -> all.add(describe(prefix, e)));
            ObjectNode page = Json.object();
            page.putArray("value").addAll(all);
            return Response.ok(page);
        }
        String name = segments.get(8);
        return switch (method) {
            case "PUT" -> put(ex, prefix, name);
            case "GET" -> Optional.ofNullable(deployments.get(name)).map(e -> Response.ok(describe(prefix, e)))
                    .orElseGet(() -> notFound(name));
            case "DELETE" -> deployments.remove(name) != null ? new Response(200, Response.JSON, new byte[0], null, Map.of())
                    : new Response(204, Response.JSON, new byte[0], null, Map.of());
            default -> arm(405, "MethodNotAllowed", "The requested method is not allowed on a deployment.");
        };
    }

    private Response put(HttpExchange ex, String prefix, String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{1,63}")) {
            return arm(400, "InvalidResourceName", "Resource name " + name + " is invalid. The name can contain"
                    + " alphanumeric, underscore, period and hyphen characters.");
        }
        ObjectNode body = HttpIo.jsonBody(ex);
        JsonNode sku = body.path("sku");
        JsonNode model = body.path("properties").path("model");
        if (!sku.path("name").isTextual() || sku.path("name").asText().isBlank()) {
            return arm(400, "InvalidResourceProperties", "The sku of the deployment is required.");
        }
        int capacity = sku.path("capacity").asInt(1);
        if (capacity < 1) {
            return arm(400, "InvalidCapacity", "The capacity should be at least 1.");
        }
        String format = model.path("format").asText("");
        String modelName = model.path("name").asText("");
        if (!format.equals("OpenAI") || modelName.isBlank()) {
            return arm(400, "InvalidResourceProperties", "The model format and name of the deployment are required;"
                    + " the format of an Azure OpenAI model is OpenAI.");
        }
        boolean base = BaseModel.catalogue().stream().anyMatch(b -> b.name().equals(modelName));
        if (!base && store.model(modelName).isEmpty()) {
            return arm(400, "DeploymentModelNotSupported", "The model '" + modelName + "' of format OpenAI and version '"
                    + model.path("version").asText("1") + "' is not supported or does not exist in this resource.");
        }
        Entry e = new Entry(name, modelName, sku.path("name").asText(), capacity, clock.read());
        boolean replaced = deployments.put(name, e) != null;
        Response r = Response.json(replaced ? 200 : 201, describe(prefix, e));
        return new Response(r.status(), r.contentType(), r.body(), null, Map.of());
    }

    private ObjectNode describe(String prefix, Entry e) {
        ObjectNode o = Json.object();
        o.put("id", prefix + "/" + e.name());
        o.put("name", e.name());
        o.put("type", "Microsoft.CognitiveServices/accounts/deployments");
        o.putObject("sku").put("name", e.sku()).put("capacity", e.capacity());
        ObjectNode props = o.putObject("properties");
        props.putObject("model").put("format", "OpenAI").put("name", e.model()).put("version", "1");
        props.put("provisioningState", ready(e) ? "Succeeded" : "Creating");
        return o;
    }

    private static Response notFound(String name) {
        return arm(404, "DeploymentNotFound", "Deployment " + name + " not found.");
    }

    /** An ARM error: {@code {"error":{"code","message"}}}. */
    static Response arm(int status, String code, String message) {
        ObjectNode root = Json.object();
        root.putObject("error").put("code", code).put("message", message);
        return Response.json(status, root);
    }
}
