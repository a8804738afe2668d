package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.FineTuneJob;
import dev.finetuner.FineTuner;
import dev.finetuner.Preparation;
import dev.finetuner.PrepareOptions;
import dev.finetuner.completion.CompletionClient;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.service.Job;
import dev.finetuner.validation.ValidationReport;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The fine-tunes: upload a dataset to prepare and start one, read it, stream its events, ask its model.
 *
 * <pre>{@code
 * curl -F file=@reviews.csv localhost:8080/fine-tunes                       # 201 + report, or 422 + findings
 * curl localhost:8080/fine-tunes/ftjob-abc
 * curl -N -H 'Last-Event-ID: ftevent-12' localhost:8080/fine-tunes/ftjob-abc/events
 * curl -H 'Content-Type: application/json' -d '{"prompt":"..."}' localhost:8080/fine-tunes/ftjob-abc/complete
 * }</pre>
 */
@RestController
@RequestMapping("/fine-tunes")
class FineTuneController {
    /** The dataset formats taken, by file extension (the library reads the format from it). */
    private static final Set<String> EXTENSIONS = Set.of("csv", "tsv", "jsonl", "json", "xlsx");

    private final FineTuner fineTuner;
    private final JobStore store;
    private final JobTracker tracker;
    private final EventHub hub;
    private final ServiceSettings settings;
    private final ObjectMapper json;

    FineTuneController(FineTuner fineTuner, JobStore store, JobTracker tracker, EventHub hub, ServiceSettings settings,
                       ObjectMapper json) {
        this.fineTuner = fineTuner;
        this.store = store;
        this.tracker = tracker;
        this.hub = hub;
        this.settings = settings;
        this.json = json;
    }

    /**
     * Prepares the upload (validation and the recommended repairs) and, when it is ready, starts a job on it.
     * A dataset that is not ready gets a 422 with the report, whose findings say line by line what to fix.
     */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<JsonNode> create(@RequestParam("file") MultipartFile file,
                                    @RequestParam(name = "model", required = false) String model) throws IOException {
        String name = file.getOriginalFilename() == null ? "upload" : Path.of(file.getOriginalFilename()).getFileName().toString();
        String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        if (!EXTENSIONS.contains(extension)) {
            throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Not a dataset file",
                    "'" + name + "' is not .csv, .tsv, .jsonl, .json or .xlsx; upload the dataset as one of those");
        }
        String base = model == null || model.isBlank() ? settings.model() : model;
        // the client's name is never a path here: only its extension is kept, which tells the reader the format
        Path upload = Files.createTempFile("upload-", "." + extension);
        try {
            file.transferTo(upload);
            try (Preparation p = fineTuner.prepare(upload, PrepareOptions.defaults())) {
                ValidationReport report = p.report(base);
                if (!report.isReady()) {
                    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY,
                            report.errorCount() + " error(s) in " + name + " block training on " + report.model().name()
                                    + "; fix the findings below and upload it again");
                    problem.setTitle("Not ready for fine-tuning");
                    problem.setProperty("report", reportJson(report, name));
                    throw new ApiError(problem);
                }
                FineTuneJob job = p.start(base);
                store.insert(job.job(), name);
                tracker.follow(job.id());
                ObjectNode body = json.createObjectNode();
                body.put("id", job.id());
                body.put("status", job.job().status().asString());
                body.put("model", job.job().model());
                body.set("report", reportJson(report, name));
                return ResponseEntity.created(URI.create("/fine-tunes/" + job.id())).body(body);
            }
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    /** The report as the library writes it, without this machine's temporary paths. */
    private JsonNode reportJson(ValidationReport report, String name) throws IOException {
        ObjectNode r = (ObjectNode) json.readTree(report.toJson());
        r.put("file", name);
        r.remove("trainingFile");
        r.remove("validationFile");
        return r;
    }

    @GetMapping("/{id}")
    JobView get(@PathVariable String id) {
        JobStore.JobRow row = row(id);
        return new JobView(row.id(), row.model(), row.fileName(), row.status(), row.fineTunedModel(), row.error(),
                row.lastEventId(), store.eventCount(id), row.repeatedEvents(), row.followed(), tracker.isFollowing(id),
                row.lastWebhookId());
    }

    /**
     * A job as the service knows it.
     *
     * @param id the job id
     * @param model the base model
     * @param file the uploaded file's name
     * @param status the status last heard
     * @param fineTunedModel the trained model, once succeeded
     * @param error why it failed, if it did
     * @param lastEventId the last event delivered: where following resumes
     * @param events how many events are stored
     * @param repeatedEvents events delivered more than once (the follower promises 0)
     * @param followed whether it was followed to its end
     * @param following whether this instance follows it now
     * @param lastWebhookId the last webhook heard about it
     */
    record JobView(String id, String model, String file, String status, String fineTunedModel, String error,
                   String lastEventId, int events, int repeatedEvents, boolean followed, boolean following,
                   String lastWebhookId) {
    }

    /**
     * The job's events as Server-Sent Events, each with its id: those stored after {@code Last-Event-ID} (all
     * without one), then new ones as they come, and an {@code end} event once the job is followed to its end.
     * A client that reconnects with the last id it saw gets no event twice and misses none.
     */
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        row(id);
        int after = 0;
        if (lastEventId != null && !lastEventId.isBlank()) {
            after = store.seqOf(id, lastEventId.strip()).orElseThrow(() -> new ApiError(HttpStatus.BAD_REQUEST,
                    "Unknown Last-Event-ID", "job " + id + " has no event " + lastEventId.strip()
                            + "; reconnect with an id this stream sent, or without Last-Event-ID for every event"));
        }
        return hub.open(id, after);
    }

    /**
     * The prompt to complete.
     *
     * @param prompt the prompt, without the separator: the service adds the one the model was trained with
     */
    record CompleteRequest(String prompt) {
    }

    /**
     * A trained model's answer.
     *
     * @param model the fine-tuned model
     * @param prompt the prompt as given
     * @param separator the separator appended to it, as in training
     * @param answer the answer, without the stop sequence
     */
    record CompleteResponse(String model, String prompt, String separator, String answer) {
    }

    @PostMapping(path = "/{id}/complete", consumes = MediaType.APPLICATION_JSON_VALUE)
    CompleteResponse complete(@PathVariable String id, @RequestBody CompleteRequest request) {
        JobStore.JobRow row = row(id);
        if (request == null || request.prompt() == null || request.prompt().isBlank()) {
            throw new ApiError(HttpStatus.BAD_REQUEST, "No prompt", "send {\"prompt\": \"...\"}");
        }
        if (row.fineTunedModel() == null) {
            throw new ApiError(HttpStatus.CONFLICT, "No model yet", "job " + id + " is " + row.status()
                    + (row.terminal() ? " and has no model" : "; ask again when it has succeeded"));
        }
        // the job's metadata holds the prompt format it was trained with
        Job job = fineTuner.connection().jobs().retrieve(id);
        PromptFormat format = PromptFormat.fromMetadata(job.metadata());
        String answer = CompletionClient.of(fineTuner.connection(), row.fineTunedModel(), format).complete(request.prompt());
        return new CompleteResponse(row.fineTunedModel(), request.prompt(), format.separator(), answer);
    }

    private JobStore.JobRow row(String id) {
        return store.find(id).orElseThrow(() -> new ApiError(HttpStatus.NOT_FOUND, "No such fine-tune",
                "this service started no job " + id));
    }
}
