package dev.finetuner.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every fault a {@link FaultPlan} can inject, observed from a client. */
class LocalOpenAiFaultsTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock();
    private LocalOpenAi local;
    private OpenAIClient client;

    private void start(FaultPlan plan) {
        local = LocalOpenAi.builder().clock(clock).faults(plan).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        client.close();
        local.close();
    }

    private FineTuningJob trainToEnd() {
        Path file = TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(20, 8)));
        String fileId = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE)
                .build()).id();
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(fileId).build());
        clock.advance(TestData.LONG_ENOUGH);
        return client.fineTuning().jobs().retrieve(created.id());
    }

    @Test
    void a_rate_limit_answers_429_with_retry_after_for_the_first_matching_requests() {
        // given
        start(FaultPlan.builder().rateLimit("GET /v1/models$", Duration.ofMillis(1500), FaultPlan.times(2)).build());
        // when
        HttpResponse<String> first = Raw.get(local.baseUrl() + "/models", "test");
        RateLimitException second = catchThrowableOfType(RateLimitException.class, () -> client.models().list());
        HttpResponse<String> third = Raw.get(local.baseUrl() + "/models", "test");
        // then
        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("retry-after")).hasValue("2");
        assertThat(first.headers().firstValue("retry-after-ms")).hasValue("1500");
        assertThat(Raw.error(first).get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(second.headers().values("retry-after")).containsExactly("2");
        assertThat(third.statusCode()).isEqualTo(200);
    }

    @Test
    void a_server_error_answers_the_status_asked_for() {
        // given
        start(FaultPlan.builder().serverError("GET /v1/fine_tuning/jobs$", 503, FaultPlan.always()).build());
        // when
        InternalServerException e = catchThrowableOfType(InternalServerException.class,
                () -> client.fineTuning().jobs().list());
        HttpResponse<String> raw = Raw.get(local.baseUrl() + "/fine_tuning/jobs", "test");
        // then
        assertThat(e.statusCode()).isEqualTo(503);
        assertThat(raw.statusCode()).isEqualTo(503);
        assertThat(Raw.error(raw).get("type").asText()).isEqualTo("server_error");
        assertThat(raw.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    }

    @Test
    void a_dropped_connection_ends_the_request_without_a_response() {
        // given
        // (a POST: the JDK client silently retries a GET once on a closed connection)
        start(FaultPlan.builder().dropConnection("POST /v1/uploads$", FaultPlan.times(1)).build());
        String body = "{\"bytes\":3,\"filename\":\"a.jsonl\",\"mime_type\":\"text/jsonl\",\"purpose\":\"fine-tune\"}";
        // when
        var request = Raw.request(local.baseUrl() + "/uploads", "test").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
        // then
        assertThatThrownBy(() -> Raw.HTTP.send(request, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        assertThat(Raw.post(local.baseUrl() + "/uploads", body, "test").statusCode()).isEqualTo(200);
    }

    @Test
    void a_slow_response_arrives_after_the_delay() {
        // given
        start(FaultPlan.builder().delay("GET /v1/models$", Duration.ofMillis(300), FaultPlan.probability(1.0)).build());
        long started = System.nanoTime();
        // when
        HttpResponse<String> r = Raw.get(local.baseUrl() + "/models", "test");
        // then
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void a_malformed_body_is_cut_short_json() {
        // given
        start(FaultPlan.builder().malformedBody("GET /v1/models$", FaultPlan.times(1)).build());
        // when
        HttpResponse<String> r = Raw.get(local.baseUrl() + "/models", "test");
        // then
        assertThat(r.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> new ObjectMapper().readTree(r.body())).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void a_planned_job_failure_fails_the_job_half_way_through_training() {
        // given
        start(FaultPlan.builder().failJobs(FaultPlan.times(1)).build());
        // when
        FineTuningJob job = trainToEnd();
        // then
        assertThat(job.status()).isEqualTo(FineTuningJob.Status.FAILED);
        assertThat(job.error().orElseThrow().code()).isEqualTo("server_error");
        long metrics = client.fineTuning().jobs().listEvents(job.id()).autoPager().stream()
                .filter(e -> e.type().map(t -> t.equals(FineTuningJobEvent.Type.METRICS)).orElse(false)).count();
        assertThat(metrics).isPositive();
        assertThat(trainToEnd().status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
    }

    @Test
    void a_new_model_answers_404_for_its_first_calls() {
        // given
        start(FaultPlan.builder().modelNotFoundFor(2).build());
        String model = trainToEnd().fineTunedModel().orElseThrow();
        CompletionCreateParams params = CompletionCreateParams.builder().model(model).prompt("great product"
                + TestData.SEPARATOR).maxTokens(1L).temperature(0.0).build();
        // when
        NotFoundException first = catchThrowableOfType(NotFoundException.class, () -> client.completions().create(params));
        NotFoundException second = catchThrowableOfType(NotFoundException.class, () -> client.completions().create(params));
        String third = client.completions().create(params).choices().get(0).text();
        // then
        assertThat(first.code()).hasValue("model_not_found");
        assertThat(second).isNotNull();
        assertThat(third).isEqualTo(" positive");
    }
}
