package dev.finetuner.service;

import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole lifecycle through our service layer, on the embedded backend: no network, no key. */
class ServiceOnLocalOpenAiTest {
    @TempDir
    Path dir;

    private Path trainingFile(int n) throws IOException {
        String[] topics = {"vpn", "printer", "password", "laptop"};
        String lines = IntStream.range(0, n).mapToObj(i -> {
            String topic = topics[i % topics.length];
            return "{\"prompt\":\"ticket " + i + " about my " + topic + " ->\",\"completion\":\" " + topic + "\\n\"}";
        }).collect(Collectors.joining("\n", "", "\n"));
        return Files.writeString(dir.resolve("train.jsonl"), lines);
    }

    private static OpenAiConnection connect(LocalOpenAi local) {
        return OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().maxAttempts(8).initialBackoff(Duration.ofMillis(2))
                        .maxBackoff(Duration.ofMillis(20)).maxRetryAfter(Duration.ofMillis(20)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(5)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    @Test
    void upload_train_follow_and_read_the_results_with_every_event_once_and_in_order() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             OpenAiConnection api = connect(local)) {
            // given
            FileInfo file = api.files().upload(trainingFile(120));
            Job job = api.jobs().create(JobRequest.builder("davinci-002", file.id())
                    .hyperparameters(Hyperparameters.auto().withEpochs(2).withBatchSize(8)).seed(7).build());
            List<JobEvent> events = new ArrayList<>();
            List<JobEvent.Metrics> metrics = new ArrayList<>();
            // when
            Job done = api.follower().follow(job.id(), new FollowListener() {
                @Override
                public void onEvent(JobEvent event) {
                    events.add(event);
                }

                @Override
                public void onMetrics(JobEvent.Metrics m, JobEvent event) {
                    metrics.add(m);
                }
            });
            // then
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.fineTunedModel()).isPresent();
            assertThat(events).extracting(JobEvent::id).doesNotHaveDuplicates();
            assertThat(events).extracting(JobEvent::createdAt).isSorted();
            List<JobEvent> listed = api.jobs().events(job.id(), null, 100).events();
            assertThat(events.get(events.size() - 1).id()).isEqualTo(listed.get(0).id());
            assertThat(metrics).extracting(m -> m.step().orElseThrow()).isSorted().doesNotHaveDuplicates();
            assertThat(metrics).allSatisfy(m -> assertThat(m.trainLoss()).isPresent());
            assertThat(api.jobs().checkpoints(job.id())).isNotEmpty();
            String csv = new String(api.files().download(done.resultFiles().get(0)), StandardCharsets.UTF_8);
            assertThat(csv).startsWith("step,train_loss");
        }
    }

    @Test
    void the_same_file_uploaded_twice_is_reused_and_a_large_one_goes_up_in_parts() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start(); OpenAiConnection api = connect(local)) {
            // given
            Path file = trainingFile(400);
            List<Long> progress = new ArrayList<>();
            // when
            FileInfo first = api.files().upload(file, UploadOptions.defaults().withoutReuse()
                    .withMultipart(1024, 4096, 3).withProgress((sent, total) -> progress.add(sent)));
            FileInfo again = api.files().upload(file);
            // then
            assertThat(again.id()).isEqualTo(first.id());
            assertThat(first.bytes()).isEqualTo(Files.size(file));
            assertThat(progress).isSorted().last().isEqualTo(Files.size(file));
            assertThat(api.files().download(first.id())).isEqualTo(Files.readAllBytes(file));
        }
    }

    @Test
    void following_through_rate_limits_server_errors_and_dropped_connections_loses_and_repeats_nothing()
            throws IOException {
        FaultPlan faults = FaultPlan.builder().seed(11)
                .serverError("/events", 500, FaultPlan.probability(0.15))
                .rateLimit("GET /v1/fine_tuning/jobs/", Duration.ofMillis(10), FaultPlan.probability(0.1))
                .dropConnection("/events", FaultPlan.probability(0.05))
                .build();
        try (LocalOpenAi faulty = LocalOpenAi.builder().speed(LocalOpenAi.FAST).faults(faults).build();
             OpenAiConnection api = connect(faulty)) {
            // given
            FileInfo file = api.files().upload(trainingFile(200));
            Job job = api.jobs().create(JobRequest.builder("davinci-002", file.id())
                    .hyperparameters(Hyperparameters.auto().withEpochs(3).withBatchSize(4)).build());
            List<String> seen = new ArrayList<>();
            List<RetryEvent> retries = new ArrayList<>();
            // when
            Job done = api.follower().follow(job.id(), new FollowListener() {
                @Override
                public void onEvent(JobEvent event) {
                    seen.add(event.id());
                }

                @Override
                public void onRetry(RetryEvent retry) {
                    retries.add(retry);
                }
            });
            // then: exactly the events the backend holds, oldest first, each once
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            List<String> all = api.jobs().allEvents(job.id()).stream().map(JobEvent::id).toList();
            assertThat(seen).containsExactlyElementsOf(all);
            assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
            assertThat(retries).isNotEmpty();
        }
    }
}
