package dev.finetuner;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.finetuner.internal.ManualClock;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RecordingFollowListener;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Waiting for a job is a typed outcome, polled on the caller's thread: on a manual clock the polls, the
 * pauses (20 s while the job waits, 5 s while it runs) and the elapsed time are exact, and take no time.
 */
class FineTuneJobAwaitTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String JOB = "/v1/fine_tuning/jobs/ftjob-1";
    private static final String MODEL = "ft:davinci-002:acme::abc123";

    private final ManualClock clock = new ManualClock();
    private FineTuner ft;

    @BeforeEach
    void connect() {
        ft = FineTuner.builder().apiKey("test").baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build())
                .timing(clock).build();
        wm.stubFor(get(urlPathEqualTo(JOB + "/events")).willReturn(okJson("{\"object\":\"list\",\"data\":[],\"has_more\":false}")));
    }

    @AfterEach
    void close() {
        ft.close();
    }

    /** The job's status at each retrieve, the first for {@code ft.job(id)}; the last one stays. */
    private static void retrieves(String... statuses) {
        for (int i = 0; i < statuses.length; i++) {
            var stub = get(urlPathEqualTo(JOB)).inScenario("job")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "retrieve " + i).willReturn(okJson(job(statuses[i])));
            wm.stubFor(i < statuses.length - 1 ? stub.willSetStateTo("retrieve " + (i + 1)) : stub);
        }
    }

    private static String job(String status) {
        return """
                {"id":"ftjob-1","object":"fine_tuning.job","created_at":1700000000,"model":"davinci-002",
                 "organization_id":"org-test","seed":42,"training_file":"file-train","status":"%s",
                 "hyperparameters":{"n_epochs":"auto","batch_size":"auto","learning_rate_multiplier":"auto"},
                 "result_files":[]%s}""".formatted(status, switch (status) {
            case "succeeded" -> ",\"fine_tuned_model\":\"" + MODEL + "\",\"finished_at\":1700000900";
            case "failed" -> ",\"error\":{\"code\":\"invalid_training_file\",\"message\":\"line 3 is broken\","
                    + "\"param\":\"training_file\"}";
            default -> "";
        });
    }

    @Test
    void a_job_that_succeeds_gives_its_model_with_the_polls_and_time_it_took() {
        // given: queued, then running, then succeeded
        retrieves("queued", "queued", "running", "succeeded");
        FineTuneJob job = ft.job("ftjob-1");
        // when
        JobOutcome outcome = job.awaitOutcome(Duration.ofHours(1));
        // then
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Succeeded.class,
                s -> assertThat(s.model().id()).isEqualTo(MODEL));
        assertThat(outcome.jobId()).isEqualTo("ftjob-1");
        assertThat(outcome.polls()).isEqualTo(3);
        // the first poll of each status comes a quarter of a second after the last
        assertThat(outcome.elapsed()).isEqualTo(Duration.ofMillis(500));
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(250), Duration.ofMillis(250));
        assertThat(job.job().status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void waiting_runs_on_the_callers_thread() {
        // given
        retrieves("queued", "running", "running", "succeeded");
        FineTuneJob job = ft.job("ftjob-1");
        // when
        TrainedModel model = job.await(Duration.ofHours(1));
        // then: every pause was taken by this thread, none by a thread started for the wait
        assertThat(model.id()).isEqualTo(MODEL);
        assertThat(clock.sleepingThreads()).hasSize(2).containsOnly(Thread.currentThread().getName());
    }

    @Test
    void a_job_that_fails_gives_its_error_and_await_throws_it() {
        // given
        retrieves("running", "running", "failed");
        FineTuneJob job = ft.job("ftjob-1");
        // when
        JobOutcome outcome = job.awaitOutcome(Duration.ofHours(1));
        // then
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> assertThat(f.error())
                .hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("invalid_training_file")));
        assertThat(outcome.polls()).isEqualTo(2);
        assertThat(outcome.elapsed()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> job.await(Duration.ofHours(1))).isInstanceOfSatisfying(JobFailedException.class, e -> {
            assertThat(e.jobId()).isEqualTo("ftjob-1");
            assertThat(e.code()).contains("invalid_training_file");
            assertThat(e.param()).contains("training_file");
        });
    }

    @Test
    void a_cancelled_job_is_its_own_outcome_and_await_throws_a_job_failed_exception() {
        // given
        retrieves("running", "cancelled");
        FineTuneJob job = ft.job("ftjob-1");
        // when
        JobOutcome outcome = job.awaitOutcome(Duration.ofHours(1));
        // then
        assertThat(outcome).isInstanceOf(JobOutcome.Cancelled.class);
        assertThat(outcome.polls()).isEqualTo(1);
        assertThat(outcome.elapsed()).isZero();
        assertThatThrownBy(() -> job.await(Duration.ofHours(1))).isInstanceOfSatisfying(JobFailedException.class,
                e -> assertThat(e.code()).contains("cancelled"));
    }

    @Test
    void a_timeout_is_an_outcome_after_a_last_poll_at_the_deadline_and_the_job_goes_on() {
        // given: a job that runs on
        retrieves("running");
        FineTuneJob job = ft.job("ftjob-1");
        // when
        JobOutcome outcome = job.awaitOutcome(Duration.ofMinutes(1));
        // then: polls at 0, 0.25, 0.75, 1.75, 3.75 and 7.75 s, then every 5 s within the budget of 30
        // requests a minute (two a poll), the last one at the deadline
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.TimedOut.class,
                t -> assertThat(t.lastStatus()).isEqualTo(JobStatus.RUNNING));
        assertThat(outcome.polls()).isEqualTo(16);
        assertThat(outcome.elapsed()).isEqualTo(Duration.ofMinutes(1));
        wm.verify(1 + 16, getRequestedFor(urlPathEqualTo(JOB)));
    }

    @Test
    void await_turns_a_timeout_into_an_await_timeout_exception_with_the_last_status() {
        // given
        retrieves("queued");
        FineTuneJob job = ft.job("ftjob-1");
        // when / then
        assertThatThrownBy(() -> job.await(Duration.ofMinutes(2))).isInstanceOfSatisfying(AwaitTimeoutException.class, e -> {
            assertThat(e.id()).isEqualTo("ftjob-1");
            assertThat(e.lastStatus()).isEqualTo("queued");
            assertThat(e.waited()).isEqualTo(Duration.ofMinutes(2));
        });
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void the_tracking_listener_forwards_every_callback_to_the_users_listener() {
        // given
        retrieves("running");
        FineTuneJob job = ft.job("ftjob-1");
        RecordingFollowListener user = new RecordingFollowListener();
        var tracking = job.tracking(user);
        List<String> expected = new ArrayList<>();
        // when
        for (Method callback : RecordingFollowListener.callbacks()) {
            RecordingFollowListener.call(callback, tracking);
            expected.add(callback.getName());
        }
        // then
        assertThat(user.calls()).containsExactlyElementsOf(expected);
    }
}
