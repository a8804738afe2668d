package dev.finetuner;

import com.sun.net.httpserver.HttpServer;
import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RetryPolicy;
import dev.finetuner.service.WebhookEvent;
import dev.finetuner.service.Webhooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A service's webhook endpoint, tested offline: {@link LocalOpenAi} POSTs a signed event when a job ends,
 * {@link Webhooks} verifies it, and {@link FineTuner#outcome} turns it into the outcome a wait would give.
 */
class FineTunerWebhookTest {
    private static final String SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("a-secret-only-this-test-knows-32".getBytes(StandardCharsets.UTF_8));

    /** What the test endpoint received: headers (first value of each) and body. */
    record Delivery(Map<String, String> headers, String body) {
    }

    @TempDir
    Path dir;
    private HttpServer endpoint;
    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    /** How many deliveries the endpoint answers 503 before it answers 200. */
    private final AtomicInteger refuseFirst = new AtomicInteger();

    @BeforeEach
    void startEndpoint() throws IOException {
        endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/hooks", exchange -> {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, v.get(0)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            deliveries.add(new Delivery(headers, body));
            exchange.sendResponseHeaders(refuseFirst.getAndDecrement() > 0 ? 503 : 200, -1);
            exchange.close();
        });
        endpoint.start();
    }

    @AfterEach
    void stopEndpoint() {
        endpoint.stop(0);
    }

    private URI hooks() {
        return URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hooks");
    }

    private Delivery next() throws InterruptedException {
        Delivery d = deliveries.poll(30, TimeUnit.SECONDS);
        assertThat(d).as("a webhook within 30 s").isNotNull();
        return d;
    }

    private static FineTuner fineTuner(LocalOpenAi local) {
        return FineTuner.builder().apiKey("test").baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    private Path reviewsCsv() throws IOException {
        String rows = IntStream.range(0, 60).mapToObj(i -> "\"the food was " + (i % 2 == 0 ? "great" : "awful")
                + " on day " + i + "\"," + (i % 2 == 0 ? "positive" : "negative")).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve("reviews.csv"), "prompt,completion\n" + rows + "\n");
    }

    @Test
    void a_succeeded_job_is_delivered_signed_retried_after_a_503_and_yields_a_model_that_answers() throws Exception {
        // given: an endpoint that refuses the first delivery
        refuseFirst.set(1);
        Webhooks webhooks = Webhooks.verifier(SECRET);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).webhook(hooks(), SECRET).build();
             FineTuner ft = fineTuner(local)) {
            FineTuneJob job = ft.prepare(reviewsCsv(), PrepareOptions.defaults()).start("babbage-002");
            // when
            Delivery refused = next();
            Delivery delivered = next();
            WebhookEvent event = webhooks.verify(delivered.headers(), delivered.body());
            JobOutcome outcome = ft.outcome(event);
            // then
            assertThat(delivered.headers().get("Webhook-id")).isEqualTo(refused.headers().get("Webhook-id"));
            assertThat(event.type()).isEqualTo("fine_tuning.job.succeeded");
            assertThat(event.jobId()).isEqualTo(job.id());
            assertThat(event.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Succeeded.class, s -> {
                assertThat(s.model().id()).startsWith("ft:babbage-002");
                assertThat(s.model().complete("the food was great on day 1000")).isEqualTo("positive");
            });
        }
    }

    @Test
    void a_failed_job_is_delivered_as_failed_and_yields_its_error() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).webhook(hooks(), SECRET)
                .faults(FaultPlan.builder().failJobs(FaultPlan.times(1)).build()).build();
             FineTuner ft = fineTuner(local)) {
            FineTuneJob job = ft.prepare(reviewsCsv(), PrepareOptions.defaults()).start("babbage-002");
            // when
            Delivery d = next();
            JobOutcome outcome = ft.outcome(Webhooks.verifier(SECRET).verify(d.headers(), d.body()));
            // then
            assertThat(outcome.jobId()).isEqualTo(job.id());
            assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class,
                    f -> assertThat(f.error()).isPresent());
        }
    }

    @Test
    void a_cancelled_job_is_delivered_as_cancelled() throws Exception {
        // given: a job on a real-time clock, which will not end by itself during the test
        try (LocalOpenAi local = LocalOpenAi.builder().speed(1).webhook(hooks()).build();
             FineTuner ft = fineTuner(local)) {
            FineTuneJob job = ft.prepare(reviewsCsv(), PrepareOptions.defaults()).start("babbage-002");
            // when
            job.cancel();
            Delivery d = next();
            WebhookEvent event = Webhooks.verifier(local.webhookSecret().orElseThrow()).verify(d.headers(), d.body());
            // then
            assertThat(event.type()).isEqualTo("fine_tuning.job.cancelled");
            assertThat(ft.outcome(event)).isInstanceOf(JobOutcome.Cancelled.class);
        }
    }

    @Test
    void a_delivery_checked_with_another_secret_is_refused() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).webhook(hooks()).build();
             FineTuner ft = fineTuner(local)) {
            ft.prepare(reviewsCsv(), PrepareOptions.defaults()).start("babbage-002");
            Delivery d = next();
            // when / then: the backend generated its own secret, not ours
            assertThatThrownBy(() -> Webhooks.verifier(SECRET).verify(d.headers(), d.body()))
                    .isInstanceOfSatisfying(WebhookException.class,
                            e -> assertThat(e.reason()).isEqualTo(WebhookException.Reason.BAD_SIGNATURE));
        }
    }

    @Test
    void a_webhook_url_off_this_machine_is_refused() {
        assertThatThrownBy(() -> LocalOpenAi.builder().webhook(URI.create("http://192.0.2.1/hooks"), SECRET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }
}
