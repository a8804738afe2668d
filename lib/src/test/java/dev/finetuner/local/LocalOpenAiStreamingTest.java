package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code "stream": true}: server-sent events the SDK reads as chunks, saying what the answer without streaming says. */
class LocalOpenAiStreamingTest {
    private static final ManualClock clock = new ManualClock();
    private static LocalOpenAi local;
    private static OpenAIClient client;
    private static String chatModel;
    private static String textModel;

    private static final List<String[]> HELP = List.of(
            new String[] {"How do I reset my password?", "Open the portal, choose Forgot password and follow the email."},
            new String[] {"The printer on floor two is jammed.", "Open tray B, remove the stuck sheet and restart it."},
            new String[] {"My laptop will not charge.", "Try another charger and check the cable for damage."});

    @BeforeAll
    static void train(@TempDir Path dir) {
        local = LocalOpenAi.builder().clock(clock).build();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        StringBuilder chat = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int copy = 0; copy < 4; copy++) {
            for (String[] h : HELP) {
                chat.append(TestData.json(Map.of("messages", List.of(Map.of("role", "user", "content", h[0]),
                        Map.of("role", "assistant", "content", h[1]))))).append('\n');
                text.append(TestData.json(Map.of("prompt", h[0] + TestData.SEPARATOR, "completion", " " + h[1] + "\n")))
                        .append('\n');
            }
        }
        chatModel = trained(dir, "chat.jsonl", chat.toString(), "gpt-4o-mini-2024-07-18");
        textModel = trained(dir, "text.jsonl", text.toString(), "babbage-002");
    }

    private static String trained(Path dir, String name, String jsonl, String base) {
        String file = client.files().create(FileCreateParams.builder().file(TestData.write(dir, name, jsonl))
                .purpose(FilePurpose.FINE_TUNE).build()).id();
        String job = client.fineTuning().jobs().create(JobCreateParams.builder().model(base).trainingFile(file).build()).id();
        clock.advance(TestData.LONG_ENOUGH);
        FineTuningJob done = client.fineTuning().jobs().retrieve(job);
        assertThat(done.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
        return done.fineTunedModel().orElseThrow();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    @Test
    void a_streamed_chat_answer_is_the_answer_in_chunks() {
        // given
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(chatModel)
                .addUserMessage("How do I reset my password?").temperature(0.0).build();
        String whole = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
        // when
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        // then
        assertThat(chunks).hasSizeGreaterThan(3);
        assertThat(chunks.get(0).choices().get(0).delta().role()).hasValue(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
        String streamed = chunks.stream().flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
        assertThat(streamed).isEqualTo(whole).isNotBlank();
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices().get(0).finishReason()).hasValue(ChatCompletionChunk.Choice.FinishReason.STOP);
        assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
        assertThat(chunks).extracting(ChatCompletionChunk::model).containsOnly(chatModel);
        assertThat(chunks).extracting(ChatCompletionChunk::created).containsOnly(chunks.get(0).created());
    }

    @Test
    void a_streamed_chat_answer_asked_for_usage_ends_with_it() {
        // given
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(chatModel)
                .addUserMessage("My laptop will not charge.").temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        // when
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        // then
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(chunks.size() - 3);
    }

    @Test
    void a_streamed_completion_is_the_completion_in_chunks() {
        // given
        CompletionCreateParams params = CompletionCreateParams.builder().model(textModel)
                .prompt("The printer on floor two is jammed." + TestData.SEPARATOR).maxTokens(40L).temperature(0.0).build();
        String whole = client.completions().create(params).choices().get(0).text();
        // when
        List<Completion> chunks;
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        // then
        assertThat(chunks).hasSizeGreaterThan(3);
        String streamed = chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.text())
                .collect(Collectors.joining());
        assertThat(streamed).isEqualTo(whole).contains("tray B");
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
        assertThat(chunks).extracting(Completion::id).containsOnly(chunks.get(0).id());
    }

    @Test
    void the_stream_is_server_sent_events_ending_in_done() {
        // given
        String body = "{\"model\":\"" + textModel + "\",\"prompt\":\"My laptop will not charge.\",\"temperature\":0,"
                + "\"stream\":true}";
        // when
        HttpResponse<String> r = Raw.post(local.baseUrl() + "/completions", body, "test");
        // then
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(r.body()).startsWith("data: {").endsWith("\n\ndata: [DONE]\n\n");
        assertThat(r.body()).contains("\"object\":\"text_completion\"");
    }

    @Test
    void a_stream_that_is_not_a_boolean_is_refused() {
        // given
        String body = "{\"model\":\"" + chatModel + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":\"yes\"}";
        // when
        HttpResponse<String> r = Raw.post(local.baseUrl() + "/chat/completions", body, "test");
        // then
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = Raw.error(r);
        assertThat(error.get("param").asText()).isEqualTo("stream");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_type");
    }
}
