package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Chat models: chat data, chat completions with log probabilities, and DPO. */
class LocalOpenAiChatTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static FineTuningJob job;
    private static Path dir;

    @BeforeAll
    static void train(@TempDir Path tmp) {
        dir = tmp;
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        String file = client.files().create(FileCreateParams.builder().file(TestData.write(dir, "chat.jsonl",
                TestData.chatJsonl(TestData.reviews(60, 41)))).purpose(FilePurpose.FINE_TUNE).build()).id();
        job = await(client.fineTuning().jobs().create(JobCreateParams.builder().model("gpt-4o-mini")
                .trainingFile(file).suffix("chat").build()).id());
    }

    /** The job, once it has run to its end. */
    private static FineTuningJob await(String id) {
        clock.advance(TestData.LONG_ENOUGH);
        return client.fineTuning().jobs().retrieve(id);
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static ChatCompletionCreateParams.Builder ask(String model, String review) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Label the review.")
                .addUserMessage(review).temperature(0.0);
    }

    @Test
    void an_alias_trains_its_dated_snapshot() {
        // given the job trained on "gpt-4o-mini"
        // when
        String model = job.model();
        // then
        assertThat(model).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(job.fineTunedModel()).hasValueSatisfying(m -> assertThat(m).startsWith("ft:gpt-4o-mini-2024-07-18:local:chat:"));
    }

    @Test
    void the_chat_model_labels_held_out_reviews_well_above_chance() {
        // given
        List<TestData.Labelled> heldOut = TestData.reviews(30, 42);
        String model = job.fineTunedModel().orElseThrow();
        // when
        long right = heldOut.stream().filter(l -> client.chat().completions().create(ask(model, l.prompt().strip())
                .build()).choices().get(0).message().content().orElse("").equals(l.label())).count();
        // then
        assertThat(right).isGreaterThanOrEqualTo(24);
    }

    @Test
    void a_chat_completion_reports_token_log_probabilities() {
        // given
        String model = job.fineTunedModel().orElseThrow();
        // when
        ChatCompletion c = client.chat().completions().create(ask(model, "i love it, superb phone")
                .logprobs(true).topLogprobs(2L).maxCompletionTokens(5L).build());
        // then
        ChatCompletion.Choice choice = c.choices().get(0);
        List<ChatCompletionTokenLogprob> content = choice.logprobs().orElseThrow().content().orElseThrow();
        assertThat(choice.message().content()).hasValue("positive");
        assertThat(content).extracting(ChatCompletionTokenLogprob::token).containsExactly("positive");
        assertThat(content.get(0).logprob()).isBetween(-1.0, 0.0);
        assertThat(content.get(0).topLogprobs()).hasSize(2);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(1);
    }

    @Test
    void a_chat_model_is_not_served_on_the_completions_endpoint() {
        // given
        String model = job.fineTunedModel().orElseThrow();
        // when
        NotFoundException e = catchThrowableOfType(NotFoundException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(model).prompt("hello").build()));
        // then
        assertThat(e.getMessage()).contains("This is a chat model");
    }

    @Test
    void a_base_model_answers_deterministically() {
        // given
        ChatCompletionCreateParams params = ask("gpt-4o-mini-2024-07-18", "anything").maxCompletionTokens(4L).build();
        // when
        String first = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
        String second = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
        // then
        assertThat(first).isEqualTo(second).isNotBlank();
    }

    @Test
    void a_dpo_job_on_preference_data_succeeds() {
        // given
        StringBuilder jsonl = new StringBuilder();
        for (TestData.Labelled l : TestData.reviews(20, 43)) {
            String other = l.label().equals("positive") ? "negative" : "positive";
            jsonl.append(TestData.json(java.util.Map.of(
                    "input", java.util.Map.of("messages", List.of(java.util.Map.of("role", "user", "content", l.prompt().strip()))),
                    "preferred_output", List.of(java.util.Map.of("role", "assistant", "content", l.label())),
                    "non_preferred_output", List.of(java.util.Map.of("role", "assistant", "content", other))))).append('\n');
        }
        String file = client.files().create(FileCreateParams.builder().file(TestData.write(dir, "dpo.jsonl",
                jsonl.toString())).purpose(FilePurpose.FINE_TUNE).build()).id();
        // when
        FineTuningJob dpo = await(client.fineTuning().jobs().create(JobCreateParams.builder().model("gpt-4o-mini-2024-07-18")
                .trainingFile(file).method(JobCreateParams.Method.builder().type(JobCreateParams.Method.Type.DPO)
                        .dpo(DpoMethod.builder().hyperparameters(DpoHyperparameters.builder().beta(0.2).nEpochs(2L)
                                .build()).build()).build()).build()).id());
        // then
        assertThat(dpo.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        var hp = dpo.method().orElseThrow().dpo().orElseThrow().hyperparameters().orElseThrow();
        assertThat(hp.beta().orElseThrow().asNumber()).isEqualTo(0.2);
        assertThat(hp.nEpochs().orElseThrow().asInteger()).isEqualTo(2);
    }
}
