package dev.finetuner;

import dev.finetuner.internal.ManualClock;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.JobStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sweep run that outlasts its wait keeps its job id and real status: it is cancelled so that it stops
 * billing, or left running when asked, and the report says which. The backend runs in real time and the
 * fine-tuner on a manual clock, so the wait runs out at once and the job is surely unfinished.
 */
class SweepAbandonTest {
    @TempDir
    Path dir;

    private LocalOpenAi local;
    private FineTuner ft;

    @BeforeEach
    void start() {
        local = LocalOpenAi.builder().speed(1).build();
        ft = FineTuner.builder().apiKey("test").baseUrl(local.baseUrl()).timing(new ManualClock()).build();
    }

    @AfterEach
    void stop() {
        ft.close();
        local.close();
    }

    private Preparation labelled() throws IOException {
        Path csv = Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 60)
                .mapToObj(i -> "ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn") + ","
                        + (i % 2 == 0 ? "hardware" : "network")).collect(Collectors.joining("\n")) + "\n");
        return ft.prepare(csv, PrepareOptions.builder().validationFraction(0.2).build());
    }

    private static TrainOptions waitingOneHour() {
        return TrainOptions.builder().epochs(1).await(Duration.ofHours(1)).build();
    }

    @Test
    void a_run_that_outlasts_its_wait_is_cancelled_and_reported_with_its_job_id() throws IOException {
        try (Preparation p = labelled()) {
            // when
            SweepReport report = Sweep.builder(p, "babbage-002").options(waitingOneHour()).concurrency(1).build().run();
            // then
            SweepReport.Run run = report.runs().get(0);
            assertThat(run.jobId()).isPresent();
            assertThat(run.status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(run.error()).hasValueSatisfying(e -> assertThat(e).contains("not finished after 1h")
                    .contains("cancelled by the sweep"));
            assertThat(ft.job(run.jobId().get()).job().status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(report.toText()).contains("cancelled");
        }
    }

    @Test
    void a_run_left_running_when_asked_keeps_its_live_status_and_says_how_to_cancel_it() throws IOException {
        try (Preparation p = labelled()) {
            // when
            SweepReport report = Sweep.builder(p, "babbage-002").options(waitingOneHour()).cancelAbandoned(false)
                    .build().run();
            // then: still billing, so never called failed, and the command to stop it is there
            SweepReport.Run run = report.runs().get(0);
            String jobId = run.jobId().orElseThrow();
            assertThat(run.status().isTerminal()).isFalse();
            assertThat(run.status()).isNotEqualTo(JobStatus.FAILED);
            assertThat(run.error()).hasValueSatisfying(e -> assertThat(e).contains("left running")
                    .contains("finetuner cancel " + jobId));
            assertThat(ft.job(jobId).job().status().isTerminal()).isFalse();
            assertThat(report.best()).isEmpty();
        }
    }
}
