package dev.finetuner.samples.service;

import dev.finetuner.FineTuner;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Webhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.net.URI;
import java.util.Optional;

/** The fine-tuner, on the embedded backend unless an API is configured, and the webhook verifier. */
@Configuration(proxyBeanMethods = false)
class FineTunerConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(FineTunerConfiguration.class);

    /** Matches when neither {@code finetuner.api-key} nor {@code finetuner.base-url} is set. */
    static final class OnEmbeddedBackend implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return ServiceSettings.blank(context.getEnvironment().getProperty("finetuner.api-key"))
                    && ServiceSettings.blank(context.getEnvironment().getProperty("finetuner.base-url"));
        }
    }

    /**
     * The embedded OpenAI-compatible backend on loopback. Its webhooks go to this service's own endpoint when the
     * port is fixed (a free port picked at start is not known yet when the backend starts).
     */
    @Bean(destroyMethod = "close")
    @Conditional(OnEmbeddedBackend.class)
    LocalOpenAi localOpenAi(ServiceSettings settings, @Value("${server.port:8080}") int port) {
        LocalOpenAi.Builder b = LocalOpenAi.builder().speed(settings.localSpeed());
        if (settings.localWebhooks() && port > 0) {
            URI url = URI.create("http://127.0.0.1:" + port + WebhookController.PATH);
            if (ServiceSettings.blank(settings.webhookSecret())) {
                b.webhook(url);
            } else {
                b.webhook(url, settings.webhookSecret());
            }
        }
        LocalOpenAi local = b.build();
        LOG.info("no OPENAI_API_KEY: fine-tuning on the embedded backend at {}", local.baseUrl());
        return local;
    }

    @Bean(destroyMethod = "close")
    FineTuner fineTuner(ServiceSettings settings, ObjectProvider<LocalOpenAi> local) {
        FineTuner.Builder b = FineTuner.builder();
        LocalOpenAi embedded = local.getIfAvailable();
        if (embedded != null) {
            b.baseUrl(embedded.baseUrl()).apiKey("local");
        } else {
            if (!ServiceSettings.blank(settings.apiKey())) {
                b.apiKey(settings.apiKey());
            }
            if (!ServiceSettings.blank(settings.baseUrl())) {
                b.baseUrl(settings.baseUrl());
            }
        }
        FollowOptions follow = FollowOptions.defaults().withMaxRequestsPerMinute(settings.maxRequestsPerMinute());
        if (settings.pollInterval() != null) {
            follow = follow.withInterval(settings.pollInterval());
        }
        return b.follow(follow).build();
    }

    /** The verifier of {@code /webhooks/openai}: the configured secret, else the embedded backend's own. */
    @Bean
    WebhookVerifier webhookVerifier(ServiceSettings settings, ObjectProvider<LocalOpenAi> local) {
        Optional<String> secret = ServiceSettings.blank(settings.webhookSecret())
                ? Optional.ofNullable(local.getIfAvailable()).flatMap(LocalOpenAi::webhookSecret)
                : Optional.of(settings.webhookSecret());
        return new WebhookVerifier(secret.map(Webhooks::verifier));
    }

    /**
     * The webhook verifier, when a secret is known.
     *
     * @param webhooks the verifier, empty when the service has no secret (webhooks are then refused)
     */
    record WebhookVerifier(Optional<Webhooks> webhooks) {
    }
}
