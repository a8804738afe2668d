package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend judges uploaded files by the API's rules, with its own code: it is the oracle the
 * library's validator is tested against, so it must not share the validator's mistakes. Where the two
 * disagree on purpose, the backend sides with the API: it refuses a {@code "Prompt"} key that the
 * library's reader takes (it matches column names case-insensitively), and it trains on identical
 * completions that the library's validator calls an error.
 */
class LocalOpenAiFileChecksTest {
    private static final ManualClock clock = new ManualClock();
    private static final AtomicInteger files = new AtomicInteger();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static Path dir;

    @BeforeAll
    static void start(@TempDir Path tmp) {
        dir = tmp;
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static String upload(byte[] content) {
        try {
            Path file = Files.write(dir.resolve("f" + files.incrementAndGet() + ".jsonl"), content);
            return client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.FINE_TUNE).build())
                    .id();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String upload(List<String> lines) {
        return upload((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Runs a job on the training file (and validation file, if any) to its end. */
    private static FineTuningJob train(String model, String trainingFile, String validationFile) {
        JobCreateParams.Builder params = JobCreateParams.builder().model(model).trainingFile(trainingFile);
        if (validationFile != null) {
            params.validationFile(validationFile);
        }
        String id = client.fineTuning().jobs().create(params.build()).id();
        clock.advance(TestData.LONG_ENOUGH);
        return client.fineTuning().jobs().retrieve(id);
    }

    private static FineTuningJob.Error failure(String model, List<String> lines) {
        FineTuningJob job = train(model, upload(lines), null);
        assertThat(job.status()).isEqualTo(FineTuningJob.Status.FAILED);
        assertThat(job.fineTunedModel()).isEmpty();
        FineTuningJob.Error error = job.error().orElseThrow();
        assertThat(error.code()).isEqualTo("invalid_training_file");
        assertThat(error.param()).hasValue("training_file");
        return error;
    }

    private static List<String> reviews(int n) {
        return new ArrayList<>(TestData.jsonl(TestData.reviews(n, 77)).lines().toList());
    }

    @Test
    void a_line_that_is_not_json_fails_the_job_naming_its_line() {
        // given
        List<String> lines = reviews(20);
        lines.set(4, "{\"prompt\": \"an unterminated string");
        // when
        FineTuningJob.Error error = failure("babbage-002", lines);
        // then
        assertThat(error.message()).contains("line 5: not valid JSON").contains("(invalid_json)");
    }

    @Test
    void a_line_without_its_completion_fails_the_job_naming_the_key() {
        // given
        List<String> lines = reviews(20);
        lines.set(1, "{\"prompt\": \"where is my order?\"}");
        // when
        FineTuningJob.Error error = failure("babbage-002", lines);
        // then
        assertThat(error.message()).contains("line 2: the 'completion' key is missing (missing_key)");
    }

    @Test
    void chat_examples_for_a_completion_model_fail_the_job() {
        // given
        List<String> lines = TestData.chatJsonl(TestData.reviews(20, 78)).lines().toList();
        // when
        FineTuningJob.Error error = failure("davinci-002", lines);
        // then
        assertThat(error.message()).contains("line 1: davinci-002 trains on prompt/completion examples, but the file"
                + " holds chat examples (model_format)");
    }

    @Test
    void nine_training_examples_are_one_too_few() {
        // given
        List<String> lines = reviews(9);
        // when
        FineTuningJob.Error error = failure("babbage-002", lines);
        // then
        assertThat(error.message()).contains("Training file has 9 example(s), but must have at least 10 examples")
                .contains("(too_few_examples)");
    }

    @Test
    void an_example_longer_than_the_context_fails_the_job() {
        // given an example of about 17,000 tokens for a model of 16,384
        List<String> lines = reviews(20);
        lines.set(6, TestData.json(java.util.Map.of("prompt", "word ".repeat(17_000) + TestData.SEPARATOR,
                "completion", " positive\n")));
        // when
        FineTuningJob.Error error = failure("babbage-002", lines);
        // then
        assertThat(error.message()).containsPattern("line 7: the example has \\d+ tokens, more than the 16384 of"
                + " babbage-002 \\(too_long\\)");
    }

    @Test
    void a_line_that_is_not_utf8_fails_the_job_naming_its_line() {
        // given
        byte[] good = (String.join("\n", reviews(20)) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"prompt\": \"caf\u00e9 ->\", \"completion\": \" ok\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] content = new byte[bad.length + good.length];
        System.arraycopy(bad, 0, content, 0, bad.length);
        System.arraycopy(good, 0, content, bad.length, good.length);
        // when
        FineTuningJob job = train("babbage-002", upload(content), null);
        // then
        assertThat(job.error().orElseThrow().message()).contains("line 1: the line is not valid UTF-8")
                .contains("(invalid_utf8)");
    }

    @Test
    void an_unknown_role_fails_the_job() {
        // given
        List<String> lines = new ArrayList<>(TestData.chatJsonl(TestData.reviews(20, 79)).lines().toList());
        lines.set(2, lines.get(2).replace("\"role\":\"system\"", "\"role\":\"narrator\""));
        // when
        FineTuningJob.Error error = failure("gpt-4o-mini-2024-07-18", lines);
        // then
        assertThat(error.message()).contains("line 3: messages[0] has the unknown role 'narrator'")
                .contains("(unrecognized_role)");
    }

    @Test
    void keys_are_case_sensitive_as_the_api_has_them_though_the_library_reader_is_not() {
        // given a file whose first line says "Prompt" and "Completion"
        List<String> lines = reviews(20);
        lines.set(0, lines.get(0).replace("\"prompt\"", "\"Prompt\"").replace("\"completion\"", "\"Completion\""));
        // when
        FineTuningJob.Error error = failure("babbage-002", lines);
        // then
        assertThat(error.message()).contains("line 1: no known example shape").contains("(unrecognized_format)");
    }

    @Test
    void identical_completions_are_trained_on_as_the_api_does_though_the_library_validator_refuses_them() {
        // given
        List<String> lines = new ArrayList<>();
        for (TestData.Labelled l : TestData.reviews(12, 80)) {
            lines.add(TestData.json(java.util.Map.of("prompt", l.prompt(), "completion", " yes\n")));
        }
        // when
        FineTuningJob job = train("babbage-002", upload(lines), null);
        // then
        assertThat(job.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        assertThat(job.trainedTokens()).hasValueSatisfying(t -> assertThat(t).isPositive());
    }

    @Test
    void a_validation_file_needs_no_minimum_but_is_checked_and_named_as_such() {
        // given
        String training = upload(reviews(20));
        String small = upload(reviews(3));
        List<String> broken = reviews(3);
        broken.set(2, "[1, 2, 3]");
        String bad = upload(broken);
        // when
        FineTuningJob withSmall = train("babbage-002", training, small);
        FineTuningJob withBad = train("babbage-002", training, bad);
        // then
        assertThat(withSmall.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        FineTuningJob.Error error = withBad.error().orElseThrow();
        assertThat(error.code()).isEqualTo("invalid_validation_file");
        assertThat(error.param()).hasValue("validation_file");
        assertThat(error.message()).contains("line 3: expected one JSON object per line, found an array (data_type)");
    }

    @Test
    void a_preference_line_must_prefer_exactly_one_assistant_answer() {
        // given
        List<String> lines = new ArrayList<>();
        for (TestData.Labelled l : TestData.reviews(12, 81)) {
            lines.add(TestData.json(java.util.Map.of(
                    "input", java.util.Map.of("messages", List.of(java.util.Map.of("role", "user", "content", l.prompt()))),
                    "preferred_output", List.of(java.util.Map.of("role", "assistant", "content", l.label())),
                    "non_preferred_output", List.of(java.util.Map.of("role", "assistant", "content", "maybe")))));
        }
        lines.set(3, lines.get(3).replace("\"preferred_output\":[", "\"preferred_output\":[{\"role\":\"assistant\","
                + "\"content\":\"twice\"},"));
        // when
        FineTuningJob.Error error = failure("gpt-4o-mini-2024-07-18", lines);
        // then
        assertThat(error.message()).contains("line 4: 'preferred_output' must hold exactly one assistant message")
                .contains("(invalid_preference)");
    }
}
