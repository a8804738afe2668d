package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Together AI's fine-tuning API, served by {@link LocalOpenAi.Builder#together()} from the same store, job runner,
 * training model and clock as the OpenAI-shaped API. Shapes from Together's published OpenAPI document
 * ({@code togethercomputer/openapi: openapi.yaml}, 2026-04-28) and its Python client
 * ({@code togethercomputer/together-python: src/together/types/finetune.py}, {@code types/files.py},
 * {@code resources/finetune.py}, 2025-12-23), which the wire names below follow where the two differ (the
 * document's enums of event levels and types are the client's constant names in lower case, not its values):
 *
 * <ul>
 *   <li>{@code POST /v1/files/upload}, multipart: {@code file}, {@code file_name}, {@code purpose}
 *       ({@code fine-tune}, ...), optional {@code file_type}; answers the file object
 *       {@code {id:"file-...", object:"file", created_at:<unix s>, filename, bytes, purpose, type:"jsonl",
 *       FileType:"jsonl", Processed:true}}. {@code GET /v1/files} ({@code {object:"list", data:[...]}}),
 *       {@code GET /v1/files/{id}}, {@code DELETE /v1/files/{id}} ({@code {id, object:"file", deleted:true}}),
 *       {@code GET /v1/files/{id}/content}.
 *   <li>{@code POST /v1/fine-tunes}, JSON: {@code training_file} and {@code model} required; {@code validation_file},
 *       {@code n_epochs} (1), {@code n_checkpoints} (1), {@code n_evals} (0, more needs a validation file),
 *       {@code batch_size} (an integer or {@code "max"}), {@code learning_rate} (0.00001), {@code suffix},
 *       {@code random_seed} (42), {@code warmup_ratio}, {@code max_grad_norm}, {@code weight_decay},
 *       {@code training_type} ({@code {type:"Lora", lora_r, lora_alpha, lora_dropout, lora_trainable_modules}}, the
 *       default, or {@code {type:"Full"}}), {@code training_method} ({@code {method:"sft", train_on_inputs}} or
 *       {@code {method:"dpo", dpo_beta, ...}}). The Python client's flat {@code lora*} arguments are not wire
 *       fields: sent flat, they get a 400 naming {@code training_type}, so a client that sends them is caught here
 *       rather than silently trained without them. Answers the job:
 *       {@code {id:"ft-<uuid>", status, model, model_output_name:"<account>/<model>-<suffix>-<hash>", created_at,
 *       updated_at, started_at} (ISO-8601 strings)} plus every parameter as resolved, {@code total_steps},
 *       {@code steps_completed}, {@code epochs_completed}, {@code token_count}, {@code progress}; a retrieved job
 *       also has its {@code events}. {@code GET /v1/fine-tunes} ({@code {data:[...]}}, oldest first),
 *       {@code GET /v1/fine-tunes/{id}}, {@code POST /v1/fine-tunes/{id}/cancel}.
 *   <li>{@code GET /v1/fine-tunes/{id}/events}: {@code {data:[...]}}, oldest first, all of them, each
 *       {@code {object:"fine-tune-event", created_at, level ("Info", "Error"), message, type (JOB_PENDING,
 *       TRAINING_DATA_DOWNLOAD_COMPLETE, JOB_START, EPOCH_COMPLETE, TRAINING_COMPLETE, MODEL_UPLOAD_COMPLETE,
 *       JOB_COMPLETE, JOB_ERROR, CANCEL_REQUESTED), param_count, token_count, total_steps, wandb_url, step,
 *       checkpoint_path, model_path, training_offset, hash}}: no event id, so a follower tells new events by their
 *       position. An event once listed never changes. Training steps are not events (Together reports losses
 *       elsewhere).
 *   <li>{@code GET /v1/fine-tunes/{id}/checkpoints}: {@code {data:[{step, path, created_at,
 *       checkpoint_type:"Intermediate"|"Final"}]}}; a path is a model id that answers completions.
 *   <li>Statuses: {@code pending} (files being checked), {@code queued}, {@code running}, {@code uploading} (the
 *       model being published after the last step), {@code completed}, {@code error}, {@code cancelled}. A cancel
 *       ends the job at once: {@code cancel_requested} and {@code compressing} are never shown.
 *   <li>{@code POST /v1/completions} and {@code /v1/chat/completions}, OpenAI-shaped, with {@code model} the job's
 *       {@code model_output_name}; every model answers both. An unknown model is a 404
 *       {@code model_not_available}.
 *   <li>Errors: Together's {@code ErrorData}, {@code {"error":{"message","type","param","code"}}}, for 400, 401
 *       and 404.
 * </ul>
 *
 * <p>Files are checked as Together's {@code check_file} does ({@link TogetherFileCheck}) while the job is
 * {@code pending}; a bad file ends it in {@code error} with a {@code JOB_ERROR} event naming the line. The training
 * model takes {@code learning_rate / 0.0001} as its OpenAI-shaped learning rate multiplier (Together's default 1e-5
 * trains as 0.1) and {@code batch_size: "max"} as "auto"; LoRA settings, checkpoints and evals are checked and echoed
 * but change nothing in the training.
 */
