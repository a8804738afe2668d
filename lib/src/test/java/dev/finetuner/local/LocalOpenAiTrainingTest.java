package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import com.openai.models.finetuning.methods.SupervisedHyperparameters;
import com.openai.models.finetuning.methods.SupervisedMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The training is real: hyperparameters and seeds change the numbers as they should. */
class LocalOpenAiTrainingTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static String training;
    private static String validation;

    @BeforeAll
    static void start(@TempDir Path dir) {
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        training = upload(client, TestData.write(dir, "train.jsonl", TestData.jsonl(TestData.reviews(40, 31))));
        validation = upload(client, TestData.write(dir, "valid.jsonl", TestData.jsonl(TestData.reviews(10, 32))));
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static String upload(OpenAIClient client, Path file) {
        return client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE).build()).id();
    }

    private static FineTuningJob train(long seed, SupervisedHyperparameters hp) {
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(training).validationFile(validation).seed(seed)
                .method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.SUPERVISED)
                        .supervised(SupervisedMethod.builder().hyperparameters(hp).build()).build()).build());
        clock.advance(TestData.LONG_ENOUGH);
        return client.fineTuning().jobs().retrieve(created.id());
    }

    private static List<String> metricsCsv(FineTuningJob job) {
        return metricsCsv(client, job);
    }

    private static List<String> metricsCsv(OpenAIClient client, FineTuningJob job) {
        try (HttpResponse r = client.files().content(job.resultFiles().get(0)); InputStream in = r.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static SupervisedHyperparameters hp(long epochs, long batch, double lr) {
        return SupervisedHyperparameters.builder().nEpochs(epochs).batchSize(batch).learningRateMultiplier(lr).build();
    }

    @Test
    void the_same_seed_and_data_give_the_same_numbers() {
        // given
        SupervisedHyperparameters hp = hp(2, 4, 0.1);
        // when
        List<String> first = metricsCsv(train(7, hp));
        List<String> second = metricsCsv(train(7, hp));
        // then
        assertThat(first).isEqualTo(second).hasSize(20);
    }

    @Test
    void another_seed_shuffles_the_batches_differently() {
        // given
        SupervisedHyperparameters hp = hp(2, 4, 0.1);
        // when
        List<String> first = metricsCsv(train(7, hp));
        List<String> other = metricsCsv(train(8, hp));
        // then
        assertThat(other).hasSameSizeAs(first).isNotEqualTo(first);
    }

    @Test
    void the_batch_size_sets_the_number_of_steps() {
        // given 40 examples and 2 epochs
        // when
        int batch1 = metricsCsv(train(1, hp(2, 1, 0.1))).size();
        int batch8 = metricsCsv(train(1, hp(2, 8, 0.1))).size();
        // then
        assertThat(batch1).isEqualTo(80);
        assertThat(batch8).isEqualTo(10);
    }

    @Test
    void a_higher_learning_rate_lowers_the_final_training_loss() {
        // given
        // when
        double slow = lastTrainLoss(train(1, hp(3, 4, 0.02)));
        double fast = lastTrainLoss(train(1, hp(3, 4, 0.5)));
        // then
        assertThat(fast).isLessThan(slow * 0.8);
    }

    @Test
    void more_epochs_lower_the_final_training_loss() {
        // given
        // when
        double one = lastTrainLoss(train(1, hp(1, 4, 0.05)));
        double five = lastTrainLoss(train(1, hp(5, 4, 0.05)));
        // then
        assertThat(five).isLessThan(one);
    }

    private static double lastTrainLoss(FineTuningJob job) {
        List<String> rows = metricsCsv(job);
        return rows.subList(rows.size() - 10, rows.size()).stream()
                .mapToDouble(r -> Double.parseDouble(r.split(",")[1])).average().orElseThrow();
    }

    @Test
    void a_validation_file_adds_validation_metrics() {
        // given
        FineTuningJob job = train(2, hp(2, 4, 0.1));
        // when
        List<FineTuningJobEvent> events = client.fineTuning().jobs().listEvents(job.id(),
                JobListEventsParams.builder().limit(100L).build()).data();
        // then
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> metrics = events.stream()
                .filter(e -> e.type().map(t -> t.equals(FineTuningJobEvent.Type.METRICS)).orElse(false))
                .map(e -> (Map<String, Object>) e._data().convert(Map.class)).toList();
        assertThat(metrics).allSatisfy(m -> assertThat(m).containsKeys("valid_loss", "valid_mean_token_accuracy"));
        assertThat(metrics.get(0)).containsKey("full_valid_loss"); // the last step ends the last epoch
        // every row has the batch's validation loss; the two epoch ends also the whole validation file's
        assertThat(metricsCsv(job)).allSatisfy(row -> assertThat(row.split(",", -1)).hasSize(7)
                .satisfies(cells -> assertThat(cells[3]).isNotEmpty()));
        assertThat(metricsCsv(job).stream().filter(row -> !row.split(",", -1)[5].isEmpty())).hasSize(2);
        var checkpoint = client.fineTuning().jobs().checkpoints().list(job.id()).data().get(0);
        assertThat(checkpoint.metrics().fullValidLoss()).isPresent();
    }

    @Test
    void auto_hyperparameters_are_resolved_once_the_files_are_validated() {
        // given
        // when
        FineTuningJob job = train(3, SupervisedHyperparameters.builder().nEpochsAuto().batchSizeAuto()
                .learningRateMultiplierAuto().build());
        // then
        var hp = job.method().orElseThrow().supervised().orElseThrow().hyperparameters().orElseThrow();
        assertThat(hp.nEpochs().orElseThrow().asInteger()).isEqualTo(3);
        assertThat(hp.batchSize().orElseThrow().asInteger()).isEqualTo(1);
        assertThat(hp.learningRateMultiplier().orElseThrow().asNumber()).isEqualTo(0.05);
    }

    private static String createJob(OpenAIClient c, String file, SupervisedHyperparameters hp) {
        return c.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002").trainingFile(file)
                .method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.SUPERVISED)
                        .supervised(SupervisedMethod.builder().hyperparameters(hp).build()).build())
                .build()).id();
    }

    private static long events(OpenAIClient c, String id) {
        return c.fineTuning().jobs().listEvents(id).autoPager().stream().count();
    }

    @Test
    void a_job_moves_only_when_its_clock_advances_and_each_phase_ends_exactly_when_due(@TempDir Path dir) {
        // given a job of one step (10 examples, one epoch, batch size 10) on a clock that starts at midnight
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (LocalOpenAi local = LocalOpenAi.builder().clock(clock).build()) {
            OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
            String file = upload(c, TestData.write(dir, "ten.jsonl", TestData.jsonl(TestData.reviews(10, 12))));
            String id = createJob(c, file, hp(1, 10, 0.1));
            // when / then: however long these calls take, the job's time stands still
            for (int i = 0; i < 3; i++) {
                assertThat(c.fineTuning().jobs().retrieve(id).status()).isEqualTo(FineTuningJob.Status.VALIDATING_FILES);
            }
            assertThat(events(c, id)).isEqualTo(2);
            // the files are validated at once, then the job waits 15 s in the queue
            clock.advance(Duration.ZERO);
            assertThat(c.fineTuning().jobs().retrieve(id).status()).isEqualTo(FineTuningJob.Status.QUEUED);
            clock.advance(Duration.ofSeconds(15).minusNanos(1));
            assertThat(c.fineTuning().jobs().retrieve(id).status()).isEqualTo(FineTuningJob.Status.QUEUED);
            clock.advance(Duration.ofNanos(1));
            assertThat(c.fineTuning().jobs().retrieve(id).status()).isEqualTo(FineTuningJob.Status.RUNNING);
            long started = events(c, id);
            // a step takes half a second plus a second per 20,000 batch tokens (here a few dozen)
            clock.advance(Duration.ofMillis(500));
            assertThat(events(c, id)).isEqualTo(started);
            clock.advance(Duration.ofMillis(10));
            assertThat(events(c, id)).isEqualTo(started + 2); // the step's metrics and the epoch's checkpoint
            // publishing the model takes 15 s after the last step
            clock.advance(Duration.ofMillis(14_980));
            assertThat(c.fineTuning().jobs().retrieve(id).status()).isEqualTo(FineTuningJob.Status.RUNNING);
            clock.advance(Duration.ofMillis(20));
            FineTuningJob done = c.fineTuning().jobs().retrieve(id);
            assertThat(done.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
            // the API's timestamps follow the same clock: created at midnight, finished 30.5 s later
            assertThat(done.createdAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z").getEpochSecond());
            assertThat(done.finishedAt()).hasValue(done.createdAt() + 30);
            c.close();
        }
    }

    @Test
    void a_paused_job_stands_still_until_resumed(@TempDir Path dir) {
        // given a job some steps into training (40 examples, 3 epochs, batch size 1: 120 steps)
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().clock(clock).build()) {
            OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
            String file = upload(c, TestData.write(dir, "pause.jsonl", TestData.jsonl(TestData.reviews(40, 9))));
            String id = createJob(c, file, hp(3, 1, 0.1));
            clock.advance(Duration.ofSeconds(20)); // 15 s in the queue, then a step about every half second
            // when
            FineTuningJob paused = c.fineTuning().jobs().pause(id);
            long eventsWhilePaused = events(c, id);
            clock.advance(Duration.ofMinutes(10)); // 1,200 steps' worth if its clock ran
            FineTuningJob stillPaused = c.fineTuning().jobs().retrieve(id);
            long eventsLater = events(c, id);
            c.fineTuning().jobs().resume(id);
            clock.advance(TestData.LONG_ENOUGH);
            FineTuningJob done = c.fineTuning().jobs().retrieve(id);
            // then
            assertThat(paused.status().asString()).isEqualTo("paused");
            assertThat(stillPaused.status().asString()).isEqualTo("paused");
            assertThat(eventsLater).isEqualTo(eventsWhilePaused);
            assertThat(done.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
            assertThat(metricsCsv(c, done)).hasSize(120);
            c.close();
        }
    }

    @Test
    void a_cancelled_job_never_finishes_and_cannot_be_cancelled_again() {
        // given
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(training).build());
        // when
        FineTuningJob cancelled = client.fineTuning().jobs().cancel(created.id());
        BadRequestException again = catchThrowableOfType(BadRequestException.class,
                () -> client.fineTuning().jobs().cancel(created.id()));
        // then
        assertThat(cancelled.status()).isEqualTo(FineTuningJob.Status.CANCELLED);
        assertThat(again.getMessage()).contains("cancelled");
        assertThat(client.fineTuning().jobs().retrieve(created.id()).fineTunedModel()).isEmpty();
    }
}
