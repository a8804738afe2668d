package dev.finetuner.secrets;

import dev.finetuner.FineTuneJob;
import dev.finetuner.FineTuner;
import dev.finetuner.PrepareOptions;
import dev.finetuner.Preparation;
import dev.finetuner.TrainedModel;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.OpenAiConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Every public operation with a recognisable key, at debug logging, printing every exception message
 * and {@code toString()}; {@link SecretsTest} runs it in its own JVM and scans all it printed and wrote.
 * Arguments: the key, and a directory to write into.
 */
public final class SecretsScanMain {
    public static void main(String[] args) throws Exception {
        String key = args[0];
        Path dir = Path.of(args[1]);
        Path csv = Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 40)
                .mapToObj(i -> "ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn") + "," + (i % 2 == 0 ? "printer" : "vpn"))
                .collect(Collectors.joining("\n")) + "\n");
        try (LocalOpenAi local = LocalOpenAi.builder().apiKey(key).speed(LocalOpenAi.FAST).build();
             FineTuner ft = FineTuner.builder().apiKey(key).baseUrl(local.baseUrl())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                     .build()) {
            System.out.println(local);
            System.out.println(ft);
            System.out.println(ft.connection());
            Preparation p = ft.prepare(csv, PrepareOptions.builder().validationFraction(0.2).build());
            System.out.println(p);
            System.out.println(p.report("babbage-002").toText());
            System.out.println(p.report("babbage-002").toJson());
            p.writeTo(dir.resolve("prepared"));
            FineTuneJob job = p.start("babbage-002");
            System.out.println(job);
            job.follow(FollowListener.of(e -> System.out.println(e)));
            TrainedModel model = job.await(Duration.ofMinutes(1));
            System.out.println(model);
            System.out.println(model.complete("ticket 99 about the printer"));
            System.out.println(model.evaluate(p.validation()).toJson());
            model.metrics().chart().writeTo(dir.resolve("loss.svg"));
            System.out.println(ft.connection().jobs().list().toList());
            System.out.println(ft.connection().files().list());
            // failures, with the right key and with a wrong one that starts like it
            try {
                ft.job("ftjob-doesnotexist");
            } catch (RuntimeException e) {
                System.out.println(e + " / cause " + e.getCause());
            }
            try (OpenAiConnection wrong = OpenAiConnection.builder().apiKey(key + "-wrong").baseUrl(local.baseUrl()).build()) {
                wrong.jobs().list().toList();
            } catch (RuntimeException e) {
                System.out.println(e + " / cause " + e.getCause());
            }
        }
        try (OpenAiConnection unreachable = OpenAiConnection.builder().apiKey(key).baseUrl("http://127.0.0.1:9/v1")
                .retry(dev.finetuner.service.RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(2)).build()).build()) {
            unreachable.files().list();
        } catch (RuntimeException e) {
            System.out.println(e + " / cause " + e.getCause());
        }
        System.out.println("done");
    }
}
