package dev.finetuner.cli;

import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/** Where the API is: flags, else OPENAI_API_KEY and OPENAI_BASE_URL. Mixed into every command that calls it. */
final class ApiOptions {
    @Option(names = "--api-key", description = "API key (default: $OPENAI_API_KEY). Prefer the variable or"
            + " --api-key-file: a key on the command line is visible to every user of the machine (ps)")
    String apiKey;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "read the API key from this file (its first line)")
    java.nio.file.Path apiKeyFile;

    @Option(names = "--base-url", description = "API base URL ending in /v1 (default: $OPENAI_BASE_URL or api.openai.com)")
    String baseUrl;

    @Option(names = "--poll", description = "seconds between polls while following (default: ${DEFAULT-VALUE})",
            defaultValue = "5")
    double pollSeconds;

    OpenAiConnection connect(CommandLine cmd) {
        String key = apiKey != null ? apiKey : apiKeyFile != null ? readKey(cmd) : System.getenv("OPENAI_API_KEY");
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
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // a base URL that is no http(s) URL, say: the user's to fix
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    private String readKey(CommandLine cmd) {
        try {
            String first = java.nio.file.Files.readAllLines(apiKeyFile).stream().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new CommandLine.ParameterException(cmd, "--api-key-file " + apiKeyFile + " is empty");
            }
            return first;
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(cmd, "cannot read --api-key-file " + apiKeyFile + ": " + e);
        }
    }
}
