package dev.finetuner.secrets;

import dev.finetuner.FineTuner;
import dev.finetuner.PrepareOptions;
import dev.finetuner.TrainedModel;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.AzureOptions;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.OpenAiConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The Azure flow with a recognisable key, data-plane token and management token, at debug logging, printing
 * every exception message and {@code toString()}; {@link AzureSecretsTest} runs it in its own JVM and scans
 * what it printed. Arguments: the key, the token, the management token, a directory to write into.
 */
public final class AzureSecretsScanMain {
    public static void main(String[] args) throws Exception {
        String key = args[0];
        String token = args[1];
        String armToken = args[2];
        Path dir = Path.of(args[3]);
        Path csv = Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 40)
                .mapToObj(i -> "ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn") + "," + (i % 2 == 0 ? "printer" : "vpn"))
                .collect(Collectors.joining("\n")) + "\n");
        FollowOptions follow = FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000);
        DeployOptions deploy = DeployOptions.defaults().withSku("Developer").withPollInterval(Duration.ofMillis(5));
        try (LocalOpenAi local = LocalOpenAi.builder().azure().speed(LocalOpenAi.FAST).build()) {
            AzureOptions withKey = AzureOptions.builder(local.azureEndpoint()).apiKey(key)
                    .management("sub", "rg", "acct", () -> armToken).managementUrl(local.azureEndpoint()).build();
            AzureOptions withToken = AzureOptions.builder(local.azureEndpoint()).tokens(() -> token).apiVersion("2024-10-21")
                    .management("sub", "rg", "acct", () -> armToken).managementUrl(local.azureEndpoint()).build();
            for (AzureOptions azure : new AzureOptions[] {withKey, withToken}) {
                try (FineTuner ft = FineTuner.builder().azure(azure).follow(follow).build()) {
                    System.out.println(azure);
                    System.out.println(ft);
                    TrainedModel model = ft.prepare(csv, PrepareOptions.defaults()).train("babbage-002");
                    System.out.println(model);
                    try {
                        model.complete("ticket 99 about the printer");
                    } catch (RuntimeException e) {
                        System.out.println(e + " / cause " + e.getCause());
                    }
                    TrainedModel live = model.deploy("scan-ft", deploy);
                    System.out.println(live + " " + live.deployment());
                    System.out.println(live.complete("ticket 99 about the printer"));
                    System.out.println(ft.connection().azureDeployments().orElseThrow().list());
                    live.undeploy();
                    try {
                        ft.connection().azureDeployments().orElseThrow().retrieve("scan-ft");
                    } catch (RuntimeException e) {
                        System.out.println(e + " / cause " + e.getCause());
                    }
                }
            }
        }
        // refused: a backend that wants another key gets ours, as a key and as a token
        try (LocalOpenAi strict = LocalOpenAi.builder().azure().apiKey("another-key-entirely").build()) {
            for (AzureOptions.Builder b : java.util.List.of(AzureOptions.builder(strict.azureEndpoint()).apiKey(key),
                    AzureOptions.builder(strict.azureEndpoint()).tokens(() -> token))) {
                try (OpenAiConnection c = OpenAiConnection.builder().azure(b.build()).build()) {
                    c.jobs().list().toList();
                } catch (RuntimeException e) {
                    System.out.println(e + " / cause " + e.getCause());
                }
            }
        }
        System.out.println("done");
    }
}