final class TogetherApi {
    static final double DEFAULT_LEARNING_RATE = 1e-5;
    static final long DEFAULT_SEED = 42;
    static final int DEFAULT_LORA_R = 8;
    static final String ACCOUNT = "local";
    static final Set<String> PURPOSES = Set.of("fine-tune", "eval", "eval-sample", "eval-output", "eval-summary",
            "batch-generated", "batch-api");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+");
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Set<String> FLAT_LORA = Set.of("lora", "lora_r", "lora_alpha", "lora_dropout",
            "lora_trainable_modules");

    private final Store store;
    private final JobRunner runner;
    private final Faults faults;
    private final JobClock clock;
    private final ModelsApi models;

    TogetherApi(Store store, JobRunner runner, Faults faults, JobClock clock, ModelsApi models) {
        this.store = store;
        this.runner = runner;
        this.faults = faults;
        this.clock = clock;
        this.models = models;
    }

    // ---- routing and keys

    Response route(HttpExchange ex, String method, String path) throws IOException {
        if (!path.startsWith("/v1/")) {
            throw ApiError.invalidUrl(method, path);
        }
        List<String> s = List.of(path.substring(4).split("/", -1));
        int n = s.size();
        String call = method + " " + s.get(0);
        switch (call) {
            case "POST files" -> {
                if (n == 2 && s.get(1).equals("upload")) {
                    return upload(ex);
                }
            }
            case "GET files" -> {
                if (n == 1) {
                    return Response.ok(list(store.files().stream().map(TogetherApi::file).toList()));
                }
                if (n == 2) {
                    return Response.ok(file(file(s.get(1))));
                }
                if (n == 3 && s.get(2).equals("content")) {
                    FileRecord f = file(s.get(1));
                    return Response.file(store.content(f), "application/octet-stream");
                }
            }
            case "DELETE files" -> {
                if (n == 2) {
                    FileRecord f = file(s.get(1));
                    store.deleteFile(f.id());
                    ObjectNode o = Json.object();
                    o.put("id", f.id());
                    o.put("object", "file");
                    o.put("deleted", true);
                    return Response.ok(o);
                }
            }
            case "POST fine-tunes" -> {
                if (n == 1) {
                    return create(ex);
                }
                if (n == 3 && s.get(2).equals("cancel")) {
                    return cancel(s.get(1));
                }
            }
            case "GET fine-tunes" -> {
                if (n == 1) {
                    List<Job> jobs = new ArrayList<>(store.jobs());
                    jobs.sort(Comparator.comparingLong(j -> j.seq));
                    ObjectNode o = Json.object();
                    ArrayNode data = o.putArray("data");
                    jobs.stream().filter(j -> j.together != null).forEach(j -> data.add(view(j, false)));
                    return Response.ok(o);
                }
                if (n == 2) {
                    return Response.ok(view(job(s.get(1)), true));
                }
                if (n == 3 && s.get(2).equals("events")) {
                    ObjectNode o = Json.object();
                    o.put("object", "list");
                    o.set("data", events(job(s.get(1))));
                    return Response.ok(o);
                }
                if (n == 3 && s.get(2).equals("checkpoints")) {
                    return Response.ok(checkpoints(job(s.get(1))));
                }
            }
            case "POST completions" -> {
                if (n == 1) {
                    return infer(() -> models.completion(ex));
                }
            }
            case "POST chat" -> {
                if (n == 2 && s.get(1).equals("completions")) {
                    return infer(() -> models.chat(ex));
                }
            }
            default -> {
                // 404 below
            }
        }
        throw ApiError.invalidUrl(method, path);
    }

