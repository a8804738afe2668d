package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.JobListParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Many jobs at once. */
class LocalOpenAiConcurrencyTest {
    @Test
    void fifty_jobs_created_at_once_all_succeed(@TempDir Path dir) throws Exception {
        // given
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().clock(clock).build()) {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
            Path file = TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(30, 21)));
            String fileId = client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE)
                    .build()).id();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            // when
            List<Future<String>> created = IntStream.range(0, 50).mapToObj(i -> pool.submit(() -> client.fineTuning()
                    .jobs().create(JobCreateParams.builder().model("babbage-002").trainingFile(fileId).seed((long) i)
                            .suffix("run-" + i).build()).id())).toList();
            List<String> ids = new java.util.ArrayList<>();
            for (Future<String> f : created) {
                ids.add(f.get());
            }
            pool.shutdown();
            clock.advance(TestData.LONG_ENOUGH);
            List<FineTuningJob> jobs = client.fineTuning().jobs().list(JobListParams.builder().limit(100L).build()).data();
            // then
            assertThat(jobs).extracting(FineTuningJob::id).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(jobs).allSatisfy(j -> assertThat(j.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED));
            assertThat(jobs).extracting(j -> j.fineTunedModel().orElseThrow()).doesNotHaveDuplicates();
            client.close();
        }
    }

    @Test
    void jobs_are_listed_newest_first_and_page_with_after(@TempDir Path dir) {
        // given
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).build()) {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
            String fileId = client.files().create(FileCreateParams.builder().file(TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(12, 2)))).purpose(FilePurpose.FINE_TUNE).build()).id();
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                        .trainingFile(fileId).build()).id());
            }
            java.util.Collections.reverse(ids);
            // when
            var first = client.fineTuning().jobs().list(JobListParams.builder().limit(2L).build());
            List<String> all = first.autoPager().stream().map(FineTuningJob::id).toList();
            // then
            assertThat(first.data()).extracting(FineTuningJob::id).containsExactly(ids.get(0), ids.get(1));
            assertThat(first.hasNextPage()).isTrue();
            assertThat(all).isEqualTo(ids);
            client.close();
        }
    }
}
