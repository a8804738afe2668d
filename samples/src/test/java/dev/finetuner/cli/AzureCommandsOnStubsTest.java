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

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code finetuner create/follow/deploy/complete} against stubs of Azure OpenAI shaped as Microsoft's REST
 * reference describes it (the data plane's v1 paths with {@code api-key}, the management API's deployment
 * going from {@code Creating} to {@code Succeeded}): the commands a user types, the requests Azure gets. The
 * stubs are {@code lib/src/test/resources/azure-stubs}, shared with the library's {@code AzureOnStubsTest}.
 */
class AzureCommandsOnStubsTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().usingFilesUnderDirectory("../lib/src/test/resources/azure-stubs")).build();

    private static final String KEY = "azure-key-0123456789abcdef";
    private static final String MODEL = "ft:davinci-002:acme:helpdesk:abc123";
    private static final String ARM = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.CognitiveServices"
            + "/accounts/acct-1/deployments/helpdesk-ft";

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

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
