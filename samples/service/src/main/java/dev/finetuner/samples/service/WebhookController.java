package dev.finetuner.samples.service;

import dev.finetuner.WebhookException;
import dev.finetuner.service.Job;
import dev.finetuner.service.WebhookEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's fine-tuning webhooks ({@code fine_tuning.job.succeeded}, {@code .failed}, {@code .cancelled}): verified
 * with the endpoint's secret, then heard by the listener that following uses, so the job's row says the same
 * whichever told it first. A bad signature or a stale timestamp gets a 401, a request that is not a webhook a 400,
 * both without touching any job; an event of another type is acknowledged and ignored.
 */
@RestController
class WebhookController {
    /** Where OpenAI (or the embedded backend) sends webhooks. */
    static final String PATH = "/webhooks/openai";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookController.class);

    private final FineTunerConfiguration.WebhookVerifier verifier;
    private final JobTracker tracker;

    WebhookController(FineTunerConfiguration.WebhookVerifier verifier, JobTracker tracker) {
        this.verifier = verifier;
        this.tracker = tracker;
    }

    @PostMapping(PATH)
    ResponseEntity<Void> receive(@RequestHeader HttpHeaders headers, @RequestBody byte[] body) {
        if (verifier.webhooks().isEmpty()) {
            throw new ApiError(HttpStatus.NOT_FOUND, "Webhooks are off",
                    "set OPENAI_WEBHOOK_SECRET to the endpoint's whsec_... secret to take webhooks");
        }
        Map<String, String> first = new LinkedHashMap<>();
        headers.forEach((name, values) -> first.put(name, values.isEmpty() ? null : values.get(0)));
        WebhookEvent event;
        try {
            // verified on the bytes as received: a body parsed and written again would not match its signature
            event = verifier.webhooks().get().verify(first, new String(body, StandardCharsets.UTF_8));
        } catch (WebhookException e) {
            return refused(e);
        }
        Optional<Job> job = tracker.webhook(event);
        if (job.isEmpty()) {
            LOG.info("webhook {} is about {}, which this service did not start: acknowledged, ignored", event.id(), event.jobId());
        }
        return ResponseEntity.ok().build();
    }

    private static ResponseEntity<Void> refused(WebhookException e) {
        switch (e.reason()) {
            case UNSUPPORTED_EVENT -> {
                LOG.info("{}", e.getMessage());
                return ResponseEntity.ok().build();
            }
            case BAD_SIGNATURE, BAD_TIMESTAMP -> {
                LOG.warn("webhook refused: {}", e.getMessage());
                throw new ApiError(HttpStatus.UNAUTHORIZED, "Webhook not verified", e.getMessage());
            }
            default -> {
                LOG.warn("webhook refused: {}", e.getMessage());
                throw new ApiError(HttpStatus.BAD_REQUEST, "Not a webhook", e.getMessage());
            }
        }
    }
}
