package dev.finetuner.cli;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line against Azure, offline: {@code create}, {@code follow}, {@code deploy}, {@code complete
 * --deployment} and {@code undeploy} on the embedded backend in Azure mode, which answers a trained model only
 * through a ready deployment.
 */
class AzureCommandsTest {
    private static LocalOpenAi local;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void start() {
        local = LocalOpenAi.builder().azure().apiKey("azure-cli-key").speed(LocalOpenAi.FAST).build();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    private int run(List<String> args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args.toArray(String[]::new));
    }

    /** A command on the Azure backend, with the management settings the deploy commands need. */
    private int azure(String... args) throws IOException {
        Path token = Files.writeString(dir.resolve("arm-token"), "arm-token-for-tests\n");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--azure-endpoint", local.azureEndpoint(), "--api-key", "azure-cli-key",
                "--azure-subscription", "sub-1", "--azure-resource-group", "rg-1", "--azure-account", "my-resource",
                "--azure-management-url", local.azureEndpoint(), "--azure-management-token-file", token.toString()));
        if (List.of("create", "follow").contains(args[0])) {
            all.add("--poll=0.01");
        }
        if (args[0].equals("deploy")) {
            all.add("--poll=0.01");
        }
        return run(all);
    }

    private Path trainingFile() throws IOException {
        return Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 60)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private static String group(String pattern, String output) {
        Matcher m = Pattern.compile(pattern).matcher(output);
        assertThat(m.find()).as("%s in: %s", pattern, output).isTrue();
        return m.group(1);
    }

    @Test
    void create_follow_deploy_complete_and_undeploy_run_the_azure_flow() throws IOException {
        // given: a job created and followed on the Azure resource
        assertThat(azure("create", "-t", trainingFile().toString(), "-m", "babbage-002", "--no-follow"))
                .as(err.toString()).isZero();
        String jobId = group("(ftjob-[A-Za-z0-9]+)", out.toString());
        assertThat(azure("follow", jobId)).as(err.toString()).isZero();
        String model = group("Model: (ft:\\S+)", out.toString());
        // then: its model does not answer by id, as on Azure
        assertThat(azure("complete", "-m", model, "-p", "ticket 999 about the printer ->")).isEqualTo(1);
        assertThat(err.toString()).contains("DeploymentNotFound").contains("deploy");
        // when: deployed by job id
        assertThat(azure("deploy", "-m", jobId, "--name", "printer-ft", "--sku", "Developer")).as(err.toString()).isZero();
        // then
        assertThat(out.toString()).contains("Deployed " + model + " as printer-ft (Developer x1): Succeeded.")
                .contains("finetuner complete --deployment printer-ft");
        assertThat(azure("complete", "--deployment", "printer-ft", "-p", "ticket 999 about the printer ->",
                "--max-tokens", "5")).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("printer");
        assertThat(azure("undeploy", "printer-ft")).isZero();
        assertThat(out.toString()).contains("Deleted deployment printer-ft.");
        assertThat(azure("undeploy", "printer-ft")).isEqualTo(1);
    }

    @Test
    void deploy_without_an_azure_endpoint_says_it_is_for_azure() {
        // when
        int code = run(List.of("deploy", "-m", "ft:babbage-002:x::y", "--name", "n1", "--api-key", "k", "--base-url",
                "http://127.0.0.1:9/v1"));
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("deploy is for Azure OpenAI: pass --azure-endpoint");
    }
}
