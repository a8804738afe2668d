package dev.finetuner.service;

import dev.finetuner.ApiException;
import dev.finetuner.internal.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Following a job: every event once, oldest first, to the job's end, through faults and restarts. The
 * follower runs on a manual clock with the default intervals (5 s running, 20 s waiting) and budget (30
 * requests a minute): its pauses are exact and take no time.
 */
class JobFollowerTest {
    private final ManualClock clock = new ManualClock();
    private FakeJobsApi api;
    private OpenAiConnection connection;
    private JobFollower follower;

    @BeforeEach
    void start() throws Exception {
        api = new FakeJobsApi();
        api.clock(clock::nanoTime);
        connection = OpenAiConnection.builder().apiKey("test").baseUrl(api.baseUrl())
                .retry(RetryPolicy.builder().maxAttempts(6).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build())
                .timing(clock)
                .build();
        follower = connection.follower();
    }

    @AfterEach
    void stop() {
        connection.close();
        api.close();
    }

    /** A job that validates, queues, runs 30 steps (3 metric events per poll) and succeeds. */
    private List<String> scriptedRun() {
        List<String> expected = Collections.synchronizedList(new ArrayList<>());
        expected.add(api.addEvent("Created fine-tuning job"));
        api.script(poll -> {
            switch (poll) {
                case 1 -> expected.add(api.addEvent("Validating training file"));
                case 2 -> {
                    expected.add(api.addEvent("Files validated, moving job to queued state"));
                    api.status("queued");
                }
                case 3 -> {
                    expected.add(api.addEvent("Fine-tuning job started"));
                    api.status("running");
                }
                default -> {
                    if (poll < 14) {
                        for (int i = 0; i < 3; i++) {
                            int step = (poll - 4) * 3 + i + 1;
                            expected.add(api.addMetrics(step, 1.0 / step));
                        }
                    } else if (poll == 14) {
                        expected.add(api.addEvent("New fine-tuned model created"));
                        api.status("succeeded");
                        expected.add(api.addEvent("The job has successfully completed"));
                    }
                }
            }
        });
        return expected;
    }

