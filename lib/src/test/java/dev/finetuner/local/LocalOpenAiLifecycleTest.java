package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole lifecycle with the official openai-java client: upload, train, follow, download, complete. */
class LocalOpenAiLifecycleTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static FileObject trainingFile;
    private static FineTuningJob job;

    @BeforeAll
    static void train(@TempDir Path dir) {
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        Path file = TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(100, 1)));
        trainingFile = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE).build());
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(trainingFile.id()).suffix("reviews").seed(42L).build());
        clock.advance(TestData.LONG_ENOUGH);
        job = client.fineTuning().jobs().retrieve(created.id());
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    @Test
    void an_uploaded_file_is_described_as_the_api_does() {
        // given the file uploaded before all tests
        // when
        FileObject f = client.files().retrieve(trainingFile.id());
        // then
        assertThat(f.id()).startsWith("file-");
        assertThat(f.filename()).isEqualTo("reviews.jsonl");
        assertThat(f.purpose()).isEqualTo(FileObject.Purpose.FINE_TUNE);
        assertThat(f.bytes()).isPositive();
    }

    @Test
    void a_job_on_labelled_data_succeeds_with_a_fine_tuned_model_id() {
        // given the job trained before all tests
        // when
        FineTuningJob j = job;
        // then
        assertThat(j.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        assertThat(j.id()).startsWith("ftjob-");
        assertThat(j.fineTunedModel()).hasValueSatisfying(m -> assertThat(m).startsWith("ft:babbage-002:local:reviews:"));
        assertThat(j.trainedTokens()).hasValueSatisfying(t -> assertThat(t).isPositive());
        assertThat(j.finishedAt()).isPresent();
        assertThat(j.seed()).isEqualTo(42);
        assertThat(j.hyperparameters().nEpochs()).hasValueSatisfying(n -> assertThat(n.asInteger()).isEqualTo(3));
        assertThat(j.resultFiles()).hasSize(1);
    }

    @Test
    void events_come_newest_first_and_page_back_in_time_with_after() {
        // given
        List<FineTuningJobEvent> all = new ArrayList<>();
        var page = client.fineTuning().jobs().listEvents(job.id(), JobListEventsParams.builder().limit(40L).build());
        // when
        while (true) {
            all.addAll(page.data());
            if (!page.hasNextPage()) {
                break;
            }
            page = page.nextPage();
        }
        // then
        List<String> messages = all.stream().map(FineTuningJobEvent::message).toList();
        assertThat(messages.get(0)).isEqualTo("The job has successfully completed");
        assertThat(messages.get(messages.size() - 1)).isEqualTo("Created fine-tuning job: " + job.id());
        assertThat(messages).contains("Validating training file: " + trainingFile.id(),
                "Files validated, moving job to queued state", "Fine-tuning job started", "Checkpoint created at step 100",
                "New fine-tuned model created");
        assertThat(all).extracting(FineTuningJobEvent::id).doesNotHaveDuplicates();
        assertThat(all.stream().filter(e -> e.type().map(t -> t.equals(FineTuningJobEvent.Type.METRICS)).orElse(false)))
                .hasSize(300);
        assertThat(all).extracting(FineTuningJobEvent::createdAt).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void metrics_events_carry_the_step_losses_and_accuracies() {
        // given
        var page = client.fineTuning().jobs().listEvents(job.id(), JobListEventsParams.builder().limit(100L).build());
        // when
        FineTuningJobEvent metrics = page.data().stream()
                .filter(e -> e.type().map(t -> t.equals(FineTuningJobEvent.Type.METRICS)).orElse(false))
                .findFirst().orElseThrow();
        // then
        @SuppressWarnings("unchecked")
        Map<String, Object> data = metrics._data().convert(Map.class);
        assertThat(data).containsKeys("step", "train_loss", "train_mean_token_accuracy", "total_steps");
        assertThat(data.get("total_steps")).isEqualTo(300);
        assertThat(metrics.message()).startsWith("Step " + data.get("step") + "/300: training loss=");
    }

    @Test
    void checkpoints_are_kept_for_the_last_three_epoch_ends() {
        // given the trained job
        // when
        List<FineTuningJobCheckpoint> checkpoints = client.fineTuning().jobs().checkpoints().list(job.id()).data();
        // then
        assertThat(checkpoints).extracting(FineTuningJobCheckpoint::stepNumber).containsExactly(300L, 200L, 100L);
        assertThat(checkpoints.get(0).fineTunedModelCheckpoint()).isEqualTo(job.fineTunedModel().orElseThrow()
                + ":ckpt-step-300");
        assertThat(checkpoints.get(0).metrics().trainLoss()).isPresent();
    }

    @Test
    void the_result_file_is_a_metrics_csv_whose_loss_falls_over_the_epochs() throws IOException {
        // given
        String resultFile = job.resultFiles().get(0);
        // when
        String csv;
        try (HttpResponse r = client.files().content(resultFile); InputStream in = r.body()) {
            csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // then
        List<String> lines = csv.lines().toList();
        assertThat(lines.get(0)).isEqualTo("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"
                + "full_valid_loss,full_valid_mean_token_accuracy");
        assertThat(lines).hasSize(301);
        assertThat(meanLoss(lines.subList(201, 301))).isLessThan(meanLoss(lines.subList(1, 101)) / 2);
        assertThat(client.files().retrieve(resultFile).purpose()).isEqualTo(FileObject.Purpose.FINE_TUNE_RESULTS);
    }

    private static double meanLoss(List<String> rows) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.split(",")[1])).average().orElseThrow();
    }

    @Test
    void the_fine_tuned_model_labels_held_out_reviews_well_above_chance() {
        // given reviews the model never saw
        List<TestData.Labelled> heldOut = TestData.reviews(40, 99);
        String model = job.fineTunedModel().orElseThrow();
        // when
        long right = heldOut.stream().filter(l -> {
            Completion c = client.completions().create(CompletionCreateParams.builder().model(model).prompt(l.prompt())
                    .stop(TestData.STOP).maxTokens(5L).temperature(0.0).build());
            return c.choices().get(0).text().strip().equals(l.label());
        }).count();
        // then
        assertThat(right).isGreaterThanOrEqualTo(32);
    }

    @Test
    void a_completion_reports_the_log_probabilities_of_its_tokens() {
        // given
        TestData.Labelled review = TestData.reviews(1, 5).get(0);
        // when
        Completion c = client.completions().create(CompletionCreateParams.builder().model(job.fineTunedModel().orElseThrow())
                .prompt(review.prompt()).stop(TestData.STOP).maxTokens(3L).temperature(0.0).logprobs(2L).build());
        // then
        var choice = c.choices().get(0);
        var logprobs = choice.logprobs().orElseThrow();
        assertThat(String.join("", logprobs.tokens().orElseThrow())).isEqualTo(choice.text());
        assertThat(logprobs.tokenLogprobs().orElseThrow()).allSatisfy(lp -> assertThat(lp).isLessThanOrEqualTo(0.0));
        assertThat(logprobs.topLogprobs().orElseThrow().get(0)._allProperties()).hasSizeBetween(1, 2);
        assertThat(logprobs.textOffset().orElseThrow().get(0)).isEqualTo(review.prompt().length());
        assertThat(choice.finishReason()).isEqualTo(com.openai.models.completions.CompletionChoice.FinishReason.STOP);
    }

    @Test
    void a_checkpoint_model_answers_completions_too() {
        // given the checkpoint of the first epoch
        String checkpoint = job.fineTunedModel().orElseThrow() + ":ckpt-step-100";
        // when
        Completion c = client.completions().create(CompletionCreateParams.builder().model(checkpoint)
                .prompt("what a wonderful and perfect phone" + TestData.SEPARATOR).stop(TestData.STOP).maxTokens(5L)
                .temperature(0.0).build());
        // then
        assertThat(c.model()).isEqualTo(checkpoint);
        assertThat(c.choices().get(0).text()).isEqualTo(" positive");
    }

    @Test
    void n_asks_for_several_choices_and_max_tokens_cuts_them() {
        // given
        TestData.Labelled review = TestData.reviews(1, 6).get(0);
        // when
        Completion c = client.completions().create(CompletionCreateParams.builder().model(job.fineTunedModel().orElseThrow())
                .prompt(review.prompt()).maxTokens(1L).n(3L).temperature(0.0).build());
        // then
        assertThat(c.choices()).extracting(ch -> ch.index()).containsExactly(0L, 1L, 2L);
        assertThat(c.choices()).extracting(ch -> ch.text()).containsOnly(" " + review.label());
        assertThat(c.choices()).allSatisfy(ch -> assertThat(ch.finishReason())
                .isEqualTo(com.openai.models.completions.CompletionChoice.FinishReason.LENGTH));
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(3);
    }

    @Test
    void the_models_list_holds_the_catalogue_and_the_fine_tuned_model() {
        // given the trained job
        // when
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        // then
        assertThat(ids).contains("babbage-002", "davinci-002", "gpt-4o-mini-2024-07-18", job.fineTunedModel().orElseThrow());
        assertThat(client.models().retrieve(job.fineTunedModel().orElseThrow()).ownedBy()).isEqualTo("org-local");
    }
}
