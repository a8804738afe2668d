package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import dev.finetuner.AwaitTimeoutException;
import dev.finetuner.DeploymentFailedException;
import dev.finetuner.completion.CompletionClient;
import dev.finetuner.completion.PromptFormat;
import dev.finetuner.internal.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Azure OpenAI contract, against stubs written from Microsoft's REST reference: the data plane's v1 and
 * classic paths ({@code api-version}), its {@code api-key} and bearer headers, a deployment's completions, and
 * the management API's deployments (Cognitive Services {@code 2024-10-01}: PUT, GET, DELETE, the provisioning
 * states, ARM error bodies).
 */
class AzureContractTest {
    private static final String ARM = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.CognitiveServices"
            + "/accounts/acct-1/deployments/helpdesk-ft";
    private static final String ARM_URL = ARM + "?api-version=2024-10-01";
    private static final String MODEL = "ft:gpt-4o-mini-2024-07-18:acme::abc123";
    private static final String JOB = """
            {
              "object": "fine_tuning.job", "id": "ftjob-abc", "model": "davinci-002", "created_at": 1721764800,
              "finished_at": null, "fine_tuned_model": null, "organization_id": "org-123", "result_files": [],
              "status": "running", "validation_file": null, "training_file": "file-train",
              "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 1},
              "trained_tokens": null, "error": null, "seed": 42
            }""";

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final ManualClock clock = new ManualClock();
    private OpenAiConnection api;

    @AfterEach
    void close() {
        if (api != null) {
            api.close();
        }
    }