    @Test
    void every_event_arrives_once_oldest_first_and_the_final_job_is_returned() {
        // given
        List<String> expected = scriptedRun();
        List<String> seen = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        // when
        Job done = follower.follow("ftjob-1", new FollowListener() {
            @Override
            public void onEvent(JobEvent event) {
                seen.add(event.id());
            }

            @Override
            public void onStatus(JobStatus from, JobStatus to, Job job) {
                statuses.add(to.asString());
            }

            @Override
            public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
                steps.add(metrics.step().orElseThrow());
            }
        });
        // then
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.fineTunedModel()).contains("ft:davinci-002:org-test::abc123");
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(statuses).containsExactly("validating_files", "queued", "running", "succeeded");
        assertThat(steps).hasSize(30).isSorted();
    }

    @Test
    void a_follow_resumed_after_an_event_delivers_only_what_came_after_it() {
        // given: a finished job with 12 events, the first 5 seen by an earlier run
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(api.addEvent("event " + i));
        }
        api.status("succeeded");
        List<String> seen = new ArrayList<>();
        // when
        Job done = follower.follow("ftjob-1", ids.get(4), FollowListener.of(e -> seen.add(e.id())));
        // then
        assertThat(seen).containsExactlyElementsOf(ids.subList(5, 12));
        assertThat(done.status().isTerminal()).isTrue();
    }

    @Test
    void the_jobs_service_follows_too_with_the_connections_options() {
        // given
        List<String> expected = scriptedRun();
        List<String> seen = new ArrayList<>();
        // when
        Job done = connection.jobs().follow("ftjob-1", expected.get(0), FollowListener.of(e -> seen.add(e.id())));
        // then
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(seen).containsExactlyElementsOf(expected.subList(1, expected.size()));
    }

    @Test
    void many_events_between_polls_are_paged_back_and_delivered_in_order() {
        // given: 250 events appear at once, pages hold 7
        follower = follower.withOptions(follower.options().withPageSize(7));
        List<String> expected = new ArrayList<>();
        expected.add(api.addEvent("start"));
        api.script(poll -> {
            if (poll == 2) {
                for (int i = 0; i < 250; i++) {
                    expected.add(api.addEvent("burst " + i));
                }
            }
            if (poll == 3) {
                api.status("succeeded");
            }
        });
        List<String> seen = new ArrayList<>();
        // when
        follower.follow("ftjob-1", FollowListener.of(e -> seen.add(e.id())));
        // then
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void server_errors_and_dropped_connections_are_retried_without_losing_or_repeating_events() {
        // given: a fault every few polls
        List<String> expected = scriptedRun();
        List<String> seen = new ArrayList<>();
        List<RetryEvent> retries = new ArrayList<>();
        api.failNext(2);
        // when
        Job done = follower.follow("ftjob-1", new FollowListener() {
            private int events;

            @Override
            public void onEvent(JobEvent event) {
                seen.add(event.id());
                if (++events % 5 == 0) {
                    api.dropNext(1);
                } else if (events % 7 == 0) {
                    api.failNext(1);
                }
            }

            @Override
            public void onRetry(RetryEvent retry) {
                retries.add(retry);
            }
        });
        // then
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(retries).isNotEmpty().allSatisfy(r -> assertThat(r.cause().isRetryable()).isTrue());
        assertThat(retries).anySatisfy(r -> assertThat(r.cause().statusCode()).hasValue(500));
        assertThat(retries).anySatisfy(r -> assertThat(r.cause().statusCode()).isEmpty());
    }

    @Test
    void an_outage_longer_than_the_retry_policy_ends_the_follow_with_an_api_exception() {
        // given
        scriptedRun();
        api.failNext(1_000);
        // when / then
        assertThatThrownBy(() -> follower.follow("ftjob-1", FollowListener.NONE))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("500")
                .hasMessageContaining("6 attempts")
                .hasMessageContaining("req_fake");
    }

    @Test
    void a_failed_job_ends_the_follow_with_its_error() {
        // given
        api.addEvent("Validating training file");
        api.script(poll -> {
            if (poll == 2) {
                api.addEvent("Training file is invalid");
                api.status("failed");
            }
        });
        // when
        Job done = follower.follow("ftjob-1", FollowListener.NONE);
        // then
        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.error()).hasValueSatisfying(e -> {
            assertThat(e.code()).isEqualTo("invalid_training_file");
            assertThat(e.param()).contains("training_file");
        });
    }

    @Test
    void an_unknown_status_is_kept_and_followed_through() {
        // given
        api.script(poll -> {
            if (poll == 1) {
                api.status("preparing_gpus");
            } else if (poll == 3) {
                api.status("succeeded");
            }
        });
        List<JobStatus> statuses = new ArrayList<>();
        // when
        follower.follow("ftjob-1", new FollowListener() {
            @Override
            public void onStatus(JobStatus from, JobStatus to, Job job) {
                statuses.add(to);
            }
        });
        // then
        assertThat(statuses).first().satisfies(s -> {
            assertThat(s.value()).isEqualTo(JobStatus.Value._UNKNOWN);
            assertThat(s.asString()).isEqualTo("preparing_gpus");
            assertThat(s.isTerminal()).isFalse();
        });
        assertThat(statuses).last().isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void a_listener_that_throws_ends_the_follow_and_its_exception_reaches_the_caller() {
        // given
        scriptedRun();
        // when / then
        assertThatThrownBy(() -> follower.follow("ftjob-1", FollowListener.of(e -> {
            throw new IllegalStateException("listener broke");
        }))).isInstanceOf(IllegalStateException.class).hasMessage("listener broke");
    }

    @Test
    void the_iterator_form_yields_the_events_and_knows_where_to_resume() {
        // given
        List<String> expected = scriptedRun();
        // when
        List<String> seen = new ArrayList<>();
        String last;
        try (JobFollower.EventStream events = follower.events("ftjob-1", null)) {
            events.forEachRemaining(e -> seen.add(e.id()));
            last = events.lastEventId().orElseThrow();
            assertThat(events.finalJob()).hasValueSatisfying(j -> assertThat(j.status()).isEqualTo(JobStatus.SUCCEEDED));
        }
        // then
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(last).isEqualTo(expected.get(expected.size() - 1));
    }

    @Test
    void the_first_polls_of_each_status_come_quickly_then_every_5_seconds_while_it_runs() {
        // given: validating, queued, then running from the third poll to the 14th
        scriptedRun();
        // when
        follower.follow("ftjob-1", FollowListener.NONE);
        // then: a quarter of a second after each change, doubling up to the interval
        List<Duration> expected = new ArrayList<>(List.of(Duration.ofMillis(250), Duration.ofMillis(250),
                Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4)));
        expected.addAll(Collections.nCopies(6, Duration.ofSeconds(5)));
        assertThat(clock.sleeps()).containsExactlyElementsOf(expected);
        assertThat(api.retrieves()).isEqualTo(14);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(38_250));
    }

    @Test
    void catching_up_on_a_finished_job_reads_its_pages_back_to_back_whatever_the_budget() {
        // given: a finished job of 3,000 events (60 pages of 50), and a budget of 30 requests a minute
        List<String> expected = new ArrayList<>();
        for (int step = 1; step <= 3_000; step++) {
            expected.add(api.addMetrics(step, 1.0 / step));
        }
        api.status("succeeded");
        // when
        List<String> seen = new ArrayList<>();
        Job done = follower.follow("ftjob-1", FollowListener.of(e -> seen.add(e.id())));
        // then: every event once, oldest first, and no pause for the budget: the pages already exist
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(clock.sleeps()).isEmpty();
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void a_waiting_job_is_polled_ever_less_often_up_to_every_20_seconds() {
        // given: a job that stays queued
        api.status("queued");
        // when
        FollowResult r = follower.follow("ftjob-1", null, FollowListener.NONE, Duration.ofMinutes(2));
        // then
        assertThat(r.ended()).isFalse();
        assertThat(clock.sleeps()).startsWith(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16),
                Duration.ofSeconds(20), Duration.ofSeconds(20));
        assertThat(clock.sleeps()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(20)));
        assertThat(r.elapsed()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void a_follow_with_a_timeout_returns_the_job_as_last_seen_when_the_timeout_comes_first() {
        // given: a job that runs on
        api.status("running");
        // when
        FollowResult r = follower.follow("ftjob-1", null, FollowListener.NONE, Duration.ofMinutes(1));
        // then: the ramp, then every 5 s within the budget, the last poll at the deadline
        assertThat(r.ended()).isFalse();
        assertThat(r.job().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(r.polls()).isEqualTo(16);
        assertThat(r.elapsed()).isEqualTo(Duration.ofMinutes(1));
        assertThat(api.retrieves()).isEqualTo(16);
    }

    @Test
    void a_follow_with_a_timeout_returns_the_final_job_when_it_ends_in_time() {
        // given
        scriptedRun();
        // when
        FollowResult r = follower.follow("ftjob-1", null, FollowListener.NONE, Duration.ofHours(1));
        // then
        assertThat(r.ended()).isTrue();
        assertThat(r.job().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.polls()).isEqualTo(14);
        assertThat(r.elapsed()).isEqualTo(Duration.ofMillis(38_250));
    }

    @Test
    void cancelling_an_async_follow_stops_polling() throws Exception {
        // given: a job that never ends, and a cancel during its third retrieve
        api.status("running");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        AtomicReference<CompletableFuture<Job>> future = new AtomicReference<>();
        CompletableFuture<Void> started = new CompletableFuture<>();
        api.script(poll -> {
            if (poll == 3) {
                started.join(); // the future is set
                future.get().cancel(true);
            }
        });
        // when
        future.set(follower.followAsync("ftjob-1", null, FollowListener.NONE, executor));
        started.complete(null);
        executor.shutdown();
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue(); // the follow has returned
        // then: three polls of two requests, none after the cancel
        assertThat(future.get()).isCancelled();
        assertThatThrownBy(future.get()::join).isInstanceOf(CancellationException.class);
        assertThat(api.retrieves()).isEqualTo(3);
        assertThat(api.requests()).isEqualTo(6);
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500));
    }

    @Test
    void polling_keeps_to_the_request_budget_however_short_the_interval() {
        // given: a job that never ends, no pause between polls, a budget of 10 requests a minute
        api.status("running");
        follower = follower.withOptions(follower.options().withInterval(Duration.ZERO).withMaxRequestsPerMinute(10));
        // when: followed for three minutes
        FollowResult r = follower.follow("ftjob-1", null, FollowListener.NONE, Duration.ofMinutes(3));
        // then: 5 polls of 2 requests at 0, 60, 120 s, and one more at the deadline
        assertThat(r.polls()).isEqualTo(16);
        assertThat(r.elapsed()).isEqualTo(Duration.ofMinutes(3));
        assertThat(api.requests()).isEqualTo(32);
        assertThat(connection.requestsSent()).isEqualTo(32);
        List<Long> times = api.requestTimes();
        for (long start : times) {
            long inWindow = times.stream().filter(t -> t >= start && t - start < TimeUnit.MINUTES.toNanos(1)).count();
            assertThat(inWindow).as("requests in the minute from %s", start).isLessThanOrEqualTo(10);
        }
    }
}
