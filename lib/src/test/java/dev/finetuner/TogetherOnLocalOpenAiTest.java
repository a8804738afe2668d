package dev.finetuner;

import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The join of two halves written apart: the library's Together AI backend against the embedded backend's
 * Together mode, the whole loop through the public API, as a user's own tests would run it offline.
 */
class TogetherOnLocalOpenAiTest {
    private static final Path HELPDESK = Path.of("../samples/data/helpdesk.csv");
    private static final String LLAMA = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    private static final String KEY = "tgp_v1_local-0123456789abcdef";

    @TempDir
    Path dir;

    private static FineTuner fineTuner(LocalOpenAi local) {
        return FineTuner.builder().backend("together").apiKey(KEY).baseUrl(local.baseUrl())
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    @Test
    void prepare_train_follow_and_complete_run_on_the_embedded_together_backend() {
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(local)) {
            // given
            Preparation preparation = ft.prepare(HELPDESK, PrepareOptions.builder().validationFraction(0.2).seed(7).build());
            // when: trained with LoRA and followed to its end
            FineTuneJob job = preparation.start(LLAMA, TrainOptions.builder().epochs(2).lora(8, 16, 0.05)
                    .suffix("helpdesk").build());
            List<JobEvent> events = new ArrayList<>();
            List<JobStatus> statuses = new ArrayList<>();
            Job ended = job.follow(new FollowListener() {
                @Override
                public void onEvent(JobEvent event) {
                    events.add(event);
                }

                @Override
                public void onStatus(JobStatus from, JobStatus to, Job j) {
                    statuses.add(to);
                }
            });
            TrainedModel model = job.await(Duration.ofMinutes(1));
            // then: Together's statuses read as ours, each event once, and the model is the job's output name
            assertThat(ended.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(statuses).last().isEqualTo(JobStatus.SUCCEEDED);
            Set<String> ids = new HashSet<>();
            events.forEach(e -> assertThat(ids.add(e.id())).as("event %s delivered once", e.id()).isTrue());
            assertThat(events).isNotEmpty();
            assertThat(model.id()).contains("helpdesk");
            // and: it answers with the separator and stop it was trained with (no stop sequence in the answer)
            String answer = model.complete("My VPN drops every hour, what can I do?");
            assertThat(answer).isNotBlank().doesNotContain(" END").doesNotContain("###");
            // and: evaluation on the held-out split runs through the same model
            var evaluation = model.evaluate(preparation.validation(LLAMA));
            assertThat(evaluation.examples()).isEqualTo(preparation.report(LLAMA).counts().validation()).isPositive();
            assertThat(evaluation.errors()).isZero();
        }
    }

    @Test
    void a_file_together_rejects_fails_the_job_with_its_reason() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(local)) {
            // given: a job started by id on a file the backend's own check_file refuses (an extra column)
            Path bad = Files.writeString(dir.resolve("bad.jsonl"),
                    "{\"prompt\":\"a ->\",\"completion\":\" b END\",\"note\":\"x\"}\n".repeat(12));
            var connection = ft.connection();
            String fileId = connection.files().upload(bad).id();
            var request = dev.finetuner.service.JobRequest.builder(LLAMA, fileId).build();
            FineTuneJob job = ft.job(connection.jobs().create(request).id());
            // then
            assertThatThrownBy(() -> job.await(Duration.ofMinutes(1))).isInstanceOf(JobFailedException.class)
                    .hasMessageContaining("note");
        }
    }

    @Test
    void a_wrong_key_is_refused_without_showing_it() {
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).speed(LocalOpenAi.FAST).build();
             FineTuner ft = FineTuner.builder().backend("together").apiKey("tgp_v1_wrong-key-000000000000")
                     .baseUrl(local.baseUrl()).build()) {
            assertThatThrownBy(() -> ft.connection().files().list()).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).statusCode()).hasValue(401))
                    .message().doesNotContain("wrong-key");
        }
    }
}
