package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every paged list reads an empty {@code after=} as no cursor at all, as a client building a query may send it. */
class LocalOpenAiPagingTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static String jobId;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path dir) {
        local = LocalOpenAi.builder().clock(clock).build();
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        String fileId = client.files().create(FileCreateParams.builder()
                .file(TestData.write(dir, "reviews.jsonl", TestData.jsonl(TestData.reviews(20, 5))))
                .purpose(FilePurpose.FINE_TUNE).build()).id();
        jobId = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002").trainingFile(fileId)
                .seed(1L).build()).id();
        clock.advance(TestData.LONG_ENOUGH);
        client.close();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/files", "/fine_tuning/jobs", "/fine_tuning/jobs/{job}/events",
            "/fine_tuning/jobs/{job}/checkpoints"})
    void an_empty_after_gives_the_first_page(String route) {
        // given a list with items
        String url = local.baseUrl() + route.replace("{job}", jobId);
        JsonNode firstPage = Raw.json(Raw.get(url, "k"));
        // when
        HttpResponse<String> r = Raw.get(url + "?after=", "k");
        // then
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(firstPage.get("data")).isNotEmpty();
        assertThat(Raw.json(r).get("data")).isEqualTo(firstPage.get("data"));
    }
}