    private OpenAiConnection connect(AzureOptions.Builder azure) {
        api = OpenAiConnection.builder().azure(azure.build()).timing(clock).retry(RetryPolicy.builder()
                .initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(20)).build()).build();
        return api;
    }

    private AzureOptions.Builder withManagement() {
        return AzureOptions.builder(wm.baseUrl()).apiKey("azure-key-0123456789")
                .management("sub-1", "rg-1", "acct-1", () -> "arm-token-0123456789").managementUrl(wm.baseUrl());
    }

    private static String deployment(String state) {
        return """
                {"id": "%s", "name": "helpdesk-ft", "type": "Microsoft.CognitiveServices/accounts/deployments",
                 "sku": {"name": "Standard", "capacity": 1},
                 "properties": {"model": {"format": "OpenAI", "name": "%s", "version": "1"}, "provisioningState": "%s"}}
                """.formatted(ARM, MODEL, state);
    }

    private static DeployOptions polling() {
        return DeployOptions.defaults().withPollInterval(Duration.ofSeconds(10)).withTimeout(Duration.ofMinutes(5));
    }

    @Test
    void the_v1_paths_send_the_api_key_header_and_no_api_version() {
        // given
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc")).willReturn(okJson(JOB)));
        // when
        Job job = connect(AzureOptions.builder(wm.baseUrl()).apiKey("azure-key-0123456789")).jobs().retrieve("ftjob-abc");
        // then
        assertThat(job.id()).isEqualTo("ftjob-abc");
        wm.verify(getRequestedFor(urlEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc"))
                .withHeader("api-key", equalTo("azure-key-0123456789")).withHeader("Authorization", absent()));
    }

    @Test
    void the_classic_paths_carry_the_api_version_and_an_endpoint_given_with_openai_is_taken_as_the_resource() {
        // given
        wm.stubFor(get(urlPathEqualTo("/openai/fine_tuning/jobs/ftjob-abc")).willReturn(okJson(JOB)));
        // when
        connect(AzureOptions.builder(wm.baseUrl() + "/openai/").apiKey("azure-key-0123456789").apiVersion("2024-10-21"))
                .jobs().retrieve("ftjob-abc");
        // then
        wm.verify(getRequestedFor(urlEqualTo("/openai/fine_tuning/jobs/ftjob-abc?api-version=2024-10-21")));
    }

    @Test
    void a_token_supplier_is_asked_before_every_request_and_its_tokens_stay_out_of_messages() {
        // given: a supplier that hands out a new token each time, and a server that refuses the second request
        AtomicInteger calls = new AtomicInteger();
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc")).inScenario("t")
                .whenScenarioStateIs(STARTED).willReturn(okJson(JOB)).willSetStateTo("expired"));
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc")).inScenario("t")
                .whenScenarioStateIs("expired").willReturn(aResponse().withStatus(401).withHeader("Content-Type",
                        "application/json").withBody("{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to"
                        + " invalid subscription key or wrong API endpoint.\"}}")));
        OpenAiConnection c = connect(AzureOptions.builder(wm.baseUrl())
                .tokens(() -> "entra-token-" + calls.incrementAndGet() + "-abcdefgh"));
        // when
        c.jobs().retrieve("ftjob-abc");
        ApiException refused = catchThrowableOfType(ApiException.class, () -> c.jobs().retrieve("ftjob-abc"));
        // then
        assertThat(calls.get()).isEqualTo(2);
        wm.verify(getRequestedFor(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc"))
                .withHeader("Authorization", equalTo("Bearer entra-token-1-abcdefgh")).withHeader("api-key", absent()));
        wm.verify(getRequestedFor(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-abc"))
                .withHeader("Authorization", equalTo("Bearer entra-token-2-abcdefgh")));
        assertThat(refused.statusCode()).hasValue(401);
        assertThat(refused.getMessage()).doesNotContain("entra-token");
        assertThat(c.toString()).doesNotContain("entra-token").contains("bearer tokens");
    }

    @Test
    void a_deployment_is_put_as_the_reference_shows_and_awaited_from_creating_to_succeeded() {
        // given: 201 Accepted, then Creating, then Succeeded
        wm.stubFor(put(urlEqualTo(ARM_URL)).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(deployment("Accepted"))));
        wm.stubFor(get(urlEqualTo(ARM_URL)).inScenario("p").whenScenarioStateIs(STARTED)
                .willReturn(okJson(deployment("Creating"))).willSetStateTo("ready"));
        wm.stubFor(get(urlEqualTo(ARM_URL)).inScenario("p").whenScenarioStateIs("ready")
                .willReturn(okJson(deployment("Succeeded"))));
        AzureDeployments deployments = connect(withManagement()).azureDeployments().orElseThrow();
        // when
        Deployment created = deployments.create("helpdesk-ft", MODEL, DeployOptions.defaults());
        Deployment ready = deployments.await("helpdesk-ft", polling());
        // then
        assertThat(created.state()).isEqualTo(DeploymentState.ACCEPTED);
        assertThat(ready).isEqualTo(new Deployment("helpdesk-ft", MODEL, "Standard", 1, DeploymentState.SUCCEEDED));
        assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(10));
        wm.verify(putRequestedFor(urlEqualTo(ARM_URL)).withHeader("Authorization", equalTo("Bearer arm-token-0123456789"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"sku": {"name": "Standard", "capacity": 1},
                         "properties": {"model": {"format": "OpenAI", "name": "%s", "version": "1"}}}""".formatted(MODEL))));
    }

    @Test
    void a_deployment_that_ends_failed_is_a_typed_error() {
        // given
        wm.stubFor(get(urlEqualTo(ARM_URL)).willReturn(okJson(deployment("Failed"))));
        AzureDeployments deployments = connect(withManagement()).azureDeployments().orElseThrow();
        // when
        DeploymentFailedException e = catchThrowableOfType(DeploymentFailedException.class,
                () -> deployments.await("helpdesk-ft", polling()));
        // then
        assertThat(e.deployment()).isEqualTo("helpdesk-ft");
        assertThat(e.state()).isEqualTo("Failed");
        assertThat(e.getMessage()).contains("deploy again");
    }

    @Test
    void a_deployment_still_creating_at_the_timeout_is_an_await_timeout_naming_its_state() {
        // given
        wm.stubFor(get(urlEqualTo(ARM_URL)).willReturn(okJson(deployment("Creating"))));
        AzureDeployments deployments = connect(withManagement()).azureDeployments().orElseThrow();
        // when / then
        assertThatThrownBy(() -> deployments.await("helpdesk-ft", polling().withTimeout(Duration.ofMinutes(1))))
                .isInstanceOf(AwaitTimeoutException.class).hasMessageContaining("deployment helpdesk-ft was still Creating");
    }

    @Test
    void a_refused_deployment_carries_the_arm_error_code_and_request_id_and_is_not_retried() {
        // given: the ARM error body of a quota refusal
        wm.stubFor(put(urlEqualTo(ARM_URL)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withHeader("x-ms-request-id", "req-arm-1")
                .withBody("{\"error\":{\"code\":\"InsufficientQuota\",\"message\":\"This operation require 1 new capacity"
                        + " in quota Tokens Per Minute (thousands) - gpt-4o-mini-finetune, which is bigger than the"
                        + " current available capacity 0.\"}}")));
        AzureDeployments deployments = connect(withManagement()).azureDeployments().orElseThrow();
        // when
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> deployments.create("helpdesk-ft", MODEL, DeployOptions.defaults()));
        // then
        assertThat(e.statusCode()).hasValue(400);
        assertThat(e.code()).hasValue("InsufficientQuota");
        assertThat(e.requestId()).hasValue("req-arm-1");
        assertThat(e.getMessage()).contains("current available capacity 0");
        wm.verify(1, putRequestedFor(urlEqualTo(ARM_URL)));
    }

    @Test
    void a_throttled_poll_is_retried_after_retry_after() {
        // given
        wm.stubFor(get(urlEqualTo(ARM_URL)).inScenario("429").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1").withHeader("Content-Type",
                        "application/json").withBody("{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}"))
                .willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo(ARM_URL)).inScenario("429").whenScenarioStateIs("ok")
                .willReturn(okJson(deployment("Succeeded"))));
        // when
        Deployment d = connect(withManagement()).azureDeployments().orElseThrow().retrieve("helpdesk-ft");
        // then
        assertThat(d.state().isReady()).isTrue();
        wm.verify(2, getRequestedFor(urlEqualTo(ARM_URL)));
    }

    @Test
    void deleting_answers_whether_there_was_a_deployment() {
        // given: 200 for one that existed, 204 for one that did not, as the reference says
        wm.stubFor(delete(urlEqualTo(ARM_URL)).willReturn(aResponse().withStatus(200)));
        wm.stubFor(delete(urlEqualTo(ARM_URL.replace("helpdesk-ft", "gone"))).willReturn(aResponse().withStatus(204)));
        AzureDeployments deployments = connect(withManagement()).azureDeployments().orElseThrow();
        // when / then
        assertThat(deployments.delete("helpdesk-ft")).isTrue();
        assertThat(deployments.delete("gone")).isFalse();
    }

    @Test
    void a_deployment_is_called_at_its_own_classic_path_with_the_trained_separator_and_stop() {
        // given
        wm.stubFor(post(urlPathEqualTo("/openai/deployments/helpdesk-ft/completions")).willReturn(okJson("""
                {"id": "cmpl-1", "object": "text_completion", "created": 1721764800, "model": "davinci-002",
                 "choices": [{"text": " Restart the client.\\n", "index": 0, "logprobs": null, "finish_reason": "stop"}]}""")));
        OpenAiConnection c = connect(AzureOptions.builder(wm.baseUrl()).apiKey("azure-key-0123456789").apiVersion("2024-10-21"));
        PromptFormat format = new PromptFormat(" ->", Optional.of("\n"), true);
        // when
        String answer;
        try (OpenAiConnection deployed = c.forDeployment("helpdesk-ft")) {
            answer = CompletionClient.forDeployment(deployed, "helpdesk-ft", "ft:davinci-002:acme::abc", format)
                    .complete("My VPN drops");
        }
        // then
        assertThat(answer).isEqualTo("Restart the client.");
        wm.verify(postRequestedFor(urlEqualTo("/openai/deployments/helpdesk-ft/completions?api-version=2024-10-21"))
                .withHeader("api-key", equalTo("azure-key-0123456789"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("helpdesk-ft")))
                .withRequestBody(matchingJsonPath("$.prompt", equalTo("My VPN drops ->")))
                .withRequestBody(matchingJsonPath("$.stop", equalTo("\n"))));
    }

    @Test
    void a_missing_deployment_is_a_404_deployment_not_found_at_once() {
        // given: Azure's answer for a deployment that does not exist
        wm.stubFor(post(urlPathEqualTo("/openai/v1/chat/completions")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"code\":\"DeploymentNotFound\","
                        + "\"message\":\"The API deployment for this resource does not exist. If you created the"
                        + " deployment within the last 5 minutes, please wait a moment and try again.\"}}")));
        OpenAiConnection c = connect(AzureOptions.builder(wm.baseUrl()).apiKey("azure-key-0123456789"));
        // when
        ApiException e = catchThrowableOfType(ApiException.class, () -> CompletionClient.forDeployment(c, "nope", MODEL,
                PromptFormat.none()).complete("hello"));
        // then
        assertThat(e.statusCode()).hasValue(404);
        assertThat(e.code()).hasValue("DeploymentNotFound");
        wm.verify(1, postRequestedFor(urlPathEqualTo("/openai/v1/chat/completions"))
                .withRequestBody(matchingJsonPath("$.model", equalTo("nope"))));
    }
}
