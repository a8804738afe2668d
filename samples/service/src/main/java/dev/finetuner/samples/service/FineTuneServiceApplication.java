package dev.finetuner.samples.service;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A fine-tuning service as a backend team would embed finetuner: uploads become prepared datasets and jobs,
 * jobs are followed in the background from where the database says the service stopped, their events are
 * streamed as Server-Sent Events, webhooks are verified and heard by the same listener, and trained models
 * answer with the separator they were trained with. Run it with {@code mvn -pl samples/service -am spring-boot:run}.
 */
@SpringBootApplication
@EnableConfigurationProperties(ServiceSettings.class)
public class FineTuneServiceApplication {
    /**
     * Starts the service.
     *
     * @param args Spring Boot's command line, e.g. {@code --server.port=9090}
     */
    public static void main(String[] args) {
        SpringApplication.run(FineTuneServiceApplication.class, args);
    }
}
