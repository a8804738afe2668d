package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A backend started on a storage directory left behind by a crash (a kill -9) starts, and keeps what is whole. */
class LocalOpenAiStorageRecoveryTest {
    @TempDir
    Path storage;
    @TempDir
    Path dir;

    private static OpenAIClient client(LocalOpenAi local) {
        return OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    private static void truncate(Path record) throws IOException {
        byte[] whole = Files.readAllBytes(record);
        Files.write(record, java.util.Arrays.copyOf(whole, whole.length / 2));
    }

    @Test
    void the_scratch_space_of_a_killed_backend_is_cleared_on_start_and_stored_files_stay() throws IOException {
        // given a stored file, and the partial body and half-written record a kill -9 during an upload leaves behind
        String fileId;
        try (LocalOpenAi first = LocalOpenAi.builder().clock(new ManualClock()).storageDirectory(storage).build()) {
            OpenAIClient client = client(first);
            fileId = client.files().create(FileCreateParams.builder().purpose(FilePurpose.FINE_TUNE)
                    .file(TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(10, 1)))).build()).id();
            client.close();
        }
        Path partialBody = Files.write(Files.createDirectories(storage.resolve("tmp")).resolve("body-123.part"),
                new byte[1 << 20]);
        Path halfRecord = Files.writeString(storage.resolve("files").resolve("file-abc.json.part"), "{\"id\":\"fi");
        // when
        try (LocalOpenAi second = LocalOpenAi.builder().clock(new ManualClock()).storageDirectory(storage).build()) {
            OpenAIClient client = client(second);
            // then
            assertThat(partialBody).doesNotExist();
            assertThat(halfRecord).doesNotExist();
            assertThat(client.files().retrieve(fileId).filename()).isEqualTo("reviews.jsonl");
            assertThat(storage.resolve("files").resolve(fileId + ".data")).exists();
            client.close();
        }
    }

    @Test
    void a_damaged_job_file_or_model_record_is_skipped_and_reported_and_the_others_are_served() throws IOException {
        // given three trained jobs, each with its own training file
        ManualClock clock = new ManualClock();
        List<FineTuningJob> jobs = new ArrayList<>();
        try (LocalOpenAi first = LocalOpenAi.builder().clock(clock).storageDirectory(storage).build()) {
            OpenAIClient client = client(first);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String fileId = client.files().create(FileCreateParams.builder().purpose(FilePurpose.FINE_TUNE)
                        .file(TestData.write(dir, "reviews-" + i + ".jsonl", TestData.jsonl(TestData.reviews(10, i))))
                        .build()).id();
                ids.add(client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                        .trainingFile(fileId).seed(1L).build()).id());
            }
            clock.advance(TestData.LONG_ENOUGH);
            ids.forEach(id -> jobs.add(client.fineTuning().jobs().retrieve(id)));
            client.close();
        }
        // and, as a crash mid-write would leave them, the first job's record, the second's training file record and
        // the third's model record cut in half
        Path jobRecord = storage.resolve("jobs").resolve(jobs.get(0).id() + ".json");
        Path fileRecord = storage.resolve("files").resolve(jobs.get(1).trainingFile() + ".json");
        Path modelRecord = storage.resolve("models").resolve(jobs.get(2).id() + ".json");
        truncate(jobRecord);
        truncate(fileRecord);
        truncate(modelRecord);
        CapturedLog log = new CapturedLog();
        // when
        try (LocalOpenAi second = LocalOpenAi.builder().clock(new ManualClock()).storageDirectory(storage)
                .logger(log).build()) {
            OpenAIClient client = client(second);
            // then the damaged ones are gone
            assertThatThrownBy(() -> client.fineTuning().jobs().retrieve(jobs.get(0).id()))
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> client.files().retrieve(jobs.get(1).trainingFile()))
                    .isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> client.models().retrieve(jobs.get(2).fineTunedModel().orElseThrow()))
                    .isInstanceOf(NotFoundException.class);
            // and every other record is served
            assertThat(client.fineTuning().jobs().retrieve(jobs.get(1).id()).status())
                    .isEqualTo(FineTuningJob.Status.SUCCEEDED);
            assertThat(client.fineTuning().jobs().retrieve(jobs.get(2).id()).status())
                    .isEqualTo(FineTuningJob.Status.SUCCEEDED);
            assertThat(client.files().retrieve(jobs.get(0).trainingFile()).bytes()).isPositive();
            assertThat(client.files().retrieve(jobs.get(2).trainingFile()).bytes()).isPositive();
            assertThat(client.models().retrieve(jobs.get(0).fineTunedModel().orElseThrow()).id())
                    .isEqualTo(jobs.get(0).fineTunedModel().orElseThrow());
            assertThat(client.models().retrieve(jobs.get(1).fineTunedModel().orElseThrow()).id())
                    .isEqualTo(jobs.get(1).fineTunedModel().orElseThrow());
            // and each damaged record is reported once, with its path, at WARN
            assertThat(log.at(Level.WARN)).extracting(CapturedLog.Line::message)
                    .anySatisfy(m -> assertThat(m).contains(jobRecord.toString()))
                    .anySatisfy(m -> assertThat(m).contains(fileRecord.toString()))
                    .anySatisfy(m -> assertThat(m).contains(modelRecord.toString()));
            client.close();
        }
    }
}
