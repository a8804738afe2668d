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

/** The helpdesk sample on the embedded backend in Azure mode: trained, deployed, evaluated, asked, undeployed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HelpdeskAzureSampleTest {
    private static Helpdesk.Result result;
    private static String printed;

    @BeforeAll
    static void run_the_sample_on_azure_offline() {
        // given
        Path data = Samples.dataFile(new String[0], "helpdesk.csv");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // when
        result = Helpdesk.runOnAzure(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        printed = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void the_model_is_deployed_before_it_answers_and_undeployed_after() {
        // then
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(printed).contains("Azure mode").contains("deployment helpdesk-ft is Succeeded")
                .contains("Undeployed helpdesk-ft.");
        assertThat(printed.indexOf("3b. Deploy")).isLessThan(printed.indexOf("4. Evaluate"));
    }

    @Test
    void the_deployed_model_scores_the_held_out_tickets_and_answers_cleanly() {
        // then
        assertThat(result.evaluation().examples()).isEqualTo(64);
        assertThat(result.evaluation().errors()).isZero();
        assertThat(result.answers()).hasSize(3).allSatisfy(a -> assertThat(a.answer()).isNotBlank()
                .doesNotContain("\n\n###"));
    }
}
