package dev.finetuner.cli;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
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
 * {@code finetuner create/follow/deploy/complete} against stubs of Azure OpenAI shaped as Microsoft's REST
 * reference describes it (the data plane's v1 paths with {@code api-key}, the management API's deployment
 * going from {@code Creating} to {@code Succeeded}): the commands a user types, the requests Azure gets.
 */
class AzureCommandsOnStubsTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String KEY = "azure-key-0123456789abcdef";
    private static final String MODEL = "ft:davinci-002:acme:helpdesk:abc123";
    private static final String ARM = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.CognitiveServices"
            + "/accounts/acct-1/deployments/helpdesk-ft";

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

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
        wm.stubFor(get(urlPathEqualTo("/openai/v1/fine_tuning/jobs")).willReturn(okJson(
                "{\"object\":\"list\",\"has_more\":false,\"data\":[" + job("succeeded", MODEL) + "]}")));
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

    private int azure(String... args) throws Exception {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        Path token = Files.writeString(dir.resolve("arm-token"), "arm-token-0123456789\n");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--azure-endpoint", wm.baseUrl(), "--api-key", KEY, "--azure-subscription", "sub-1",
                "--azure-resource-group", "rg-1", "--azure-account", "acct-1", "--azure-management-url", wm.baseUrl(),
                "--azure-management-token-file", token.toString()));
        if (List.of("create", "follow", "deploy").contains(args[0])) {
            all.add("--poll=0.01");
        }
        return cli.execute(all.toArray(String[]::new));
    }

    @Test
    void create_follow_deploy_and_complete_reach_azure_as_its_reference_describes() throws Exception {
        // given
        stubAzure();
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 30)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the vpn\\n\\n###\\n\\n\",\"completion\":\" reconnect to gateway " + (i % 3) + " END\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        // when / then: each command as a user types it
        assertThat(azure("create", "-t", train.toString(), "-m", "davinci-002", "--no-follow", "--quiet"))
                .as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("ftjob-az1");
        assertThat(azure("follow", "ftjob-az1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("succeeded").contains(MODEL);
        assertThat(azure("deploy", "-m", "ftjob-az1", "--name", "helpdesk-ft", "--sku", "Developer"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("helpdesk-ft").contains("Succeeded");
        assertThat(azure("complete", "--deployment", "helpdesk-ft", "-m", MODEL, "-p", "My VPN drops every hour"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("Renew the VPN certificate and reconnect.");
        // and: Azure got the deployment it needs and the call by deployment name; the key never printed
        assertThat(wm.findAll(putRequestedFor(urlPathEqualTo(ARM))).get(0).getBodyAsString()).contains(MODEL);
        assertThat(wm.findAll(postRequestedFor(urlPathEqualTo("/openai/v1/completions"))).get(0).getBodyAsString())
                .contains("\"model\":\"helpdesk-ft\"");
        assertThat(out.toString() + err.toString()).doesNotContain(KEY);
    }
}
