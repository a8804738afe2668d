package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A backend started again on the same storage directory knows its files, jobs and models. */
class LocalOpenAiRestartTest {
    @TempDir
    Path storage;
    @TempDir
    Path dir;

    private static OpenAIClient client(LocalOpenAi local) {
        return OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    private String createJob(OpenAIClient client, int examples) {
        Path file = TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(examples, 11)));
        String fileId = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE)
                .build()).id();
        return client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002").trainingFile(fileId)
                .seed(3L).build()).id();
    }

    @Test
    void a_restarted_backend_keeps_jobs_events_files_and_models() {
        // given a job trained by a first backend
        FineTuningJob before;
        List<String> eventsBefore;
        ManualClock clock = new ManualClock();
        try (LocalOpenAi first = LocalOpenAi.builder().clock(clock).storageDirectory(storage).build()) {
            OpenAIClient client = client(first);
            String jobId = createJob(client, 20);
            clock.advance(TestData.LONG_ENOUGH);
            before = client.fineTuning().jobs().retrieve(jobId);
            eventsBefore = client.fineTuning().jobs().listEvents(jobId).autoPager().stream().map(FineTuningJobEvent::id).toList();
            client.close();
        }
        // when
        try (LocalOpenAi second = LocalOpenAi.builder().clock(new ManualClock()).storageDirectory(storage).build()) {
            OpenAIClient client = client(second);
            FineTuningJob after = client.fineTuning().jobs().retrieve(before.id());
            List<String> eventsAfter = client.fineTuning().jobs().listEvents(before.id()).autoPager().stream()
                    .map(FineTuningJobEvent::id).toList();
            String answer = client.completions().create(CompletionCreateParams.builder()
                    .model(after.fineTunedModel().orElseThrow()).prompt("i love it, wonderful" + TestData.SEPARATOR)
                    .stop(TestData.STOP).maxTokens(3L).temperature(0.0).build()).choices().get(0).text();
            // then
            assertThat(after.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
            assertThat(after.fineTunedModel()).isEqualTo(before.fineTunedModel());
            assertThat(eventsAfter).isEqualTo(eventsBefore);
            assertThat(client.files().retrieve(before.trainingFile()).filename()).isEqualTo("reviews.jsonl");
            assertThat(client.files().retrieve(before.resultFiles().get(0)).bytes()).isPositive();
            assertThat(answer).isEqualTo(" positive");
            client.close();
        }
    }

    @Test
    void a_job_interrupted_by_a_restart_carries_on_from_its_last_step() {
        // given a job stopped part-way through training: 15 s in the queue, then 3 s of steps of about 0.5 s
        String jobId;
        int stepsBefore;
        ManualClock firstClock = new ManualClock();
        try (LocalOpenAi first = LocalOpenAi.builder().clock(firstClock).storageDirectory(storage).build()) {
            OpenAIClient client = client(first);
            jobId = createJob(client, 100);
            firstClock.advance(Duration.ofSeconds(18));
            stepsBefore = metricSteps(client, jobId).size();
            client.close();
        }
        // when
        ManualClock secondClock = new ManualClock();
        try (LocalOpenAi second = LocalOpenAi.builder().clock(secondClock).storageDirectory(storage).build()) {
            OpenAIClient client = client(second);
            secondClock.advance(TestData.LONG_ENOUGH);
            FineTuningJob job = client.fineTuning().jobs().retrieve(jobId);
            // then
            assertThat(stepsBefore).isEqualTo(5);
            assertThat(job.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
            assertThat(metricSteps(client, jobId)).isEqualTo(IntStream.rangeClosed(1, 300).boxed().toList());
            client.close();
        }
    }

    /** The steps of the job's metrics events, oldest first. */
    private static List<Integer> metricSteps(OpenAIClient client, String jobId) {
        List<FineTuningJobEvent> events = new java.util.ArrayList<>(client.fineTuning().jobs().listEvents(jobId,
                com.openai.models.finetuning.jobs.JobListEventsParams.builder().limit(100L).build()).autoPager().stream().toList());
        java.util.Collections.reverse(events);
        return events.stream().filter(e -> e.type().map(t -> t.equals(FineTuningJobEvent.Type.METRICS)).orElse(false))
                .map(e -> ((Number) e._data().convert(java.util.Map.class).get("step")).intValue()).toList();
    }
}
