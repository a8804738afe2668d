package dev.finetuner.completion;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.finetuner.ApiException;
import dev.finetuner.internal.ManualClock;
import dev.finetuner.service.OpenAiConnection;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model is called as it was trained: separator appended, stop sent and stripped, right endpoint. */
class CompletionClientTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String FT = "ft:davinci-002:acme:helpdesk:abc123";
    private static final String COMPLETION = """
            {"id":"cmpl-1","object":"text_completion","created":1,"model":"%s",
             "choices":[{"index":0,"text":" Restart the VPN client.\\n","finish_reason":"stop","logprobs":null}]}""";
    private static final String NOT_FOUND = """
            {"error":{"message":"The model `%s` does not exist","type":"invalid_request_error","param":"model",
             "code":"model_not_found"}}""";

    private final ManualClock clock = new ManualClock();
    private OpenAiConnection api;

    @BeforeEach
    void connect() {
        api = OpenAiConnection.builder().apiKey("test").baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build()).timing(clock).build();
    }

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void a_completion_model_gets_the_separator_and_the_stop_and_the_answer_comes_back_stripped() {
        // given
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(okJson(COMPLETION.formatted(FT))));
        CompletionClient client = CompletionClient.of(api, FT, new PromptFormat("\n\n###\n\n", Optional.of("\n"), true));
        // when
        String answer = client.complete("My VPN drops every hour");
        // then
        assertThat(answer).isEqualTo("Restart the VPN client.");
        wm.verify(postRequestedFor(urlEqualTo("/v1/completions")).withRequestBody(equalToJson(
                "{\"model\":\"" + FT + "\",\"prompt\":\"My VPN drops every hour\\n\\n###\\n\\n\",\"stop\":\"\\n\"}",
                true, true)));
    }

    @Test
    void a_chat_model_is_called_on_chat_completions() {
        // given
        String chatModel = "ft:gpt-4o-mini-2024-07-18:acme::xyz";
        wm.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(okJson("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"%s",
                 "choices":[{"index":0,"finish_reason":"stop","logprobs":null,
                   "message":{"role":"assistant","content":"Restart it.","refusal":null}}]}""".formatted(chatModel))));
        CompletionClient client = CompletionClient.of(api, chatModel, PromptFormat.none());
        // when
        String answer = client.complete("My VPN drops");
        // then
        assertThat(client.isChat()).isTrue();
        assertThat(answer).isEqualTo("Restart it.");
        wm.verify(postRequestedFor(urlEqualTo("/v1/chat/completions")).withRequestBody(equalToJson(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"My VPN drops\"}]}", true, true)));
    }

    @Test
    void a_fresh_model_that_is_not_served_yet_is_waited_for() {
        // given: two 404 model_not_found, then the answer
        wm.stubFor(post(urlEqualTo("/v1/completions")).inScenario("fresh").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody(NOT_FOUND.formatted(FT))).willSetStateTo("still"));
        wm.stubFor(post(urlEqualTo("/v1/completions")).inScenario("fresh").whenScenarioStateIs("still")
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody(NOT_FOUND.formatted(FT))).willSetStateTo("served"));
        wm.stubFor(post(urlEqualTo("/v1/completions")).inScenario("fresh").whenScenarioStateIs("served")
                .willReturn(okJson(COMPLETION.formatted(FT))));
        CompletionClient client = CompletionClient.of(api, FT, new PromptFormat(" ->", Optional.of("\n"), true))
                .withNotReadyWait(Duration.ofSeconds(10));
        // when
        String answer = client.complete("VPN");
        // then: tried again after 500 ms and 1 s
        assertThat(answer).isEqualTo("Restart the VPN client.");
        wm.verify(3, postRequestedFor(urlEqualTo("/v1/completions")));
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    @Test
    void a_model_still_not_served_when_the_wait_ends_fails_with_the_last_404() {
        // given: model_not_found on every call, 20 s to wait
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody(NOT_FOUND.formatted(FT))));
        CompletionClient client = CompletionClient.of(api, FT, PromptFormat.none()).withNotReadyWait(Duration.ofSeconds(20));
        // when / then: tries at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 20 s
        assertThatThrownBy(() -> client.complete("VPN")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.statusCode()).hasValue(404);
            assertThat(e.code()).hasValue("model_not_found");
        });
        wm.verify(7, postRequestedFor(urlEqualTo("/v1/completions")));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void a_zero_wait_does_not_wait_out_a_fresh_model() {
        // given
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody(NOT_FOUND.formatted(FT))));
        CompletionClient client = CompletionClient.of(api, FT, PromptFormat.none()).withNotReadyWait(Duration.ZERO);
        // when / then
        assertThatThrownBy(() -> client.complete("VPN")).isInstanceOf(ApiException.class).hasMessageContaining("404");
        wm.verify(1, postRequestedFor(urlEqualTo("/v1/completions")));
        assertThat(clock.sleeps()).isEmpty();
    }

    @Test
    void a_mistyped_model_fails_at_once_and_names_the_closest_fine_tuned_model() {
        // given: the account has the model the user meant, with one letter different
        String typo = "ft:davinci-002:acme:helpdesk:abc124";
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody(NOT_FOUND.formatted(typo))));
        wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlEqualTo("/v1/models")).willReturn(okJson("""
                {"object":"list","data":[
                 {"id":"davinci-002","object":"model","created":1,"owned_by":"system"},
                 {"id":"%s","object":"model","created":2,"owned_by":"acme"},
                 {"id":"ft:babbage-002:acme:reviews:zz9","object":"model","created":3,"owned_by":"acme"}]}""".formatted(FT))));
        CompletionClient client = CompletionClient.of(api, typo, PromptFormat.none());
        // when / then: one request, no pause, and the suggestion
        assertThatThrownBy(() -> client.complete("VPN")).isInstanceOf(ApiException.class)
                .hasMessageContaining("404 model_not_found").hasMessageContaining("Did you mean " + FT + "?");
        wm.verify(1, postRequestedFor(urlEqualTo("/v1/completions")));
        assertThat(clock.sleeps()).isEmpty();
    }

    @Test
    void a_model_unlike_any_the_account_has_fails_at_once_without_a_suggestion() {
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody(NOT_FOUND.formatted("ft:nothing-like-it"))));
        wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlEqualTo("/v1/models")).willReturn(okJson("""
                {"object":"list","data":[{"id":"%s","object":"model","created":2,"owned_by":"acme"}]}""".formatted(FT))));
        CompletionClient client = CompletionClient.of(api, "ft:nothing-like-it", PromptFormat.none());

        assertThatThrownBy(() -> client.complete("VPN")).isInstanceOf(ApiException.class)
                .hasMessageContaining("404").hasMessageNotContaining("Did you mean");
        wm.verify(1, postRequestedFor(urlEqualTo("/v1/completions")));
    }

    private static String sse(String... chunks) {
        StringBuilder sb = new StringBuilder();
        for (String c : chunks) {
            sb.append("data: ").append(c).append("\n\n");
        }
        return sb.append("data: [DONE]\n\n").toString();
    }

    @Test
    void a_streamed_completion_sends_the_trained_format_and_hands_over_each_piece_then_the_whole_answer() {
        // given: the answer in three pieces, the first with the training's leading space
        String chunk = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"" + FT
                + "\",\"choices\":[{\"index\":0,\"text\":\"%s\",\"finish_reason\":%s,\"logprobs\":null}]}";
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(sse(chunk.formatted(" Restart", "null"),
                        chunk.formatted(" the VPN", "null"), chunk.formatted(" client.", "\"stop\"")))));
        CompletionClient client = CompletionClient.of(api, FT, new PromptFormat("\n\n###\n\n", Optional.of("\n"), true));
        // when
        java.util.List<String> pieces = new java.util.ArrayList<>();
        String answer = client.stream("My VPN drops every hour", CompletionOptions.defaults(), pieces::add);
        // then
        assertThat(pieces).containsExactly("Restart", " the VPN", " client.");
        assertThat(answer).isEqualTo("Restart the VPN client.");
        wm.verify(postRequestedFor(urlEqualTo("/v1/completions")).withRequestBody(equalToJson(
                "{\"model\":\"" + FT + "\",\"prompt\":\"My VPN drops every hour\\n\\n###\\n\\n\",\"stop\":\"\\n\",\"stream\":true}",
                true, true)));
    }

    @Test
    void a_streamed_chat_answer_arrives_in_pieces_from_the_chat_endpoint() {
        // given
        String model = "ft:gpt-4o-mini-2024-07-18:acme::xyz";
        String chunk = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
                + model + "\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}";
        wm.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(sse(
                        chunk.formatted("{\"role\":\"assistant\",\"content\":\"\"}", "null"),
                        chunk.formatted("{\"content\":\"Update\"}", "null"),
                        chunk.formatted("{\"content\":\" the client\"}", "null"),
                        chunk.formatted("{}", "\"stop\"")))));
        CompletionClient client = CompletionClient.of(api, model, PromptFormat.none());
        // when
        java.util.List<String> pieces = new java.util.ArrayList<>();
        String answer = client.stream("VPN drops", CompletionOptions.defaults(), pieces::add);
        // then
        assertThat(pieces).containsExactly("Update", " the client");
        assertThat(answer).isEqualTo("Update the client");
        wm.verify(postRequestedFor(urlEqualTo("/v1/chat/completions")).withRequestBody(equalToJson(
                "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"VPN drops\"}]}",
                true, true)));
    }

    @Test
    void a_stream_that_cannot_start_fails_with_the_api_error() {
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(
                        "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}")));
        CompletionClient client = CompletionClient.of(api, FT, PromptFormat.none());

        assertThatThrownBy(() -> client.stream("VPN", CompletionOptions.defaults(), piece -> { }))
                .isInstanceOf(ApiException.class).hasMessageContaining("400");
    }

    @Test
    void other_errors_are_not_waited_out() {
        // given: a 404 that is not about a fresh model
        wm.stubFor(post(urlEqualTo("/v1/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"message":"This is a chat model and not supported in the v1/completions endpoint.",
                         "type":"invalid_request_error","param":"model","code":null}}""")));
        CompletionClient client = CompletionClient.of(api, FT, PromptFormat.none());
        // when / then
        assertThatThrownBy(() -> client.complete("VPN")).isInstanceOf(ApiException.class).hasMessageContaining("404");
        wm.verify(1, postRequestedFor(urlEqualTo("/v1/completions")));
    }

    @Test
    void the_prompt_format_strips_what_it_added() {
        PromptFormat f = new PromptFormat(" ->", Optional.of(" END"), true);
        assertThat(f.apply("hello")).isEqualTo("hello ->");
        assertThat(f.apply("hello ->")).isEqualTo("hello ->");
        assertThat(f.strip(" world END more")).isEqualTo("world");
        assertThatThrownBy(() -> new PromptFormat("", Optional.of(""), false)).isInstanceOf(IllegalArgumentException.class);
    }
}
