package dev.finetuner.samples;

import dev.finetuner.SweepReport;
import dev.finetuner.service.JobStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SweepSampleTest {
    @TempDir
    Path dir;

    @Test
    void the_sweep_sample_runs_eight_models_within_budget_and_names_the_best_and_the_cheapest_near_it()
            throws IOException {
        // given
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path chart = dir.resolve("sweep.svg");
        // when
        SweepSample.Result result = SweepSample.run(Path.of("data", "helpdesk.csv"), true, chart,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        // then
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(result.report().runs()).hasSize(8).allSatisfy(r -> assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED));
        SweepReport.Run best = result.report().best().orElseThrow();
        assertThat(out).contains("8 runs, estimated at $").contains("best: " + best.name() + " (token F1 ") // helpdesk answers are generated text
                .contains("cheapest within one point of it: " + result.report().cheapestNearBest().orElseThrow().name());
        assertThat(Files.readString(chart)).contains("<svg").contains("e3-b16-lr0.5");
    }
}
