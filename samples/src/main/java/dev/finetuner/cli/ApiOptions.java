package dev.finetuner.cli;

import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/** Where the API is: flags, else OPENAI_API_KEY and OPENAI_BASE_URL. Mixed into every command that calls it. */
final class ApiOptions {
    @Option(names = "--api-key", description = "API key (default: $OPENAI_API_KEY)")
    String apiKey;

    @Option(names = "--base-url", description = "API base URL ending in /v1 (default: $OPENAI_BASE_URL or api.openai.com)")
    String baseUrl;

    @Option(names = "--poll", description = "seconds between polls while following (default: ${DEFAULT-VALUE})",
            defaultValue = "5")
    double pollSeconds;

    OpenAiConnection connect(CommandLine cmd) {
        String key = apiKey != null ? apiKey : System.getenv("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
            throw new CommandLine.ParameterException(cmd, "no API key: pass --api-key or set OPENAI_API_KEY"
                    + " (any value for a local backend started with `finetuner serve`)");
        }
        if (pollSeconds < 0) {
            throw new CommandLine.ParameterException(cmd, "--poll must not be negative");
        }
        OpenAiConnection.Builder b = OpenAiConnection.builder().apiKey(key)
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis((long) (pollSeconds * 1000))));
        String url = baseUrl != null ? baseUrl : System.getenv("OPENAI_BASE_URL");
        if (url != null && !url.isBlank()) {
            b.baseUrl(url);
        }
        return b.build();
    }
}
