package dev.finetuner.service;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Many jobs followed at once on two threads: each job's events once and in order, no thread per job. */
class JobFollowerFollowAllTest {
    @TempDir
    Path dir;

    @Test
    void a_hundred_jobs_on_two_threads_each_get_their_events_once_in_order() throws IOException, Exception {
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 20)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" " + (i % 2 == 0 ? "a" : "b") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(20)).withMaxRequestsPerMinute(100_000))
                     .build()) {
            // given
            FileInfo file = api.files().upload(train);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ids.add(api.jobs().create(JobRequest.builder("babbage-002", file.id())
                        .hyperparameters(Hyperparameters.auto().withEpochs(1)).build()).id());
            }
            Map<String, List<String>> seen = new ConcurrentHashMap<>();
            // when
            Map<String, CompletableFuture<Job>> futures = api.follower().followAll(ids,
                    id -> FollowListener.of(e -> seen.computeIfAbsent(id, k -> new ArrayList<>()).add(e.id())), scheduler);
            CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // then
            for (String id : ids) {
                assertThat(futures.get(id).join().status()).isEqualTo(JobStatus.SUCCEEDED);
                List<String> truth = api.jobs().allEvents(id).stream().map(JobEvent::id).toList();
                assertThat(seen.get(id)).as(id).containsExactlyElementsOf(truth);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void cancelling_one_future_stops_that_job_only() throws Exception {
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(1).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                     .build()) {
            // given: two slow jobs
            Path train = Files.writeString(dir.resolve("t.jsonl"), IntStream.range(0, 20)
                    .mapToObj(i -> "{\"prompt\":\"q " + i + " ->\",\"completion\":\" a" + i + "\\n\"}").collect(Collectors.joining("\n", "", "\n")));
            FileInfo file = api.files().upload(train);
            String a = api.jobs().create(JobRequest.builder("babbage-002", file.id()).build()).id();
            String b = api.jobs().create(JobRequest.builder("babbage-002", file.id()).build()).id();
            Map<String, CompletableFuture<Job>> futures = api.follower().followAll(List.of(a, b),
                    id -> FollowListener.NONE, scheduler);
            // when
            futures.get(a).cancel(true);
            long before = api.requestsSent();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // then: b is still being followed, a is not
            assertThat(futures.get(a)).isCancelled();
            assertThat(futures.get(b)).isNotDone();
            assertThat(api.requestsSent()).isGreaterThan(before);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
