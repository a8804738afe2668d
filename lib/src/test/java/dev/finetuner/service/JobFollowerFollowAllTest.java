package dev.finetuner.service;

import dev.finetuner.internal.ManualClock;
import dev.finetuner.internal.ManualScheduler;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Many jobs followed at once: on two real threads against the embedded backend, each job's events once
 * and in order; on a manual scheduler and clock, exact polls per job.
 */
class JobFollowerFollowAllTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @Test
    void jobs_resumed_each_from_its_own_last_event_on_one_scheduler_get_exactly_the_rest() throws Exception {
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 20)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" " + (i % 2 == 0 ? "a" : "b") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(20)).withMaxRequestsPerMinute(100_000))
                     .build()) {
            // given: three ended jobs, and for each a different number of events already delivered (as a
            // restarted service reads its cursors back from its database)
            FileInfo file = api.files().upload(train);
            Map<String, List<String>> truth = new java.util.LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
                String id = api.jobs().create(JobRequest.builder("babbage-002", file.id())
                        .hyperparameters(Hyperparameters.auto().withEpochs(1)).build()).id();
                api.follower().follow(id, FollowListener.NONE);
                truth.put(id, api.jobs().allEvents(id).stream().map(JobEvent::id).toList());
            }
            List<String> ids = new ArrayList<>(truth.keySet());
            int[] delivered = {0, 3, truth.get(ids.get(2)).size() - 1};
            Map<String, List<String>> seen = new ConcurrentHashMap<>();
            // when: each is followed from its own cursor on the one scheduler thread
            List<CompletableFuture<Job>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = ids.get(i);
                String after = delivered[i] == 0 ? null : truth.get(id).get(delivered[i] - 1);
                futures.add(api.follower().followScheduled(id, after,
                        FollowListener.of(e -> seen.computeIfAbsent(id, k -> new ArrayList<>()).add(e.id())), scheduler));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // then: exactly the events after each cursor, in order
            for (int i = 0; i < 3; i++) {
                List<String> all = truth.get(ids.get(i));
                assertThat(seen.getOrDefault(ids.get(i), List.of())).as(ids.get(i))
                        .containsExactlyElementsOf(all.subList(delivered[i], all.size()));
                assertThat(futures.get(i).join().status()).isEqualTo(JobStatus.SUCCEEDED);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

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
        try (FakeJobsApi fake = new FakeJobsApi(); OpenAiConnection api = onManualClock(fake)) {
            // given: two jobs that run on, polled at 0, 0.25, 0.75, 1.75, 3.75, 7.75 s, then every 5 s
            fake.status("running");
            Map<String, CompletableFuture<Job>> futures = api.follower().followAll(List.of("ftjob-a", "ftjob-b"),
                    id -> FollowListener.NONE, scheduler);
            scheduler.runFor(Duration.ofSeconds(12)); // six polls of two requests each
            assertThat(fake.requests("ftjob-a")).isEqualTo(12);
            assertThat(fake.requests("ftjob-b")).isEqualTo(12);
            // when
            futures.get("ftjob-a").cancel(true);
            scheduler.runFor(Duration.ofSeconds(10)); // b's polls at 12.75 and 17.75 s
            // then: b is still being followed, a is not
            assertThat(futures.get("ftjob-a")).isCancelled();
            assertThat(futures.get("ftjob-b")).isNotDone();
            assertThat(fake.requests("ftjob-a")).isEqualTo(12);
            assertThat(fake.requests("ftjob-b")).isEqualTo(16);
            assertThat(scheduler.pending()).as("only b's next poll").isEqualTo(1);
            assertThat(clock.sleeps()).as("no scheduler thread slept").isEmpty();
        }
    }

    @Test
    void each_future_completes_with_its_final_job_and_nothing_is_left_scheduled() throws Exception {
        try (FakeJobsApi fake = new FakeJobsApi(); OpenAiConnection api = onManualClock(fake)) {
            // given: the jobs succeed at the third retrieve (the fake's status is shared)
            fake.script(retrieve -> {
                if (retrieve == 3) {
                    fake.status("succeeded");
                }
            });
            // when
            Map<String, CompletableFuture<Job>> futures = api.follower().followAll(List.of("ftjob-a", "ftjob-b"),
                    id -> FollowListener.NONE, scheduler);
            scheduler.runFor(Duration.ofMinutes(1));
            // then: a saw it on its second poll (20 s, validating before), and so did b
            assertThat(futures.get("ftjob-a").join().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(futures.get("ftjob-b").join().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(fake.retrieves()).isEqualTo(4);
            assertThat(scheduler.pending()).isZero();
        }
    }

    @Test
    void a_listener_that_throws_ends_its_jobs_follow_with_that_exception() throws Exception {
        try (FakeJobsApi fake = new FakeJobsApi(); OpenAiConnection api = onManualClock(fake)) {
            // given
            fake.addEvent("Created fine-tuning job");
            // when
            Map<String, CompletableFuture<Job>> futures = api.follower().followAll(List.of("ftjob-a"),
                    id -> FollowListener.of(e -> {
                        throw new IllegalStateException("listener broke");
                    }), scheduler);
            scheduler.runFor(Duration.ofSeconds(1));
            // then: the first poll ended it, and nothing more was scheduled
            assertThatThrownBy(futures.get("ftjob-a")::join).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("listener broke");
            assertThat(fake.requests("ftjob-a")).isEqualTo(1);
            assertThat(scheduler.pending()).isZero();
        }
    }

    private OpenAiConnection onManualClock(FakeJobsApi fake) {
        fake.clock(clock::nanoTime);
        return OpenAiConnection.builder().apiKey("test").baseUrl(fake.baseUrl()).timing(clock).build();
    }
}
