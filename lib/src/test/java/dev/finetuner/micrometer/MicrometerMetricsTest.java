package dev.finetuner.micrometer;

import dev.finetuner.ApiException;
import dev.finetuner.FineTuneJob;
import dev.finetuner.FineTuner;
import dev.finetuner.JobFailedException;
import dev.finetuner.JobOutcome;
import dev.finetuner.Preparation;
import dev.finetuner.PrepareOptions;
import dev.finetuner.TrainedModel;
import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.RetryPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a service sees in its Micrometer registry when it runs fine-tunes on the embedded backend. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MicrometerMetricsTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private FineTuner fineTuner(LocalOpenAi local) {
        return FineTuner.builder().apiKey("test").baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .listener(new MicrometerMetrics(registry))
                .build();
    }

    /** A labelled CSV: positive and negative reviews. */
    private Path reviewsCsv(int n) throws IOException {
        String rows = IntStream.range(0, n).mapToObj(i -> "\"the " + (i % 2 == 0 ? "friendly" : "rude") + " staff on day "
                + i + "\"," + (i % 2 == 0 ? "positive" : "negative")).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve("reviews.csv"), "prompt,completion\n" + rows + "\n");
    }

    private Timer requests(String endpoint, String status) {
        return registry.find(MicrometerMetrics.REQUESTS).tags("endpoint", endpoint, "status", status).timer();
    }

    private long requestCount(String endpoint, String status) {
        Timer t = requests(endpoint, status);
        return t == null ? 0 : t.count();
    }

    private double counted(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void a_whole_lifecycle_is_timed_by_endpoint_and_status_and_its_job_counted_once_as_succeeded() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(80), PrepareOptions.defaults());
            // when: upload, create, follow to success, complete
            FineTuneJob job = p.start("babbage-002");
            JobOutcome outcome = job.awaitOutcome(WAIT);
            TrainedModel model = ((JobOutcome.Succeeded) outcome).model();
            model.complete("the friendly staff on day 1000");
            // then
            assertThat(requestCount("files.upload", "2xx")).isEqualTo(1);
            assertThat(requestCount("jobs.create", "2xx")).isEqualTo(1);
            assertThat(requestCount("jobs.retrieve", "2xx")).isGreaterThanOrEqualTo(outcome.polls());
            assertThat(requestCount("jobs.events", "2xx")).isGreaterThanOrEqualTo(outcome.polls());
            assertThat(requestCount("completions.create", "2xx")).isEqualTo(1);
            assertThat(requests("jobs.create", "2xx").totalTime(TimeUnit.NANOSECONDS)).isPositive();
            long timed = registry.find(MicrometerMetrics.REQUESTS).timers().stream().mapToLong(Timer::count).sum();
            assertThat(timed).as("every request sent is timed once").isEqualTo(ft.connection().requestsSent());
            assertThat(counted(MicrometerMetrics.POLLS)).isEqualTo(outcome.polls());
            assertThat(counted(MicrometerMetrics.JOBS_FINISHED, "status", "succeeded")).isEqualTo(1);
            assertThat(registry.find(MicrometerMetrics.RETRIES).counters()).isEmpty();
            assertThat(registry.getMeters()).flatExtracting(m -> m.getId().getTags()).extracting(Tag::getValue)
                    .as("no id becomes a tag").noneMatch(v -> v.startsWith("ftjob-") || v.startsWith("file-")
                            || v.startsWith("ft:"));
        }
    }

    @Test
    void awaiting_an_ended_job_again_does_not_count_it_again() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build(); FineTuner ft = fineTuner(local)) {
            // given: a job followed to its end
            FineTuneJob job = ft.prepare(reviewsCsv(40), PrepareOptions.defaults()).start("babbage-002");
            job.await(WAIT);
            // when: awaited again, and reattached by id and awaited
            job.await(WAIT);
            ft.job(job.id()).await(WAIT);
            // then
            assertThat(counted(MicrometerMetrics.JOBS_FINISHED, "status", "succeeded")).isEqualTo(1);
        }
    }

    @Test
    void a_failed_job_is_counted_as_failed() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
                .faults(FaultPlan.builder().failJobs(FaultPlan.times(1)).build()).build();
             FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(40), PrepareOptions.defaults());
            // when
            assertThatThrownBy(() -> p.train("babbage-002")).isInstanceOf(JobFailedException.class);
            // then
            assertThat(counted(MicrometerMetrics.JOBS_FINISHED, "status", "failed")).isEqualTo(1);
            assertThat(registry.find(MicrometerMetrics.JOBS_FINISHED).tag("status", "succeeded").counter()).isNull();
        }
    }

    @Test
    void rate_limits_server_errors_and_dropped_connections_show_as_retries_and_as_requests_by_status() throws IOException {
        // given: two 429s on the upload, a 500 on the create, a dropped connection on the events
        FaultPlan faults = FaultPlan.builder()
                .rateLimit("POST /v1/files", Duration.ofMillis(10), FaultPlan.times(2))
                .serverError("POST /v1/fine_tuning/jobs$", 500, FaultPlan.times(1))
                .dropConnection("/events", FaultPlan.times(1))
                .build();
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).faults(faults).build();
             FineTuner ft = fineTuner(local)) {
            // when
            ft.prepare(reviewsCsv(40), PrepareOptions.defaults()).train("babbage-002");
            // then
            assertThat(requestCount("files.upload", "429")).isEqualTo(2);
            assertThat(requestCount("files.upload", "2xx")).isEqualTo(1);
            assertThat(counted(MicrometerMetrics.RETRIES, "endpoint", "files.upload", "status", "429")).isEqualTo(2);
            assertThat(requestCount("jobs.create", "500")).isEqualTo(1);
            assertThat(requestCount("jobs.create", "2xx")).isEqualTo(1);
            assertThat(counted(MicrometerMetrics.RETRIES, "endpoint", "jobs.create", "status", "500")).isEqualTo(1);
            assertThat(requestCount("jobs.events", "io_error")).isEqualTo(1);
            assertThat(counted(MicrometerMetrics.RETRIES, "endpoint", "jobs.events", "status", "io_error")).isEqualTo(1);
            double retries = registry.find(MicrometerMetrics.RETRIES).counters().stream().mapToDouble(Counter::count).sum();
            assertThat(retries).isEqualTo(4);
        }
    }

    @Test
    void an_answer_that_is_not_the_apis_json_is_timed_as_invalid_response_and_not_retried() {
        try (LocalOpenAi local = LocalOpenAi.builder()
                .faults(FaultPlan.builder().malformedBody("GET /v1/files", FaultPlan.times(1)).build()).build();
             FineTuner ft = fineTuner(local)) {
            // when
            assertThatThrownBy(() -> ft.connection().files().list()).isInstanceOf(ApiException.class);
            // then
            assertThat(requestCount("files.list", "invalid_response")).isEqualTo(1);
            assertThat(registry.find(MicrometerMetrics.RETRIES).counters()).isEmpty();
        }
    }

    @Test
    void preparing_for_a_model_counts_its_training_tokens_once_under_that_model() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); FineTuner ft = fineTuner(local)) {
            // given
            Preparation p = ft.prepare(reviewsCsv(40), PrepareOptions.builder().validationFraction(0.25).build());
            // when: the report for a model prepares the data for it; asking again prepares nothing
            long tokens = p.report("davinci-002").tokens().training();
            p.report("davinci-002");
            // then
            assertThat(tokens).isPositive();
            assertThat(counted(MicrometerMetrics.TOKENS_PREPARED, "model", "davinci-002")).isEqualTo(tokens);
            Meter.Id id = registry.find(MicrometerMetrics.TOKENS_PREPARED).counter().getId();
            assertThat(id.getBaseUnit()).isEqualTo("tokens");
            assertThat(ft.connection().requestsSent()).as("preparing needs no network").isZero();
        }
    }
}