    /** The 401 for a missing ({@code missing}) or wrong key, in Together's words; never shows the key. */
    static ApiError unauthorized(boolean missing) {
        String message = missing
                ? "Missing API key: send it in an Authorization header using Bearer auth (Authorization: Bearer "
                + "YOUR_API_KEY). You can find your API key at https://api.together.xyz/settings/api-keys."
                : "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.";
        return new ApiError(401, message, ApiError.INVALID_REQUEST, null, "invalid_api_key", Map.of());
    }

    private interface Call {
        Response run() throws IOException;
    }

    /** Runs an OpenAI-shaped inference call, answering an unknown model as Together does. */
    private static Response infer(Call call) throws IOException {
        try {
            return call.run();
        } catch (ApiError e) {
            if (e.status() == 404 && "model_not_found".equals(e.code())) {
                String model = e.getMessage().replaceAll("^The model `(.*)` does not exist.*$", "$1");
                throw new ApiError(404, "Unable to access model " + model + ". Please visit "
                        + "https://api.together.ai/models to view the list of supported models.", ApiError.INVALID_REQUEST,
                        null, "model_not_available", Map.of());
            }
            throw e;
        }
    }

    // ---- files

    private Response upload(HttpExchange ex) throws IOException {
        List<Path> scratch = new ArrayList<>();
        ApiError tooLarge = new ApiError(413, "File is too large: this backend takes files of up to "
                + HttpIo.MAX_FILE_BYTES + " bytes.", ApiError.INVALID_REQUEST, "file", "file_too_large", Map.of());
        RequestGuard.requireMediaType(ex.getRequestHeaders(), Multipart.MEDIA_TYPE);
        try (InputStream body = HttpIo.body(ex, HttpIo.MAX_FILE_BYTES + Multipart.MAX_FIELD_BYTES, false, tooLarge)) {
            Map<String, Multipart.Part> form = Multipart.read(body, ex.getRequestHeaders().getFirst("Content-Type"),
                    Set.of("file"), name -> {
                        Path p = store.scratch();
                        scratch.add(p);
                        return p;
                    });
            String purpose = field(form, "purpose");
            if (!PURPOSES.contains(purpose)) {
                throw ApiError.badRequest("Invalid purpose '" + purpose + "': expected one of "
                        + new java.util.TreeSet<>(PURPOSES) + ".", "purpose", "invalid_value");
            }
            String name = field(form, "file_name");
            Multipart.Part file = form.get("file");
            if (file == null || file.file() == null) {
                throw ApiError.missing("file");
            }
            if (file.size() > HttpIo.MAX_FILE_BYTES) {
                throw tooLarge;
            }
            Multipart.Part type = form.get("file_type");
            if (purpose.equals("fine-tune") && (!name.toLowerCase(Locale.ROOT).endsWith(".jsonl")
                    || type != null && !"jsonl".equals(type.value()))) {
                throw ApiError.badRequest("This backend fine-tunes on JSONL files only: 'file_name' must end in "
                        + ".jsonl (Together also takes .parquet and .csv).", "file_name", "invalid_file_type");
            }
            FileRecord f = store.addFile(file.file(), name, purpose, clock.epochSecond());
            return Response.ok(file(f));
        } finally {
            for (Path p : scratch) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String field(Map<String, Multipart.Part> form, String name) {
        Multipart.Part p = form.get(name);
        if (p == null || p.value() == null || p.value().isBlank()) {
            throw ApiError.missing(name);
        }
        return p.value();
    }

    private static ObjectNode file(FileRecord f) {
        ObjectNode o = Json.object();
        o.put("id", f.id());
        o.put("object", "file");
        o.put("created_at", f.createdAt());
        o.put("filename", f.filename());
        o.put("bytes", f.bytes());
        o.put("purpose", f.purpose());
        String type = f.filename().toLowerCase(Locale.ROOT).endsWith(".csv") ? "csv" : "jsonl";
        o.put("type", type);
        o.put("FileType", type);
        o.put("Processed", true);
        return o;
    }

    private static ObjectNode list(List<ObjectNode> items) {
        ObjectNode o = Json.object();
        o.put("object", "list");
        o.putArray("data").addAll(items);
        return o;
    }

    private FileRecord file(String id) {
        return store.file(id).orElseThrow(() -> ApiError.notFound("File " + id + " not found.", "id", "not_found"));
    }

    // ---- fine-tunes

    private Response create(HttpExchange ex) {
        ObjectNode body = HttpIo.jsonBody(ex);
        for (String flat : FLAT_LORA) {
            if (body.has(flat)) {
                throw ApiError.badRequest("Unknown parameter '" + flat + "': LoRA is set with 'training_type': "
                        + "{\"type\":\"Lora\",\"lora_r\":8,\"lora_alpha\":16,\"lora_dropout\":0.0}.", flat,
                        "invalid_parameter");
            }
        }
        String model = text(body, "model", true);
        if (!MODEL.matcher(model).matches()) {
            throw ApiError.badRequest("The model " + model + " is not supported for fine-tuning: expected an "
                    + "organization/model name such as meta-llama/Meta-Llama-3.1-8B-Instruct-Reference.", "model",
                    "model_not_available");
        }
        String training = text(body, "training_file", true);
        checkFile(training, "training_file");
        String validation = text(body, "validation_file", false);
        if (validation != null) {
            checkFile(validation, "validation_file");
        }
        int epochs = integer(body, "n_epochs", 1, 1, 100);
        int checkpoints = integer(body, "n_checkpoints", 1, 1, 100);
        int evals = integer(body, "n_evals", 0, 0, 100);
        if (evals > 0 && validation == null) {
            throw ApiError.badRequest("n_evals is " + evals + " but no validation_file was given: evaluations run on "
                    + "a validation file.", "n_evals", "invalid_value");
        }
        JsonNode batch = body.get("batch_size");
        if (batch == null || batch.isNull()) {
            batch = Json.MAPPER.getNodeFactory().textNode("max");
        } else if (!(batch.isTextual() && batch.asText().equals("max"))
                && !(batch.isIntegralNumber() && batch.asInt() >= 1 && batch.asInt() <= 1024)) {
            throw ApiError.badRequest("Invalid 'batch_size': expected \"max\" or an integer between 1 and 1024, got "
                    + batch + ".", "batch_size", "invalid_value");
        }
        double lr = number(body, "learning_rate", DEFAULT_LEARNING_RATE, 0, 1, false);
        String suffix = text(body, "suffix", false);
        if (suffix != null && (suffix.length() > JobsApi.MAX_SUFFIX || !SUFFIX.matcher(suffix).matches())) {
            throw ApiError.badRequest("Invalid 'suffix': at most " + JobsApi.MAX_SUFFIX + " letters, digits, '-', '_' "
                    + "and '.' (it becomes part of the model name).", "suffix", "invalid_value");
        }
        JsonNode seedNode = body.get("random_seed");
        long seed = DEFAULT_SEED;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || seedNode.asLong() < 0 || seedNode.asLong() > Integer.MAX_VALUE) {
                throw ApiError.badRequest("Invalid 'random_seed': expected an integer between 0 and "
                        + Integer.MAX_VALUE + ".", "random_seed", "invalid_value");
            }
            seed = seedNode.asLong();
        }
        ObjectNode trainingType = trainingType(body.get("training_type"));
        ObjectNode trainingMethod = trainingMethod(body.get("training_method"));
        boolean dpo = trainingMethod.get("method").asText().equals("dpo");

        ObjectNode t = Json.object();
        String tail = Ids.modelTail().substring(0, 8);
        String shortModel = model.substring(model.indexOf('/') + 1);
        t.put("model_output_name", ACCOUNT + "/" + shortModel + (suffix == null ? "" : "-" + suffix) + "-" + tail);
        t.put("suffix", suffix);
        t.put("n_epochs", epochs);
        t.put("n_checkpoints", checkpoints);
        t.put("n_evals", evals);
        t.set("batch_size", batch);
        t.put("learning_rate", lr);
        t.put("warmup_ratio", number(body, "warmup_ratio", 0, 0, 1, true));
        t.put("max_grad_norm", number(body, "max_grad_norm", 1, 0, Double.MAX_VALUE, true));
        t.put("weight_decay", number(body, "weight_decay", 0, 0, Double.MAX_VALUE, true));
        t.put("random_seed", seed);
        t.set("training_type", trainingType);
        t.set("training_method", trainingMethod);
        t.set("train_on_inputs", trainingMethod.get("train_on_inputs") != null
                ? trainingMethod.get("train_on_inputs") : Json.MAPPER.getNodeFactory().textNode("auto"));

        // the runner trains on OpenAI-shaped hyperparameters: "max" lets it pick, as "auto" does
        ObjectNode hp = Json.object();
        hp.put("n_epochs", epochs);
        if (batch.isIntegralNumber()) {
            hp.put("batch_size", batch.asInt());
        } else {
            hp.put("batch_size", "auto");
        }
        hp.put("learning_rate_multiplier", lr / 1e-4);
        if (dpo) {
            hp.put("beta", trainingMethod.get("dpo_beta").asDouble());
        }
        Job.Spec spec = new Job.Spec(model, training, validation, suffix, seed, null, dpo ? "dpo" : "supervised", hp,
                null);
        Job job = new Job(Ids.together(), store.nextSeq(), clock.epochSecond(), spec, tail, faults.failNextJob(), t);
        store.addJob(job);
        synchronized (job) {
            runner.event(job, "info", "Created fine-tuning job: " + job.id, null);
        }
        runner.submit(job);
        return Response.ok(view(job, false));
    }

