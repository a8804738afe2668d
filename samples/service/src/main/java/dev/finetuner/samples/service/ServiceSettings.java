package dev.finetuner.samples.service;

import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The service's {@code finetuner.*} settings.
 *
 * @param apiKey the API key ({@code OPENAI_API_KEY}); with neither it nor {@code baseUrl} the embedded backend runs
 * @param baseUrl an OpenAI-compatible base URL ending in {@code /v1} ({@code OPENAI_BASE_URL}), or blank
 * @param webhookSecret the {@code whsec_...} secret of the webhook endpoint ({@code OPENAI_WEBHOOK_SECRET}), or blank
 * @param model the base model trained when an upload names none
 * @param follow whether jobs are polled for their events; false: only webhooks tell of their ends
 * @param pollInterval the pause between polls of a job, or null for the library's defaults
 * @param maxRequestsPerMinute the follower's request budget per job
 * @param retryAfter how long after a follow failed (the API was unreachable beyond the retry policy) it resumes
 * @param localSpeed the embedded backend's simulated seconds per second
 * @param localWebhooks whether the embedded backend sends its webhooks to this service's {@code /webhooks/openai}
 */
@ConfigurationProperties("finetuner")
public record ServiceSettings(String apiKey, String baseUrl, String webhookSecret,
                              @DefaultValue("davinci-002") String model,
                              @DefaultValue("true") boolean follow,
                              Duration pollInterval,
                              @DefaultValue("" + FollowOptions.DEFAULT_MAX_REQUESTS_PER_MINUTE) int maxRequestsPerMinute,
                              @DefaultValue("30s") Duration retryAfter,
                              @DefaultValue("" + LocalOpenAi.DEFAULT_SPEED) double localSpeed,
                              @DefaultValue("true") boolean localWebhooks) {
    /** {@return whether no API is configured, so the embedded backend is started} */
    public boolean embedded() {
        return blank(apiKey) && blank(baseUrl);
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** Never shows the key or the secret. */
    @Override
    public String toString() {
        return "ServiceSettings[" + (embedded() ? "embedded backend" : "base URL " + (blank(baseUrl) ? "api.openai.com" : baseUrl))
                + ", key " + (blank(apiKey) ? "none" : "hidden") + ", webhook secret " + (blank(webhookSecret) ? "none" : "hidden")
                + ", model " + model + ", follow " + follow + "]";
    }
}
