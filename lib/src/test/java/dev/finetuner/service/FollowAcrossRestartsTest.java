package dev.finetuner.service;

import dev.finetuner.ApiException;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The follower and the backend both die mid-job; a new follower on the restarted backend resumes after
 * the last event the first one delivered, and between them every event arrives exactly once, in order.
 */
class FollowAcrossRestartsTest {
    @TempDir
    Path dir;

    private static OpenAiConnection connect(LocalOpenAi local) {
        return OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(2)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(5)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    @Test
    void a_follower_and_a_backend_killed_mid_job_resume_without_losing_or_repeating_an_event() throws IOException {
        // given: a job that runs for a few seconds on a backend that keeps its state on disk
        Path storage = dir.resolve("storage");
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 200)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" " + (i % 2 == 0 ? "a" : "b") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        List<String> seen = new ArrayList<>();
        String jobId;
        String lastSeen;
        LocalOpenAi first = LocalOpenAi.builder().speed(300).storageDirectory(storage).build();
        try (OpenAiConnection api = connect(first)) {
            FileInfo file = api.files().upload(train);
            jobId = api.jobs().create(JobRequest.builder("babbage-002", file.id())
                    .hyperparameters(Hyperparameters.auto().withEpochs(3).withBatchSize(2)).build()).id();
            // when: the backend dies once the first follower has seen a few metric events
            try (JobFollower.EventStream events = api.follower().events(jobId, null)) {
                while (events.hasNext()) {
                    JobEvent e = events.next();
                    seen.add(e.id());
                    if (e.metrics().isPresent() && e.metrics().get().step().orElse(0) >= 5) {
                        first.close();
                    }
                }
            } catch (ApiException expected) {
                // the first follower dies with the backend
            }
            lastSeen = seen.get(seen.size() - 1);
        } finally {
            first.close();
        }
        List<String> resumed = new ArrayList<>();
        try (LocalOpenAi second = LocalOpenAi.builder().speed(LocalOpenAi.FAST).storageDirectory(storage).build();
             OpenAiConnection api = connect(second)) {
            Job done = api.follower().follow(jobId, lastSeen, FollowListener.of(e -> resumed.add(e.id())));
            // then
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            List<String> all = api.jobs().allEvents(jobId).stream().map(JobEvent::id).toList();
            List<String> both = new ArrayList<>(seen);
            both.addAll(resumed);
            assertThat(both).containsExactlyElementsOf(all);
            assertThat(seen).isNotEmpty();
            assertThat(resumed).isNotEmpty();
        }
    }
}