    private ObjectNode trainingType(JsonNode t) {
        ObjectNode out = Json.object();
        if (t == null || t.isNull()) {
            out.put("type", "Lora");
            out.put("lora_r", DEFAULT_LORA_R);
            out.put("lora_alpha", DEFAULT_LORA_R * 2);
            out.put("lora_dropout", 0.0);
            out.put("lora_trainable_modules", "all-linear");
            return out;
        }
        if (!t.isObject()) {
            throw ApiError.badRequest("Invalid 'training_type': expected an object.", "training_type", "invalid_type");
        }
        String type = t.path("type").asText("");
        if (type.equals("Full")) {
            out.put("type", "Full");
            return out;
        }
        if (!type.equals("Lora")) {
            throw ApiError.badRequest("Invalid 'training_type.type': expected 'Lora' or 'Full', got '" + type + "'.",
                    "training_type.type", "invalid_value");
        }
        ObjectNode o = (ObjectNode) t;
        out.put("type", "Lora");
        out.put("lora_r", integer(o, "lora_r", -1, 1, 64, "training_type."));
        out.put("lora_alpha", integer(o, "lora_alpha", -1, 1, 1024, "training_type."));
        double dropout = number(o, "lora_dropout", 0, 0, 1, true);
        if (dropout >= 1) {
            throw ApiError.badRequest("Invalid 'training_type.lora_dropout': expected a number in [0, 1), got "
                    + dropout + ".", "training_type.lora_dropout", "invalid_value");
        }
        out.put("lora_dropout", dropout);
        JsonNode modules = o.get("lora_trainable_modules");
        out.put("lora_trainable_modules", modules == null || modules.isNull() ? "all-linear" : modules.asText());
        return out;
    }

