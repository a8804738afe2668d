package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link LocalOpenAi.Builder#together()}: Together AI's fine-tuning lifecycle, called with the JDK client and Jackson
 * the way Together's API reference shows (multipart upload to {@code /v1/files/upload}, JSON to
 * {@code /v1/fine-tunes}, polling, events, completions by {@code model_output_name}).
 */
class LocalOpenAiTogetherTest {
    private static final String KEY = "together-test-key";
    private static final String MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalOpenAi fast;

    @BeforeAll
    static void start() {
        fast = LocalOpenAi.builder().together().apiKey(KEY).speed(LocalOpenAi.FAST).build();
    }

    @AfterAll
    static void stop() {
        fast.close();
    }

    // ---- a client, as Together's API reference calls the API

    private static HttpResponse<String> send(String method, String url, String key, String contentType, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return Raw.send(b.build());
    }

    private static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode get(LocalOpenAi local, String path) {
        return ok(send("GET", local.baseUrl() + path, KEY, null, null));
    }

    private static HttpResponse<String> post(LocalOpenAi local, String path, String json) {
        return send("POST", local.baseUrl() + path, KEY, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code curl -F "file=@name" -F "file_name=name" -F "purpose=fine-tune" $BASE/files/upload}. */
    private static HttpResponse<String> upload(LocalOpenAi local, String name, String content) {
        String boundary = "----together" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        StringBuilder fields = new StringBuilder();
        fields.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n")
                .append("fine-tune\r\n");
        fields.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\n")
                .append(name).append("\r\n");
        fields.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
                .append(name).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.writeBytes(fields.toString().getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send("POST", local.baseUrl() + "/files/upload", KEY, "multipart/form-data; boundary=" + boundary,
                body.toByteArray());
    }

    private static String uploadId(LocalOpenAi local, String name, String content) {
        return ok(upload(local, name, content)).get("id").asText();
    }

    private static JsonNode create(LocalOpenAi local, String fileId, String extra) {
        return ok(post(local, "/fine-tunes", "{\"model\":\"" + MODEL + "\",\"training_file\":\"" + fileId + "\"" + extra
                + "}"));
    }

    /** Polls as a client would until the job ends. */
    private static JsonNode awaitEnd(LocalOpenAi local, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode job = get(local, "/fine-tunes/" + id);
            String status = job.get("status").asText();
            if (List.of("completed", "error", "cancelled").contains(status)) {
                return job;
            }
            assertThat(System.nanoTime()).as("job %s still %s", id, status).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static List<String> types(JsonNode events) {
        List<String> out = new ArrayList<>();
        events.get("data").forEach(e -> out.add(e.get("type").asText()));
        return out;
    }

    private static String reviews(int n, long seed) {
        return TestData.jsonl(TestData.reviews(n, seed));
    }

    private static JsonNode complete(LocalOpenAi local, String model, String prompt) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("max_tokens", 1);
        body.put("temperature", 0);
        return ok(post(local, "/completions", body.toString()));
    }

    // ---- the lifecycle

    @Test
    void together_and_azure_modes_are_refused_together_with_a_reason() {
        assertThatThrownBy(() -> LocalOpenAi.builder().together().azure().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("together()").hasMessageContaining("azure()");
    }

    @Test
    void a_lora_fine_tune_runs_to_completed_and_its_output_name_answers_what_it_was_trained_on() throws Exception {
        // given
        List<TestData.Labelled> data = TestData.reviews(60, 3);
        JsonNode file = ok(upload(fast, "reviews.jsonl", TestData.jsonl(data)));
        assertThat(file.get("id").asText()).startsWith("file-");
        assertThat(file.get("object").asText()).isEqualTo("file");
        assertThat(file.get("filename").asText()).isEqualTo("reviews.jsonl");
        assertThat(file.get("purpose").asText()).isEqualTo("fine-tune");
        assertThat(file.get("bytes").asLong()).isEqualTo(TestData.jsonl(data).getBytes(StandardCharsets.UTF_8).length);
        assertThat(file.get("Processed").asBoolean()).isTrue();

        // when
        JsonNode created = create(fast, file.get("id").asText(), ",\"n_epochs\":2,\"n_checkpoints\":2,"
                + "\"learning_rate\":0.00002,\"batch_size\":4,\"suffix\":\"reviews\",\"training_type\":{\"type\":\"Lora\","
                + "\"lora_r\":16,\"lora_alpha\":32,\"lora_dropout\":0.05,\"lora_trainable_modules\":\"all-linear\"},"
                + "\"training_method\":{\"method\":\"sft\",\"train_on_inputs\":\"auto\"}");
        String id = created.get("id").asText();
        JsonNode done = awaitEnd(fast, id);

        // then
        assertThat(id).matches("ft-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(created.get("status").asText()).isIn("pending", "queued", "running");
        assertThat(created.get("events")).isEmpty();
        assertThat(done.get("status").asText()).isEqualTo("completed");
        String output = done.get("model_output_name").asText();
        assertThat(output).matches("local/Meta-Llama-3\\.1-8B-Instruct-Reference-reviews-[a-z0-9]{8}");
        assertThat(output).isEqualTo(created.get("model_output_name").asText());
        assertThat(done.get("model").asText()).isEqualTo(MODEL);
        assertThat(done.get("training_type").get("type").asText()).isEqualTo("Lora");
        assertThat(done.get("training_type").get("lora_r").asInt()).isEqualTo(16);
        assertThat(done.get("training_type").get("lora_alpha").asInt()).isEqualTo(32);
        assertThat(done.get("training_type").get("lora_dropout").asDouble()).isEqualTo(0.05);
        assertThat(done.get("training_method").get("method").asText()).isEqualTo("sft");
        assertThat(done.get("n_epochs").asInt()).isEqualTo(2);
        assertThat(done.get("n_checkpoints").asInt()).isEqualTo(2);
        assertThat(done.get("batch_size").asInt()).isEqualTo(4);
        assertThat(done.get("learning_rate").asDouble()).isEqualTo(0.00002);
        assertThat(done.get("suffix").asText()).isEqualTo("reviews");
        assertThat(done.get("steps_completed").asInt()).isEqualTo(done.get("total_steps").asInt()).isEqualTo(30);
        assertThat(done.get("epochs_completed").asInt()).isEqualTo(2);
        assertThat(done.get("token_count").asLong()).isPositive();
        assertThat(done.get("updated_at").asText()).isGreaterThanOrEqualTo(done.get("created_at").asText());
        assertThat(types(get(fast, "/fine-tunes/" + id + "/events"))).containsExactly("JOB_PENDING",
                "TRAINING_DATA_DOWNLOAD_COMPLETE", "JOB_START", "EPOCH_COMPLETE", "EPOCH_COMPLETE", "TRAINING_COMPLETE",
                "MODEL_UPLOAD_COMPLETE", "JOB_COMPLETE");
        for (TestData.Labelled l : data.subList(0, 6)) {
            JsonNode answer = complete(fast, output, l.prompt());
            assertThat(answer.get("model").asText()).isEqualTo(output);
            assertThat(answer.get("choices").get(0).get("text").asText()).isEqualTo(" " + l.label());
        }
    }

    @Test
    void a_retrieved_job_carries_its_events_and_the_list_holds_every_job_oldest_first() throws Exception {
        // given
        String file = uploadId(fast, "list.jsonl", reviews(12, 4));
        String first = create(fast, file, "").get("id").asText();
        String second = create(fast, file, "").get("id").asText();
        awaitEnd(fast, first);
        awaitEnd(fast, second);

        // when
        JsonNode list = get(fast, "/fine-tunes");
        JsonNode retrieved = get(fast, "/fine-tunes/" + first);

        // then
        List<String> ids = new ArrayList<>();
        list.get("data").forEach(j -> ids.add(j.get("id").asText()));
        assertThat(ids).containsSubsequence(first, second);
        assertThat(retrieved.get("events")).isEqualTo(get(fast, "/fine-tunes/" + first + "/events").get("data"));
        assertThat(retrieved.get("training_type").get("type").asText()).isEqualTo("Lora"); // Together's default
        assertThat(retrieved.get("random_seed").asLong()).isEqualTo(42);
    }

    @Test
    void events_are_oldest_first_have_no_ids_and_a_later_poll_only_adds_to_an_earlier_one() {
        // given
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).clock(clock).build()) {
            String file = uploadId(local, "events.jsonl", reviews(30, 5));
            String id = create(local, file, ",\"n_epochs\":3").get("id").asText();
            List<JsonNode> polls = new ArrayList<>();

            // when
            for (int i = 0; i < 40; i++) {
                polls.add(get(local, "/fine-tunes/" + id + "/events").get("data"));
                clock.advance(Duration.ofSeconds(5));
            }
            clock.advance(TestData.LONG_ENOUGH);
            polls.add(get(local, "/fine-tunes/" + id + "/events").get("data"));

            // then
            JsonNode last = polls.get(polls.size() - 1);
            assertThat(get(local, "/fine-tunes/" + id + "/events").get("data")).isEqualTo(last);
            for (JsonNode poll : polls) {
                for (int i = 0; i < poll.size(); i++) {
                    assertThat(poll.get(i)).isEqualTo(last.get(i));
                }
            }
            assertThat(polls.stream().map(JsonNode::size).distinct().count()).as("the events grew while polled")
                    .isGreaterThan(2);
            String previous = "";
            for (JsonNode e : last) {
                assertThat(e.has("id")).isFalse();
                assertThat(e.get("object").asText()).isEqualTo("fine-tune-event");
                assertThat(e.get("level").asText()).isEqualTo("Info");
                assertThat(e.get("created_at").asText()).isGreaterThanOrEqualTo(previous);
                previous = e.get("created_at").asText();
                for (String field : List.of("message", "type", "param_count", "token_count", "wandb_url", "step",
                        "checkpoint_path", "model_path", "training_offset", "hash")) {
                    assertThat(e.has(field)).as(field).isTrue();
                }
            }
            assertThat(last.get(0).get("type").asText()).isEqualTo("JOB_PENDING");
            assertThat(last.get(last.size() - 1).get("type").asText()).isEqualTo("JOB_COMPLETE");
            assertThat(last.get(last.size() - 2).get("model_path").asText())
                    .isEqualTo(get(local, "/fine-tunes/" + id).get("model_output_name").asText());
        }
    }

    @Test
    void the_job_moves_through_pending_queued_running_uploading_and_completed() {
        // given
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).clock(clock).build()) {
            String file = uploadId(local, "statuses.jsonl", reviews(20, 6));
            String id = create(local, file, "").get("id").asText();
            List<String> seen = new ArrayList<>();

            // when
            for (int i = 0; i < 2_000 && !seen.contains("completed"); i++) {
                String status = get(local, "/fine-tunes/" + id).get("status").asText();
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status)) {
                    seen.add(status);
                }
                clock.advance(Duration.ofMillis(500));
            }

