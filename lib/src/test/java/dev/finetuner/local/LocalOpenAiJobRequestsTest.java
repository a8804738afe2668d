package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.methods.SupervisedHyperparameters;
import com.openai.models.finetuning.methods.SupervisedMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What the backend refuses when a job is created, and how a job with bad data fails. */
class LocalOpenAiJobRequestsTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static FileObject reviews;
    private static Path dir;

    @BeforeAll
    static void start(@TempDir Path tmp) {
        dir = tmp;
        local = LocalOpenAi.builder().clock(clock).apiKey("sk-test-key-123456").build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("sk-test-key-123456").maxRetries(0).build();
        reviews = upload("reviews.jsonl", TestData.jsonl(TestData.reviews(20, 3)));
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static FileObject upload(String name, String content) {
        return client.files().create(FileCreateParams.builder().file(TestData.write(dir, name, content))
                .purpose(FilePurpose.FINE_TUNE).build());
    }

    private static BadRequestException rejected(UnaryOperator<SupervisedHyperparameters.Builder> hp) {
        return catchThrowableOfType(BadRequestException.class, () -> client.fineTuning().jobs().create(
                JobCreateParams.builder().model("babbage-002").trainingFile(reviews.id())
                        .method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.SUPERVISED)
                                .supervised(SupervisedMethod.builder().hyperparameters(
                                        hp.apply(SupervisedHyperparameters.builder()).build()).build()).build()).build()));
    }

    @Test
    void epochs_outside_1_to_50_are_refused_naming_n_epochs() {
        // given a valid file
        // when
        BadRequestException e = rejected(b -> b.nEpochs(51L));
        // then
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.param()).hasValue("method.supervised.hyperparameters.n_epochs");
        assertThat(e.getMessage()).contains("between 1 and 50");
    }

    @Test
    void a_batch_size_outside_1_to_256_is_refused_naming_batch_size() {
        // given a valid file
        // when
        BadRequestException e = rejected(b -> b.batchSize(0L));
        // then
        assertThat(e.param()).hasValue("method.supervised.hyperparameters.batch_size");
    }

    @Test
    void a_learning_rate_multiplier_of_zero_is_refused_naming_it() {
        // given a valid file
        // when
        BadRequestException e = rejected(b -> b.learningRateMultiplier(0.0));
        // then
        assertThat(e.param()).hasValue("method.supervised.hyperparameters.learning_rate_multiplier");
    }

    @Test
    void legacy_hyperparameters_are_checked_too() {
        // given
        String body = "{\"model\":\"babbage-002\",\"training_file\":\"" + reviews.id()
                + "\",\"hyperparameters\":{\"n_epochs\":0}}";
        // when
        var r = Raw.post(local.baseUrl() + "/fine_tuning/jobs", body, "sk-test-key-123456");
        // then
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Raw.error(r).get("param").asText()).isEqualTo("hyperparameters.n_epochs");
    }

    @Test
    void a_suffix_that_cannot_be_part_of_a_model_id_is_refused_naming_suffix() {
        // given suffixes that would put a path separator, an extra ":" field, a space or a URL delimiter in a model id
        for (String suffix : List.of("a/b", "team:one", "two words", "what?", "50%", "caf\u00e9")) {
            // when
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.fineTuning().jobs().create(
                    JobCreateParams.builder().model("babbage-002").trainingFile(reviews.id()).suffix(suffix).build()));
            // then
            assertThat(e).as(suffix).isNotNull();
            assertThat(e.param()).as(suffix).hasValue("suffix");
            assertThat(e.code()).as(suffix).hasValue("invalid_value");
            assertThat(e.getMessage()).as(suffix).contains("letters, digits");
        }
    }

    @Test
    void a_suffix_of_64_letters_digits_dashes_underscores_and_dots_is_taken() {
        // given
        String suffix = "Help-desk_v2.1" + "x".repeat(50);
        // when
        FineTuningJob job = client.fineTuning().jobs().create(
                JobCreateParams.builder().model("babbage-002").trainingFile(reviews.id()).suffix(suffix).build());
        // then
        assertThat(job._additionalProperties().get("user_provided_suffix").asString()).hasValue(suffix);
    }

    @Test
    void a_model_trained_with_a_suffix_of_every_allowed_kind_of_character_can_be_retrieved_and_deleted() {
        // given a job with a suffix of letters, digits, '-', '_' and '.', trained to its end on its own backend
        ManualClock own = new ManualClock();
        try (LocalOpenAi backend = LocalOpenAi.builder().clock(own).build()) {
            OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(backend.baseUrl()).apiKey("k").maxRetries(0).build();
            String file = c.files().create(FileCreateParams.builder().purpose(FilePurpose.FINE_TUNE)
                    .file(TestData.write(dir, "suffix.jsonl", TestData.jsonl(TestData.reviews(10, 4)))).build()).id();
            String jobId = c.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002").trainingFile(file)
                    .suffix("Help-desk_v2.1").build()).id();
            own.advance(TestData.LONG_ENOUGH);
            String model = c.fineTuning().jobs().retrieve(jobId).fineTunedModel().orElseThrow();
            // when
            String retrieved = c.models().retrieve(model).id();
            boolean deleted = c.models().delete(model).deleted();
            // then
            assertThat(model).contains(":Help-desk_v2.1:");
            assertThat(retrieved).isEqualTo(model);
            assertThat(deleted).isTrue();
            c.close();
        }
    }

    @Test
    void a_suffix_longer_than_64_characters_is_refused() {
        // given
        String suffix = "s".repeat(65);
        // when
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.fineTuning().jobs().create(
                JobCreateParams.builder().model("babbage-002").trainingFile(reviews.id()).suffix(suffix).build()));
        // then
        assertThat(e.param()).hasValue("suffix");
    }

    @Test
    void an_unknown_or_retired_model_is_refused_naming_model() {
        // given
        List<String> models = List.of("gpt-9000", "curie");
        // when
        List<BadRequestException> errors = models.stream().map(m -> catchThrowableOfType(BadRequestException.class,
                () -> client.fineTuning().jobs().create(JobCreateParams.builder().model(m).trainingFile(reviews.id())
                        .build()))).toList();
        // then
        assertThat(errors).allSatisfy(e -> {
            assertThat(e.param()).hasValue("model");
            assertThat(e.code()).hasValue("model_not_available");
        });
    }

    @Test
    void a_training_file_that_does_not_exist_is_refused_naming_training_file() {
        // given
        String missing = "file-doesnotexist123";
        // when
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.fineTuning().jobs().create(
                JobCreateParams.builder().model("babbage-002").trainingFile(missing).build()));
        // then
        assertThat(e.param()).hasValue("training_file");
        assertThat(e.getMessage()).contains("invalid training_file: " + missing);
    }

    @Test
    void a_job_that_does_not_exist_answers_404() {
        // given
        String missing = "ftjob-doesnotexist123";
        // when
        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> client.fineTuning().jobs().retrieve(missing));
        // then
        assertThat(e.statusCode()).isEqualTo(404);
    }

    @Test
    void an_invalid_training_file_fails_the_job_naming_the_first_blocking_line() {
        // given a file whose third line is not JSON
        List<String> lines = new java.util.ArrayList<>(TestData.jsonl(TestData.reviews(20, 4)).lines().toList());
        lines.set(2, "{\"prompt\": \"broken");
        FileObject bad = upload("bad.jsonl", String.join("\n", lines) + "\n");
        // when
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(bad.id()).build());
        clock.advance(TestData.LONG_ENOUGH);
        FineTuningJob job = client.fineTuning().jobs().retrieve(created.id());
        // then
        assertThat(job.status()).isEqualTo(FineTuningJob.Status.FAILED);
        FineTuningJob.Error error = job.error().orElseThrow();
        assertThat(error.code()).isEqualTo("invalid_training_file");
        assertThat(error.param()).hasValue("training_file");
        assertThat(error.message()).contains("line 3").contains("invalid_json");
        assertThat(job.fineTunedModel()).isEmpty();
    }

    @Test
    void chat_data_for_a_completion_model_fails_the_job() {
        // given
        FileObject chat = upload("chat.jsonl", TestData.chatJsonl(TestData.reviews(20, 5)));
        // when
        FineTuningJob created = client.fineTuning().jobs().create(JobCreateParams.builder().model("davinci-002")
                .trainingFile(chat.id()).build());
        clock.advance(TestData.LONG_ENOUGH);
        FineTuningJob job = client.fineTuning().jobs().retrieve(created.id());
        // then
        assertThat(job.error().orElseThrow().message()).contains("model_format");
    }

    @Test
    void the_same_idempotency_key_returns_the_same_job() {
        // given
        JobCreateParams params = JobCreateParams.builder().model("babbage-002").trainingFile(reviews.id())
                .putAdditionalHeader("Idempotency-Key", "create-once-42").build();
        // when
        FineTuningJob first = client.fineTuning().jobs().create(params);
        FineTuningJob second = client.fineTuning().jobs().create(params);
        // then
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(client.fineTuning().jobs().list().data().stream().filter(j -> j.id().equals(first.id()))).hasSize(1);
    }

    @Test
    void a_wrong_key_is_refused_with_401_and_the_key_is_not_echoed() {
        // given
        OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("sk-wrong-key-987654")
                .maxRetries(0).build();
        // when
        UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class, () -> wrong.models().list());
        wrong.close();
        // then
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(e.code()).hasValue("invalid_api_key");
        assertThat(e.getMessage()).startsWith("401: Incorrect API key provided: sk-").doesNotContain("sk-wrong-key-987654");
    }

    @Test
    void a_request_without_a_key_is_refused_with_401() {
        // given no Authorization header
        // when
        var r = Raw.get(local.baseUrl() + "/models", null);
        // then
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Raw.error(r).get("message").asText()).startsWith("You didn't provide an API key.");
        assertThat(Raw.error(r).get("type").asText()).isEqualTo("invalid_request_error");
    }
}
