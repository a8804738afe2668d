package dev.finetuner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.service.AzureOptions;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole loop on Azure OpenAI against stubs of its REST API, as Microsoft's reference shapes it: the data
 * plane's v1 paths under {@code /openai/v1/} with the {@code api-key} header (files, a fine-tuning job that
 * runs and succeeds, its events, completions by deployment name) and the management API's deployment
 * ({@code PUT}, then {@code Creating} to {@code Succeeded}, then {@code DELETE}), through the public API a
 * user calls: prepare, train, deploy, complete, undeploy.
 */
class AzureOnStubsTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "azure-key-0123456789abcdef";
    private static final String MODEL = "ft:davinci-002:acme:helpdesk:abc123";
    private static final String ARM = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.CognitiveServices"
            + "/accounts/acct-1/deployments/helpdesk-ft";

    private static String job(String status, String model) {
        return """
                {"object": "fine_tuning.job", "id": "ftjob-az1", "model": "davinci-002", "created_at": 1764669600,
                 "finished_at": %s, "fine_tuned_model": %s, "organization_id": "org-1", "result_files": [],
                 "status": "%s", "validation_file": null, "training_file": "file-az-train",
                 "hyperparameters": {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 0.1},
                 "trained_tokens": null, "error": null, "seed": 42,
                 "metadata": {"finetuner_separator": "\\n\\n###\\n\\n", "finetuner_stop": " END"}}"""
                .formatted(model == null ? "null" : "1764670200", model == null ? "null" : "\"" + model + "\"", status);
    }

    private static String deployment(String state) {
        return """
                {"id": "%s", "name": "helpdesk-ft", "type": "Microsoft.CognitiveServices/accounts/deployments",
                 "sku": {"name": "Developer", "capacity": 1},
                 "properties": {"model": {"format": "OpenAI", "name": "%s", "version": "1"}, "provisioningState": "%s"}}
                """.formatted(ARM, MODEL, state);
    }

    private void stubAzure() {
        String file = """
                {"object": "file", "id": "file-az-train", "bytes": 40960, "created_at": 1764669600,
                 "filename": "helpdesk.jsonl", "purpose": "fine-tune", "status": "processed"}""";
        wm.stubFor(get(urlPathEqualTo("/openai/v1/files")).willReturn(okJson("{\"object\":\"list\",\"data\":[],\"has_more\":false}")));
        wm.stubFor(post(urlPathEqualTo("/openai/v1/files")).withHeader("api-key", equalTo(KEY)).willReturn(okJson(file)));
        wm.stubFor(get(urlPathMatching("/openai/v1/files/file-.*")).willReturn(okJson(file)));
        wm.stubFor(post(urlPathEqualTo("/openai/v1/fine_tuning/jobs")).withHeader("api-key", equalTo(KEY))
                .willReturn(okJson(job("validating_files", null))));
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-az1")).inScenario("job").whenScenarioStateIs(STARTED)
                .willReturn(okJson(job("running", null))).willSetStateTo("done"));
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-az1")).inScenario("job").whenScenarioStateIs("done")
                .willReturn(okJson(job("succeeded", MODEL))));
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-az1/events")).willReturn(okJson("""
                {"object": "list", "has_more": false, "data": [
                 {"object": "fine_tuning.job.event", "id": "ftevent-3", "created_at": 1764670200, "level": "info",
                  "message": "The job has successfully completed", "type": "message"},
                 {"object": "fine_tuning.job.event", "id": "ftevent-2", "created_at": 1764669900, "level": "info",
                  "message": "Step 10/30: training loss=0.41", "type": "metrics",
                  "data": {"step": 10, "total_steps": 30, "train_loss": 0.41}},
                 {"object": "fine_tuning.job.event", "id": "ftevent-1", "created_at": 1764669600, "level": "info",
                  "message": "Created fine-tuning job: ftjob-az1", "type": "message"}]}""")));
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs/ftjob-az1/checkpoints"))
                .willReturn(okJson("{\"object\":\"list\",\"data\":[],\"has_more\":false}")));
        // the management API: Azure answers the PUT with the deployment Creating, a later GET with Succeeded
        wm.stubFor(put(urlPathEqualTo(ARM)).withQueryParam("api-version", equalTo("2024-10-01"))
                .withHeader("Authorization", equalTo("Bearer arm-token-0123456789"))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody(deployment("Creating"))));
        wm.stubFor(get(urlPathEqualTo(ARM)).inScenario("deploy").whenScenarioStateIs(STARTED)
                .willReturn(okJson(deployment("Creating"))).willSetStateTo("ready"));
        wm.stubFor(get(urlPathEqualTo(ARM)).inScenario("deploy").whenScenarioStateIs("ready")
                .willReturn(okJson(deployment("Succeeded"))));
        wm.stubFor(delete(urlPathEqualTo(ARM)).willReturn(aResponse().withStatus(200)));
        wm.stubFor(post(urlPathEqualTo("/openai/v1/completions")).withHeader("api-key", equalTo(KEY)).willReturn(okJson("""
                {"id": "cmpl-1", "object": "text_completion", "created": 1764670300, "model": "helpdesk-ft",
                 "choices": [{"index": 0, "text": " Renew the VPN certificate and reconnect.", "finish_reason": "stop",
                  "logprobs": null}],
                 "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}}""")));
    }

    @Test
    void prepare_train_deploy_complete_and_undeploy_run_against_azure_as_its_reference_describes() throws Exception {
        // given
        stubAzure();
        AzureOptions azure = AzureOptions.builder(wm.baseUrl()).apiKey(KEY)
                .management("sub-1", "rg-1", "acct-1", () -> "arm-token-0123456789").managementUrl(wm.baseUrl()).build();
        try (FineTuner ft = FineTuner.builder().azure(azure)
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(20)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build()) {
            // when: the design card's loop, then the deployment Azure needs before the model answers
            TrainedModel model = ft.prepare(Path.of("../samples/data/helpdesk.csv"), PrepareOptions.defaults()).train("curie");
            TrainedModel live = model.deploy("helpdesk-ft", DeployOptions.defaults().withSku("Developer")
                    .withPollInterval(Duration.ofMillis(10)).withTimeout(Duration.ofSeconds(30)));
            String answer = live.complete("My VPN drops every hour, what can I do?");
            live.undeploy();

            // then
            assertThat(model.id()).isEqualTo(MODEL);
            assertThat(answer).isEqualTo("Renew the VPN certificate and reconnect.");
            JsonNode put = JSON.readTree(wm.findAll(putRequestedFor(urlPathEqualTo(ARM))).get(0).getBodyAsString());
            assertThat(put.at("/sku/name").asText()).isEqualTo("Developer");
            assertThat(put.at("/properties/model/name").asText()).isEqualTo(MODEL);
            assertThat(put.at("/properties/model/format").asText()).isEqualTo("OpenAI");
            JsonNode completion = JSON.readTree(wm.findAll(postRequestedFor(urlPathEqualTo("/openai/v1/completions")))
                    .get(0).getBodyAsString());
            assertThat(completion.get("model").asText()).isEqualTo("helpdesk-ft"); // the deployment, not the model id
            // with the separator and stop the job was created with (kept in its metadata)
            JsonNode created = JSON.readTree(wm.findAll(postRequestedFor(urlPathEqualTo("/openai/v1/fine_tuning/jobs")))
                    .get(0).getBodyAsString());
            String separator = created.at("/metadata/finetuner_separator").asText();
            assertThat(separator).isNotEmpty();
            assertThat(completion.get("prompt").asText()).isEqualTo("My VPN drops every hour, what can I do?" + separator);
            assertThat(completion.get("stop").toString()).contains(JSON.writeValueAsString(
                    created.at("/metadata/finetuner_stop").asText()));
            // the data plane is called with the api-key and no bearer, and the v1 paths carry no api-version
            wm.findAll(postRequestedFor(urlPathMatching("/openai/v1/.*"))).forEach(r -> {
                assertThat(r.getHeader("api-key")).isEqualTo(KEY);
                assertThat(r.containsHeader("Authorization")).isFalse();
                assertThat(r.queryParameter("api-version").isPresent()).isFalse();
            });
            assertThat(wm.findAll(deleteRequestedFor(urlPathEqualTo(ARM))
                    .withQueryParam("api-version", equalTo("2024-10-01")))).hasSize(1);
            assertThat(wm.findAll(postRequestedFor(urlPathEqualTo("/openai/v1/fine_tuning/jobs"))
                    .withHeader("Idempotency-Key", absent()))).isEmpty();
        }
    }
}
