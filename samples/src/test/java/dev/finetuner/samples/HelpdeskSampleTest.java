package dev.finetuner.samples;

import dev.finetuner.service.JobStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The helpdesk sample, run once offline on the bundled archive; each test checks one thing it shows. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HelpdeskSampleTest {
    private static Helpdesk.Result result;
    private static String printed;

    @BeforeAll
    static void run_the_sample_offline() {
        // given: the bundled archive and the embedded backend, whatever OPENAI_API_KEY says
        Path data = Samples.dataFile(new String[0], "helpdesk.csv");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // when
        result = Helpdesk.run(data, true, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        printed = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void the_report_accounts_for_the_320_tickets_of_the_archive() {
        // then
        assertThat(result.report().counts().records()).isEqualTo(320);
        assertThat(printed).contains("320");
    }

    @Test
    void the_job_succeeds_and_its_progress_is_shown() {
        // then
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(printed).contains("status: running -> succeeded").containsPattern("step \\d+/\\d+ \\(100%\\)");
        assertThat(printed).contains("Job:   " + result.jobId()).contains("Model: " + result.modelId());
    }

    @Test
    void the_evaluation_covers_the_64_held_out_tickets() {
        // then
        assertThat(result.evaluation().examples()).isEqualTo(64);
        assertThat(result.evaluation().errors()).isZero();
        assertThat(printed).contains("64 examples scored");
    }

    @Test
    void three_new_tickets_get_clean_answers() {
        // then
        assertThat(result.answers()).hasSize(3).allSatisfy(a -> {
            assertThat(a.answer()).isNotBlank().doesNotContain("\n\n###");
            assertThat(printed).contains("Q: " + a.question());
        });
        assertThat(result.answers()).extracting(Helpdesk.Answer::question)
                .containsExactlyElementsOf(Helpdesk.NEW_TICKETS);
    }
}
