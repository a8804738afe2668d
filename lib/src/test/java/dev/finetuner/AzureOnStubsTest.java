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

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole loop on Azure OpenAI against stubs of its REST API, as Microsoft's reference shapes it: the data
 * plane's v1 paths under {@code /openai/v1/} with the {@code api-key} header (files, a fine-tuning job that
 * runs and succeeds, its events, completions by deployment name) and the management API's deployment
 * ({@code PUT}, then {@code Creating} to {@code Succeeded}, then {@code DELETE}), through the public API a
 * user calls: prepare, train, deploy, complete, undeploy. The stubs are
 * {@code lib/src/test/resources/azure-stubs}, shared with the command line's {@code AzureCommandsOnStubsTest}.
 */
class AzureOnStubsTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().usingFilesUnderDirectory("src/test/resources/azure-stubs")).build();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "azure-key-0123456789abcdef";
    private static final String MODEL = "ft:davinci-002:acme:helpdesk:abc123";
    private static final String ARM = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.CognitiveServices"
            + "/accounts/acct-1/deployments/helpdesk-ft";

    @Test
    void prepare_train_deploy_complete_and_undeploy_run_against_azure_as_its_reference_describes() throws Exception {
        // given
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