    private ObjectNode trainingMethod(JsonNode m) {
        ObjectNode out = Json.object();
        if (m == null || m.isNull()) {
            out.put("method", "sft");
            out.put("train_on_inputs", "auto");
            return out;
        }
        if (!m.isObject()) {
            throw ApiError.badRequest("Invalid 'training_method': expected an object.", "training_method",
                    "invalid_type");
        }
        String method = m.path("method").asText("");
        ObjectNode o = (ObjectNode) m;
        switch (method) {
            case "sft" -> {
                out.put("method", "sft");
                JsonNode inputs = o.get("train_on_inputs");
                if (inputs == null || inputs.isNull()) {
                    out.put("train_on_inputs", "auto");
                } else if (inputs.isBoolean() || inputs.isTextual() && inputs.asText().equals("auto")) {
                    out.set("train_on_inputs", inputs);
                } else {
                    throw ApiError.badRequest("Invalid 'training_method.train_on_inputs': expected true, false or "
                            + "\"auto\".", "training_method.train_on_inputs", "invalid_value");
                }
            }
            case "dpo" -> {
                out.put("method", "dpo");
                out.put("dpo_beta", number(o, "dpo_beta", 0.1, 0, Double.MAX_VALUE, false));
            }
            default -> throw ApiError.badRequest("Invalid 'training_method.method': expected 'sft' or 'dpo', got '"
                    + method + "'.", "training_method.method", "invalid_value");
        }
        return out;
    }