            // then
            assertThat(seen).containsExactly("pending", "queued", "running", "uploading", "completed");
        }
    }

    @Test
    void chat_examples_train_a_model_that_answers_chat_completions_and_completions() throws Exception {
        // given
        List<TestData.Labelled> data = TestData.reviews(40, 7);
        String file = uploadId(fast, "chat.jsonl", TestData.chatJsonl(data));
        String output = awaitEnd(fast, create(fast, file, ",\"suffix\":\"chat\"").get("id").asText())
                .get("model_output_name").asText();
        ObjectNode body = JSON.createObjectNode();
        body.put("model", output);
        body.put("temperature", 0);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Label the review.");
        messages.addObject().put("role", "user").put("content", data.get(0).prompt().strip());

        // when
        JsonNode chat = ok(post(fast, "/chat/completions", body.toString()));
        JsonNode text = complete(fast, output, "user: " + data.get(0).prompt().strip() + "\n");

        // then
        assertThat(chat.get("choices").get(0).get("message").get("content").asText()).isEqualTo(data.get(0).label());
        assertThat(text.get("choices")).hasSize(1);
    }

    @Test
    void checkpoints_list_each_kept_epoch_and_the_final_model_and_a_checkpoint_path_answers() throws Exception {
        // given
        String file = uploadId(fast, "checkpoints.jsonl", reviews(20, 8));
        JsonNode done = awaitEnd(fast, create(fast, file, ",\"n_epochs\":2,\"batch_size\":10").get("id").asText());

        // when
        JsonNode checkpoints = get(fast, "/fine-tunes/" + done.get("id").asText() + "/checkpoints").get("data");

        // then
        assertThat(checkpoints).hasSize(3);
        assertThat(checkpoints.get(0).get("checkpoint_type").asText()).isEqualTo("Intermediate");
        assertThat(checkpoints.get(0).get("step").asInt()).isEqualTo(2);
        assertThat(checkpoints.get(2).get("checkpoint_type").asText()).isEqualTo("Final");
        assertThat(checkpoints.get(2).get("path").asText()).isEqualTo(done.get("model_output_name").asText());
        JsonNode answer = complete(fast, checkpoints.get(0).get("path").asText(), "great product" + TestData.SEPARATOR);
        assertThat(answer.get("choices")).hasSize(1);
    }

    @Test
    void plain_text_examples_train_a_model_and_a_dpo_job_on_preference_examples_completes() throws Exception {
        // given
        StringBuilder text = new StringBuilder();
        StringBuilder preference = new StringBuilder();
        for (TestData.Labelled l : TestData.reviews(20, 17)) {
            text.append(JSON.createObjectNode().put("text", l.prompt() + " " + l.label())).append('\n');
            ObjectNode p = JSON.createObjectNode();
            p.putObject("input").putArray("messages").addObject().put("role", "user").put("content", l.prompt());
            p.putArray("preferred_output").addObject().put("role", "assistant").put("content", l.label());
            p.putArray("non_preferred_output").addObject().put("role", "assistant")
                    .put("content", l.label().equals("positive") ? "negative" : "positive");
            preference.append(p).append('\n');
        }
        String textFile = uploadId(fast, "text.jsonl", text.toString());
        String preferenceFile = uploadId(fast, "preference.jsonl", preference.toString());

        // when
        JsonNode general = awaitEnd(fast, create(fast, textFile, ",\"training_type\":{\"type\":\"Full\"}")
                .get("id").asText());
        JsonNode dpo = awaitEnd(fast, create(fast, preferenceFile, ",\"training_method\":{\"method\":\"dpo\","
                + "\"dpo_beta\":0.2}").get("id").asText());

        // then
        assertThat(general.get("status").asText()).isEqualTo("completed");
        assertThat(general.get("training_type").get("type").asText()).isEqualTo("Full");
        assertThat(complete(fast, general.get("model_output_name").asText(), "great").get("choices")).hasSize(1);
        assertThat(dpo.get("status").asText()).isEqualTo("completed");
        assertThat(dpo.get("training_method").get("method").asText()).isEqualTo("dpo");
        assertThat(dpo.get("training_method").get("dpo_beta").asDouble()).isEqualTo(0.2);
    }

    // ---- bad files

    @Test
    void a_line_with_an_extra_column_ends_the_job_in_error_with_a_message_naming_the_line() throws Exception {
        // given
        String content = reviews(2, 9) + "{\"prompt\":\"a\",\"completion\":\" b\",\"label\":\"x\"}\n" + reviews(8, 10);
        String file = uploadId(fast, "extra.jsonl", content);

        // when
        JsonNode done = awaitEnd(fast, create(fast, file, "").get("id").asText());

        // then
        assertThat(done.get("status").asText()).isEqualTo("error");
        JsonNode events = get(fast, "/fine-tunes/" + done.get("id").asText() + "/events").get("data");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("type").asText()).isEqualTo("JOB_ERROR");
        assertThat(last.get("level").asText()).isEqualTo("Error");
        assertThat(last.get("message").asText()).contains(file).contains("Found extra column \"label\" in the line 3");
        HttpResponse<String> untrained = post(fast, "/completions", "{\"model\":\""
                + done.get("model_output_name").asText() + "\",\"prompt\":\"x\"}");
        assertThat(untrained.statusCode()).isEqualTo(404);
    }

    @Test
    void a_conversation_whose_roles_do_not_alternate_ends_the_job_in_error() throws Exception {
        // given
        String bad = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"user\",\"content\":\"again\"},"
                + "{\"role\":\"assistant\",\"content\":\"hello\"}]}\n";
        String file = uploadId(fast, "turns.jsonl", bad);

        // when
        JsonNode done = awaitEnd(fast, create(fast, file, "").get("id").asText());

        // then
        assertThat(done.get("status").asText()).isEqualTo("error");
        JsonNode events = get(fast, "/fine-tunes/" + done.get("id").asText() + "/events").get("data");
        assertThat(events.get(events.size() - 1).get("message").asText())
                .contains("Invalid role turns on line 1").contains("must alternate");
    }

    @Test
    void a_line_that_is_not_json_and_a_line_of_no_known_format_are_named() throws Exception {
        // given
        String notJson = uploadId(fast, "broken.jsonl", reviews(1, 11) + "{\"prompt\": \n");
        String unknown = uploadId(fast, "unknown.jsonl", "{\"question\":\"a\",\"answer\":\"b\"}\n");

        // when
        JsonNode first = awaitEnd(fast, create(fast, notJson, "").get("id").asText());
        JsonNode second = awaitEnd(fast, create(fast, unknown, "").get("id").asText());

        // then
        assertThat(first.get("status").asText()).isEqualTo("error");
        assertThat(second.get("status").asText()).isEqualTo("error");
        JsonNode a = get(fast, "/fine-tunes/" + first.get("id").asText() + "/events").get("data");
        JsonNode b = get(fast, "/fine-tunes/" + second.get("id").asText() + "/events").get("data");
        assertThat(a.get(a.size() - 1).get("message").asText()).contains("Unexpected format on line 2");
        assertThat(b.get(b.size() - 1).get("message").asText()).contains("Could not detect a format for the line 1")
                .contains("question");
    }

    // ---- cancel

    @Test
    void a_cancelled_job_is_cancelled_and_cannot_be_cancelled_again() {
        // given
        ManualClock clock = new ManualClock();
        try (LocalOpenAi local = LocalOpenAi.builder().together().apiKey(KEY).clock(clock).build()) {
            String id = create(local, uploadId(local, "cancel.jsonl", reviews(20, 12)), "").get("id").asText();
            clock.advance(Duration.ofSeconds(30)); // running

            // when
            JsonNode cancelled = ok(post(local, "/fine-tunes/" + id + "/cancel", ""));
            clock.advance(TestData.LONG_ENOUGH);
            HttpResponse<String> again = post(local, "/fine-tunes/" + id + "/cancel", "");

            // then
            assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
            assertThat(get(local, "/fine-tunes/" + id).get("status").asText()).isEqualTo("cancelled");
            List<String> types = types(get(local, "/fine-tunes/" + id + "/events"));
            assertThat(types.get(types.size() - 1)).isEqualTo("CANCEL_REQUESTED");
            assertThat(types).doesNotContain("JOB_COMPLETE");
            assertThat(again.statusCode()).isEqualTo(400);
            assertThat(parse(again.body()).get("error").get("message").asText()).contains("already ended (cancelled)");
        }
    }

    // ---- errors

    @Test
    void an_unknown_job_file_or_model_is_a_404_in_togethers_error_shape() {
        // when
        HttpResponse<String> job = send("GET", fast.baseUrl() + "/fine-tunes/ft-00000000-0000-4000-8000-000000000000",
                KEY, null, null);
        HttpResponse<String> events = send("GET", fast.baseUrl() + "/fine-tunes/ft-nope/events", KEY, null, null);
        HttpResponse<String> file = send("GET", fast.baseUrl() + "/files/file-nope12345", KEY, null, null);
        HttpResponse<String> model = post(fast, "/completions", "{\"model\":\"local/nothing-12345678\",\"prompt\":\"x\"}");

        // then
        for (HttpResponse<String> r : List.of(job, events, file, model)) {
            assertThat(r.statusCode()).isEqualTo(404);
            JsonNode error = parse(r.body()).get("error");
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(parse(job.body()).get("error").get("message").asText())
                .isEqualTo("Fine-tune job ft-00000000-0000-4000-8000-000000000000 not found.");
        assertThat(parse(model.body()).get("error").get("code").asText()).isEqualTo("model_not_available");
        assertThat(parse(model.body()).get("error").get("message").asText())
                .startsWith("Unable to access model local/nothing-12345678.");
    }

    @Test
    void a_missing_or_wrong_key_is_a_401_that_does_not_show_the_key() {
        // when
        HttpResponse<String> missing = send("GET", fast.baseUrl() + "/fine-tunes", null, null, null);
        HttpResponse<String> wrong = send("GET", fast.baseUrl() + "/fine-tunes", "sk-wrong-key-123456", null, null);
        HttpResponse<String> right = send("GET", fast.baseUrl() + "/fine-tunes", KEY, null, null);

        // then
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(parse(missing.body()).get("error").get("message").asText()).contains("Authorization: Bearer");
        assertThat(parse(wrong.body()).get("error").get("message").asText()).startsWith("Invalid API key provided")
                .contains("api.together.xyz");
        assertThat(parse(wrong.body()).get("error").get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(wrong.body()).doesNotContain("sk-wrong").doesNotContain(KEY);
    }

    @Test
    void bad_create_requests_are_400s_that_name_the_parameter() {
        // given
        String file = uploadId(fast, "requests.jsonl", reviews(10, 13));

        // when
        HttpResponse<String> flatLora = post(fast, "/fine-tunes", "{\"model\":\"" + MODEL + "\",\"training_file\":\""
                + file + "\",\"lora\":true,\"lora_r\":8}");
        HttpResponse<String> noRank = post(fast, "/fine-tunes", "{\"model\":\"" + MODEL + "\",\"training_file\":\""
                + file + "\",\"training_type\":{\"type\":\"Lora\",\"lora_alpha\":16}}");
        HttpResponse<String> evals = post(fast, "/fine-tunes", "{\"model\":\"" + MODEL + "\",\"training_file\":\""
                + file + "\",\"n_evals\":2}");
        HttpResponse<String> missingFile = post(fast, "/fine-tunes", "{\"model\":\"" + MODEL
                + "\",\"training_file\":\"file-doesnotexist1\"}");
        HttpResponse<String> method = post(fast, "/fine-tunes", "{\"model\":\"" + MODEL + "\",\"training_file\":\""
                + file + "\",\"training_method\":{\"method\":\"rl\"}}");

        // then
        assertThat(List.of(flatLora, noRank, evals, missingFile, method)).allSatisfy(r ->
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400));
        assertThat(parse(flatLora.body()).get("error").get("message").asText()).contains("training_type");
        assertThat(parse(noRank.body()).get("error").get("param").asText()).isEqualTo("training_type.lora_r");
        assertThat(parse(evals.body()).get("error").get("message").asText()).contains("validation_file");
        assertThat(parse(missingFile.body()).get("error").get("param").asText()).isEqualTo("training_file");
        assertThat(parse(method.body()).get("error").get("param").asText()).isEqualTo("training_method.method");
    }

    @Test
    void openai_shaped_fine_tuning_paths_are_not_served() {
        // when
        HttpResponse<String> jobs = send("GET", fast.baseUrl() + "/fine_tuning/jobs", KEY, null, null);
        HttpResponse<String> files = send("POST", fast.baseUrl() + "/files", KEY, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8));

        // then
        assertThat(jobs.statusCode()).isEqualTo(404);
        assertThat(files.statusCode()).isEqualTo(404);
    }

    @Test
    void a_fine_tune_upload_that_is_not_jsonl_is_refused() {
        // when
        HttpResponse<String> r = upload(fast, "data.txt", reviews(10, 14));

        // then
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).get("error").get("param").asText()).isEqualTo("file_name");
    }

    @Test
    void files_are_listed_retrieved_read_and_deleted() {
        // given
        String content = reviews(3, 15);
        String id = uploadId(fast, "crud.jsonl", content);

        // when
        JsonNode list = get(fast, "/files");
        JsonNode retrieved = get(fast, "/files/" + id);
        HttpResponse<String> read = send("GET", fast.baseUrl() + "/files/" + id + "/content", KEY, null, null);
        JsonNode deleted = ok(send("DELETE", fast.baseUrl() + "/files/" + id, KEY, null, null));
        HttpResponse<String> after = send("GET", fast.baseUrl() + "/files/" + id, KEY, null, null);

        // then
        List<String> ids = new ArrayList<>();
        list.get("data").forEach(f -> ids.add(f.get("id").asText()));
        assertThat(ids).contains(id);
        assertThat(retrieved.get("filename").asText()).isEqualTo("crud.jsonl");
        assertThat(read.body()).isEqualTo(content);
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        assertThat(after.statusCode()).isEqualTo(404);
    }

    @Test
    void a_together_job_survives_a_restart_on_the_same_storage(@TempDir Path dir) {
        // given
        ManualClock clock = new ManualClock();
        String id;
        String output;
        try (LocalOpenAi first = LocalOpenAi.builder().together().clock(clock).storageDirectory(dir).build()) {
            JsonNode job = create(first, uploadId(first, "restart.jsonl", reviews(20, 16)), ",\"suffix\":\"again\"");
            id = job.get("id").asText();
            output = job.get("model_output_name").asText();
            clock.advance(Duration.ofSeconds(30));
        }

        // when
        try (LocalOpenAi second = LocalOpenAi.builder().together().clock(clock).storageDirectory(dir).build()) {
            clock.advance(TestData.LONG_ENOUGH);
            JsonNode job = get(second, "/fine-tunes/" + id);

            // then
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("model_output_name").asText()).isEqualTo(output);
            assertThat(complete(second, output, "great" + TestData.SEPARATOR).get("choices")).hasSize(1);
        }
    }
}
