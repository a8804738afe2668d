package dev.finetuner.samples;

import dev.finetuner.FineTuner;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.AzureOptions;
import dev.finetuner.service.FollowOptions;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Settings shared by the samples: where the data is, which backend, how it is followed. */
final class Samples {
    private Samples() {
    }

    /**
     * The data file: {@code args[0]} when given, else {@code samples/data/NAME} from the repository
     * root or {@code data/NAME} from the samples directory (where Maven runs the tests).
     */
    static Path dataFile(String[] args, String name) {
        if (args.length > 0) {
            return Path.of(args[0]);
        }
        Path fromRoot = Path.of("samples", "data", name);
        Path fromModule = Path.of("data", name);
        return Files.exists(fromRoot) || !Files.exists(fromModule) ? fromRoot : fromModule;
    }

    /** Offline unless {@code OPENAI_API_KEY} (or {@code TOGETHER_API_KEY}) is set. */
    static boolean offline() {
        return env("OPENAI_API_KEY") == null && env("TOGETHER_API_KEY") == null;
    }

    /** True when the samples talk to Together AI: {@code FINETUNER_BACKEND=together}, or only its key is set. */
    static boolean together() {
        String backend = env("FINETUNER_BACKEND");
        return backend != null ? backend.strip().equalsIgnoreCase("together")
                : env("OPENAI_API_KEY") == null && env("TOGETHER_API_KEY") != null;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** A fine-tuner on the embedded backend, polling every 200 ms (the backend's clock runs fast). */
    static FineTuner localFineTuner(LocalOpenAi local) {
        return FineTuner.builder().apiKey("offline").baseUrl(local.baseUrl())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(200))
                        .withMaxRequestsPerMinute(1_200))
                .build();
    }

    /** A fine-tuner on the embedded backend in Azure mode: its endpoint, a key, and its management API. */
    static FineTuner localAzureFineTuner(LocalOpenAi local) {
        return FineTuner.builder().azure(AzureOptions.builder(local.azureEndpoint()).apiKey("offline")
                        .management("offline-subscription", "offline-group", "offline-resource", () -> "offline-token")
                        .managementUrl(local.azureEndpoint()).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(200))
                        .withMaxRequestsPerMinute(1_200))
                .build();
    }

    /** A fine-tuner on the API named by {@code OPENAI_API_KEY} and, if set, {@code OPENAI_BASE_URL}. */
    static FineTuner apiFineTuner() {
        if (together()) {
            return FineTuner.builder().backend("together").build(); // TOGETHER_API_KEY, TOGETHER_BASE_URL
        }
        FineTuner.Builder builder = FineTuner.builder().apiKey(System.getenv("OPENAI_API_KEY"));
        String baseUrl = System.getenv("OPENAI_BASE_URL");
        if (baseUrl != null && !baseUrl.isBlank()) {
            builder.baseUrl(baseUrl);
        }
        return builder.build();
    }

    /** Which API the samples talk to when online. */
    static String apiDescription() {
        if (together()) {
            String url = env("TOGETHER_BASE_URL");
            return "Together AI at " + (url != null ? url + " (from TOGETHER_BASE_URL)" : "https://api.together.xyz/v1")
                    + ", with TOGETHER_API_KEY";
        }
        String baseUrl = System.getenv("OPENAI_BASE_URL");
        return baseUrl == null || baseUrl.isBlank()
                ? "the OpenAI API (OPENAI_API_KEY is set: this trains a real model, which costs money)"
                : baseUrl + " (from OPENAI_BASE_URL, with OPENAI_API_KEY)";
    }

    /** Library logs at WARN and above only (unless set otherwise), so that the sample's own output reads clearly. */
    static void quietLogs() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    static void step(PrintStream out, String title) {
        out.println();
        out.println("== " + title);
    }
}