    private void checkFile(String id, String param) {
        FileRecord f = store.file(id).orElseThrow(() -> ApiError.badRequest("File " + id + " given as " + param
                + " does not exist.", param, "invalid_file"));
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
        if (!v.isTextual() || required && v.asText().isBlank()) {
            throw ApiError.badRequest("Invalid '" + field + "': expected a string, got " + v + ".", field,
                    "invalid_type");
        }
        return v.asText().isEmpty() ? null : v.asText();
    }

    private static int integer(ObjectNode body, String field, int dflt, int min, int max) {
        return integer(body, field, dflt, min, max, "");
    }

    /** A whole number in [min, max]; {@code dflt} when absent, or a 400 when absent and {@code dflt} is -1. */
    private static int integer(ObjectNode body, String field, int dflt, int min, int max, String prefix) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (dflt == -1) {
                throw ApiError.missing(prefix + field);
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw ApiError.badRequest("Invalid '" + prefix + field + "': expected an integer between " + min + " and "
                    + max + ", got " + v + ".", prefix + field, "invalid_value");
        }
        return v.asInt();
    }

    /** A number in (min, max], or [min, max] when {@code minIncluded}. */
    private static double number(ObjectNode body, String field, double dflt, double min, double max,
                                 boolean minIncluded) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        double d = v.asDouble();
        if (!v.isNumber() || !Double.isFinite(d) || d > max || (minIncluded ? d < min : d <= min)) {
            throw ApiError.badRequest("Invalid '" + field + "': expected a number " + (minIncluded ? ">= " : "> ")
                    + min + (max < Double.MAX_VALUE ? " and <= " + max : "") + ", got " + v + ".", field,
                    "invalid_value");
        }
        return d;
    }

    private Response cancel(String id) {
        Job job = job(id);
        synchronized (job) {
            if (job.terminal()) {
                throw ApiError.badRequest("Fine-tune job " + id + " has already ended (" + status(job) + "); only a "
                        + "job that has not ended can be cancelled.", "id", "invalid_job_status");
            }
            job.status = Job.CANCELLED;
            job.finishedAt = clock.epochSecond();
            job.estimatedFinish = null;
            runner.event(job, "info", "Fine-tuning job cancelled", null);
            store.saveJob(job);
            return Response.ok(view(job, false));
        }
    }

    private Job job(String id) {
        return store.job(id).filter(j -> j.together != null).orElseThrow(() -> ApiError.notFound(
                "Fine-tune job " + id + " not found.", "id", "not_found"));
    }

    // ---- views

    /** Together's status for the job's state; the caller holds the job's lock. */
    private static String status(Job job) {
        return switch (job.status) {
            case Job.VALIDATING -> "pending";
            case Job.QUEUED -> "queued";
            case Job.RUNNING -> job.totalSteps > 0 && job.stepsDone >= job.totalSteps ? "uploading" : "running";
            case Job.SUCCEEDED -> "completed";
            case Job.FAILED -> "error";
            case Job.CANCELLED -> "cancelled";
            default -> job.status;
        };
    }

    private ObjectNode view(Job job, boolean withEvents) {
        synchronized (job) {
            ObjectNode o = Json.object();
            o.put("id", job.id);
            o.put("status", status(job));
            o.put("model", job.spec.model());
            o.put("training_file", job.spec.trainingFile());
            o.put("validation_file", job.spec.validationFile());
            o.setAll(job.together.deepCopy());
            if (job.resolved != null) {
                o.put("batch_size", job.resolved.get("batch_size").asInt());
            }
            o.put("created_at", iso(job.createdAt));
            List<JobEvent> events = job.events();
            long updated = events.isEmpty() ? job.createdAt : events.get(events.size() - 1).createdAt();
            o.put("updated_at", iso(Math.max(updated, job.finishedAt == null ? 0 : job.finishedAt)));
            events.stream().filter(e -> e.message().startsWith("Fine-tuning job started")).findFirst()
                    .ifPresent(e -> o.put("started_at", iso(e.createdAt())));
            o.put("total_steps", job.totalSteps);
            o.put("steps_completed", job.stepsDone);
            int perEpoch = job.totalSteps == 0 ? 0 : job.totalSteps / Math.max(1, job.together.get("n_epochs").asInt());
            o.put("epochs_completed", perEpoch == 0 ? 0 : job.stepsDone / perEpoch);
            o.put("token_count", job.trainedTokens);
            ObjectNode progress = o.putObject("progress");
            progress.put("estimate_available", job.estimatedFinish != null);
            progress.put("seconds_remaining", job.estimatedFinish == null ? 0
                    : Math.max(0, job.estimatedFinish - clock.epochSecond()));
            if (withEvents) {
                o.set("events", events(job));
            } else {
                o.putArray("events");
            }
            return o;
        }
    }

    /** The job's events as Together's, oldest first; a pure function of the stored events, so stable across polls. */
    private ArrayNode events(Job job) {
        String outputName = job.together.get("model_output_name").asText();
        ArrayNode out = Json.array();
        int epoch = 0;
        for (JobEvent e : job.events()) {
            String m = e.message();
            if ("metrics".equals(e.type()) || m.startsWith("Validating training file")) {
                continue; // Together lists no per-step events
            }
            if ("error".equals(e.level())) {
                out.add(event(e, "Error", "JOB_ERROR", m));
            } else if (m.startsWith("Created fine-tuning job")) {
                out.add(event(e, "Info", "JOB_PENDING", "Fine tune request created"));
            } else if (m.startsWith("Files validated")) {
                out.add(event(e, "Info", "TRAINING_DATA_DOWNLOAD_COMPLETE", "Training data checked"));
            } else if (m.startsWith("Fine-tuning job started")) {
                out.add(event(e, "Info", "JOB_START", "Job started at " + iso(e.createdAt())));
            } else if (m.startsWith("Checkpoint created at step ")) {
                epoch++;
                ObjectNode ev = event(e, "Info", "EPOCH_COMPLETE", "Epoch " + epoch + " completed");
                ev.put("step", Integer.parseInt(m.substring("Checkpoint created at step ".length()).trim()));
                out.add(ev);
            } else if (m.startsWith("New fine-tuned model created")) {
                out.add(event(e, "Info", "TRAINING_COMPLETE", "Training completed"));
                ObjectNode ev = event(e, "Info", "MODEL_UPLOAD_COMPLETE", "Model upload complete: " + outputName);
                ev.put("model_path", outputName);
                out.add(ev);
            } else if (m.startsWith("The job has successfully completed")) {
                out.add(event(e, "Info", "JOB_COMPLETE", "Job finished at " + iso(e.createdAt())));
            } else if (m.startsWith("Fine-tuning job cancelled")) {
                out.add(event(e, "Info", "CANCEL_REQUESTED", "Job cancelled by the user"));
            } else {
                out.add(event(e, "warn".equals(e.level()) ? "Warning" : "Info", null, m));
            }
        }
        return out;
    }

    private static ObjectNode event(JobEvent e, String level, String type, String message) {
        ObjectNode o = Json.object();
        o.put("object", "fine-tune-event");
        o.put("created_at", iso(e.createdAt()));
        o.put("level", level);
        o.put("message", message);
        o.put("type", type);
        o.put("param_count", 0);
        o.put("token_count", 0);
        o.put("total_steps", 0);
        o.put("wandb_url", "");
        o.put("step", 0);
        o.put("checkpoint_path", "");
        o.put("model_path", "");
        o.put("training_offset", 0);
        o.put("hash", "");
        return o;
    }

    private ObjectNode checkpoints(Job job) {
        ObjectNode o = Json.object();
        ArrayNode data = o.putArray("data");
        synchronized (job) {
            for (Checkpoint c : job.checkpoints) {
                ObjectNode cp = data.addObject();
                cp.put("step", c.step());
                cp.put("path", c.model());
                cp.put("created_at", iso(c.createdAt()));
                cp.put("checkpoint_type", "Intermediate");
            }
            if (job.status.equals(Job.SUCCEEDED)) {
                ObjectNode cp = data.addObject();
                cp.put("step", job.stepsDone);
                cp.put("path", job.fineTunedModel);
                cp.put("created_at", iso(job.finishedAt));
                cp.put("checkpoint_type", "Final");
            }
        }
        return o;
    }

    private static String iso(long epochSecond) {
        return Instant.ofEpochSecond(epochSecond).toString();
    }
}
