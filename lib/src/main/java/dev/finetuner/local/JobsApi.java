package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.finetuner.model.BaseModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code /v1/fine_tuning/jobs} and its events and checkpoints. */
final class JobsApi {
    static final int MAX_SUFFIX = 64;
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9._-]+");
    static final int MAX_METADATA = 16;

    private final Store store;
    private final JobRunner runner;
    private final Faults faults;
    private final JobClock clock;

    JobsApi(Store store, JobRunner runner, Faults faults, JobClock clock) {
        this.store = store;
        this.runner = runner;
        this.faults = faults;
        this.clock = clock;
    }

    Response create(HttpExchange ex) {
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null && key.isBlank()) {
            key = null;
        }
        Job existing = store.jobByKey(key).orElse(null);
        if (existing != null) {
            return Response.ok(existing.toJson());
        }
        ObjectNode body = HttpIo.jsonBody(ex);
        Job.Spec spec = spec(body, key);
        Job job = new Job(Ids.next("ftjob-"), store.nextSeq(), now(), spec, Ids.modelTail(), faults.failNextJob());
        Job added = store.addJob(job);
        if (added == job) {
            synchronized (job) {
                runner.event(job, "info", "Created fine-tuning job: " + job.id, null);
                runner.event(job, "info", "Validating training file: " + spec.trainingFile()
                        + (spec.validationFile() == null ? "" : " and validation file: " + spec.validationFile()), null);
            }
            runner.submit(job);
        }
        return Response.ok(added.toJson());
    }

    private Job.Spec spec(ObjectNode body, String key) {
        String model = text(body, "model", true);
        String base = baseModel(model);
        String training = text(body, "training_file", true);
        checkFile(training, "training_file");
        String validation = text(body, "validation_file", false);
        if (validation != null) {
            checkFile(validation, "validation_file");
        }
        String suffix = text(body, "suffix", false);
        if (suffix != null && suffix.length() > MAX_SUFFIX) {
            throw ApiError.badRequest("Invalid 'suffix': string too long. Expected a string with maximum length "
                    + MAX_SUFFIX + ", but got a string with length " + suffix.length() + " instead.", "suffix",
                    "string_above_max_length");
        }
        if (suffix != null && suffix.isEmpty()) {
            suffix = null;
        }
        if (suffix != null && !SUFFIX.matcher(suffix).matches()) {
            // the suffix becomes a field of the model id, which is a path segment of /v1/models/{id}: a '/' or a
            // ':' in it would make a model that can never be retrieved or deleted
            throw ApiError.badRequest("Invalid 'suffix': '" + suffix + "' may contain only letters, digits, '-', '_' "
                    + "and '.' (it becomes part of the model id).", "suffix", "invalid_value");
        }
        long seed;
        JsonNode s = body.get("seed");
        if (s == null || s.isNull()) {
            seed = Ids.randomSeed();
        } else if (s.isIntegralNumber() && s.asLong() >= 0 && s.asLong() <= Integer.MAX_VALUE) {
            seed = s.asLong();
        } else {
            throw ApiError.badRequest("Invalid 'seed': expected an integer between 0 and " + Integer.MAX_VALUE + ".",
                    "seed", "invalid_value");
        }
        ObjectNode metadata = metadata(body.get("metadata"));
        String method = "supervised";
        ObjectNode hyper = null;
        String where = "hyperparameters";
        JsonNode m = body.get("method");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw ApiError.badRequest("Invalid 'method': expected an object.", "method", "invalid_type");
            }
            JsonNode type = m.get("type");
            if (type == null || type.isNull()) {
                throw ApiError.missing("method.type");
            }
            method = type.asText();
            if (method.equals("reinforcement")) {
                throw ApiError.badRequest("The reinforcement method is not supported by this backend; use "
                        + "'supervised' or 'dpo'.", "method.type", "invalid_value");
            }
            if (!method.equals("supervised") && !method.equals("dpo")) {
                throw ApiError.badRequest("Invalid 'method.type': expected 'supervised', 'dpo' or 'reinforcement', got '"
                        + method + "'.", "method.type", "invalid_value");
            }
            JsonNode h = m.path(method).path("hyperparameters");
            if (h.isObject()) {
                hyper = (ObjectNode) h;
                where = "method." + method + ".hyperparameters";
            }
        }
        if (hyper == null) {
            JsonNode legacy = body.get("hyperparameters");
            if (legacy != null && legacy.isObject()) {
                hyper = (ObjectNode) legacy;
            }
        }
        ObjectNode hp = hyperparameters(hyper, where, method.equals("dpo"));
        return new Job.Spec(base, training, validation, suffix, seed, metadata, method, hp, key);
    }

    /** The base model name to train, or a 400 naming {@code model}. */
    private String baseModel(String model) {
        if (model.startsWith("ft:")) {
            Store.ModelEntry ft = store.model(model).orElse(null);
            if (ft != null && ft.step() < 0) {
                return ft.base();
            }
            throw notAvailable(model);
        }
        BaseModel.Resolution r = BaseModel.resolve(model);
        if (!r.model().known() || r.replaced()) {
            throw notAvailable(model);
        }
        // an alias (gpt-4o-mini) trains its dated snapshot, as the API does
        for (BaseModel b : BaseModel.catalogue()) {
            if (b.name().equals(r.model().name()) || b.name().matches(java.util.regex.Pattern.quote(r.model().name())
                    + "-\\d{4}-\\d{2}-\\d{2}")) {
                return b.name();
            }
        }
        return r.model().name();
    }

    private static ApiError notAvailable(String model) {
        return ApiError.badRequest("Model " + model + " is not available for fine-tuning or does not exist.", "model",
                "model_not_available");
    }

    private void checkFile(String id, String param) {
        store.expireFiles(now());
        FileRecord f = store.file(id).orElseThrow(() -> ApiError.badRequest("invalid " + param + ": " + id, param,
                "invalid_file"));
        if (!f.purpose().equals("fine-tune")) {
            throw ApiError.badRequest("File " + id + " has purpose '" + f.purpose() + "'; fine-tuning needs a file "
                    + "uploaded with purpose 'fine-tune'.", param, "invalid_file_purpose");
        }
    }

    private static String text(ObjectNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiError.missing(field);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest("Invalid type for '" + field + "': expected a string, but got " + kind(v)
                    + " instead.", field, "invalid_type");
        }
        return v.asText();
    }

    private static String kind(JsonNode v) {
        return v.isNumber() ? "a number" : v.isBoolean() ? "a boolean" : v.isArray() ? "an array"
                : v.isObject() ? "an object" : "a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static ObjectNode metadata(JsonNode m) {
        if (m == null || m.isNull()) {
            return null;
        }
        if (!m.isObject()) {
            throw ApiError.badRequest("Invalid 'metadata': expected an object of strings.", "metadata", "invalid_type");
        }
        if (m.size() > MAX_METADATA) {
            throw ApiError.badRequest("Invalid 'metadata': too many properties. Expected an object with at most "
                    + MAX_METADATA + " properties, but got " + m.size() + ".", "metadata", "object_above_max_properties");
        }
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            if (e.getKey().length() > 64 || !e.getValue().isTextual() || e.getValue().asText().length() > 512) {
                throw ApiError.badRequest("Invalid 'metadata." + e.getKey() + "': keys are strings of at most 64 "
                        + "characters and values strings of at most 512.", "metadata", "invalid_value");
            }
        }
        return (ObjectNode) m.deepCopy();
    }

    /** Checks the hyperparameters; the result holds a number or "auto" for each. */
    static ObjectNode hyperparameters(ObjectNode h, String where, boolean dpo) {
        ObjectNode out = Json.object();
        JsonNode epochs = h == null ? null : h.get("n_epochs");
        out.set("n_epochs", integer(epochs, where + ".n_epochs", 1, 50));
        JsonNode batch = h == null ? null : h.get("batch_size");
        out.set("batch_size", integer(batch, where + ".batch_size", 1, 256));
        JsonNode lr = h == null ? null : h.get("learning_rate_multiplier");
        out.set("learning_rate_multiplier", positive(lr, where + ".learning_rate_multiplier"));
        if (dpo) {
            JsonNode beta = h == null ? null : h.get("beta");
            out.set("beta", positive(beta, where + ".beta"));
        }
        return out;
    }

    private static JsonNode integer(JsonNode v, String param, int min, int max) {
        if (v == null || v.isNull() || (v.isTextual() && v.asText().equals("auto"))) {
            return Json.MAPPER.getNodeFactory().textNode("auto");
        }
        boolean whole = v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
        if (!whole || v.asDouble() < min || v.asDouble() > max) {
            throw ApiError.badRequest("Invalid '" + param + "': expected 'auto' or an integer between " + min + " and "
                    + max + ", but got " + v + ".", param, "invalid_hyperparameter");
        }
        return Json.MAPPER.getNodeFactory().numberNode(v.asInt());
    }

    private static JsonNode positive(JsonNode v, String param) {
        if (v == null || v.isNull() || (v.isTextual() && v.asText().equals("auto"))) {
            return Json.MAPPER.getNodeFactory().textNode("auto");
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
            throw ApiError.badRequest("Invalid '" + param + "': expected 'auto' or a number greater than 0, but got "
                    + v + ".", param, "invalid_hyperparameter");
        }
        return Json.MAPPER.getNodeFactory().numberNode(v.asDouble());
    }

    Response list(HttpExchange ex) {
        Map<String, String> q = HttpIo.query(ex);
        int limit = Pages.limit(q, 20, 100);
        List<Job> jobs = new ArrayList<>(store.jobs());
        q.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) {
                String name = k.substring("metadata[".length(), k.length() - 1);
                jobs.removeIf(j -> j.spec.metadata() == null || !v.equals(j.spec.metadata().path(name).asText(null)));
            }
        });
        return Response.ok(Pages.page(jobs, Pages.after(q), limit, j -> j.id, Job::toJson));
    }

    Response retrieve(String id) {
        return Response.ok(job(id).toJson());
    }

    Response cancel(String id) {
        Job job = job(id);
        synchronized (job) {
            if (job.terminal()) {
                throw ApiError.badRequest("Job " + id + " has already " + job.status + "; only a job that is not "
                        + "finished can be cancelled.", null, "invalid_job_status");
            }
            job.status = Job.CANCELLED;
            job.finishedAt = now();
            job.estimatedFinish = null;
            runner.event(job, "info", "Fine-tuning job cancelled", null);
            store.saveJob(job);
            return Response.ok(job.toJson());
        }
    }

    Response pause(String id) {
        Job job = job(id);
        synchronized (job) {
            if (!job.status.equals(Job.RUNNING)) {
                throw ApiError.badRequest("Job " + id + " is " + job.status + "; only a running job can be paused.",
                        null, "invalid_job_status");
            }
            runner.pause(job);
            runner.event(job, "info", "Fine-tuning job paused", null);
            store.saveJob(job);
            return Response.ok(job.toJson());
        }
    }

    Response resume(String id) {
        Job job = job(id);
        synchronized (job) {
            if (!job.status.equals(Job.PAUSED)) {
                throw ApiError.badRequest("Job " + id + " is " + job.status + "; only a paused job can be resumed.",
                        null, "invalid_job_status");
            }
            runner.event(job, "info", "Fine-tuning job resumed", null);
            runner.resume(job);
            store.saveJob(job);
            return Response.ok(job.toJson());
        }
    }

    Response events(HttpExchange ex, String id) {
        Job job = job(id);
        Map<String, String> q = HttpIo.query(ex);
        int limit = Pages.limit(q, 20, 100);
        List<JobEvent> events = job.eventsNewestFirst(Pages.after(q));
        List<ObjectNode> data = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, events.size()); i++) {
            data.add(events.get(i).toJson());
        }
        return Response.ok(Json.list(data, events.size() > limit));
    }

    Response checkpoints(HttpExchange ex, String id) {
        Job job = job(id);
        Map<String, String> q = HttpIo.query(ex);
        int limit = Pages.limit(q, 10, 100);
        List<Checkpoint> newestFirst;
        synchronized (job) {
            newestFirst = new ArrayList<>(job.checkpoints);
        }
        java.util.Collections.reverse(newestFirst);
        ObjectNode page = Pages.page(newestFirst, Pages.after(q), limit, Checkpoint::id, Checkpoint::toJson);
        JsonNode data = page.get("data");
        page.put("first_id", data.isEmpty() ? null : data.get(0).get("id").asText());
        page.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id").asText());
        return Response.ok(page);
    }

    private Job job(String id) {
        return store.job(id).orElseThrow(() -> ApiError.notFound("No fine-tuning job found with id " + id + ".", "id",
                "fine_tune_not_found"));
    }

    private long now() {
        return clock.epochSecond();
    }
}
