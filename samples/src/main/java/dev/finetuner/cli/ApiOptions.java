package dev.finetuner.cli;

import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * Where the API is: flags, else OPENAI_API_KEY and OPENAI_BASE_URL (TOGETHER_API_KEY and TOGETHER_BASE_URL
 * with {@code --backend together}). Mixed into every command that calls it.
 */
final class ApiOptions {
    @Option(names = "--backend", paramLabel = "NAME", description = "The fine-tuning service: openai (OpenAI, Azure"
            + " OpenAI or any OpenAI-compatible server) or together (Together AI). Default: $FINETUNER_BACKEND, else"
            + " together when no key is given and only TOGETHER_API_KEY is set, else openai.")
    String backend;

    @Option(names = "--api-key", description = "API key (default: $OPENAI_API_KEY). Prefer the variable or"
            + " --api-key-file: a key on the command line is visible to every user of the machine (ps).")
    String apiKey;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "Read the API key from this file (its first line).")
    java.nio.file.Path apiKeyFile;

    @Option(names = "--base-url", description = "API base URL ending in /v1 (default: $OPENAI_BASE_URL or https://api.openai.com/v1).")
    String baseUrl;

    /**
     * The connection; {@code poll} is the interval between polls of a job, for the commands that follow
     * one (null: the library's default, which commands that never wait do not use).
     */
    OpenAiConnection connect(CommandLine cmd, Duration poll) {
        String name = backend != null ? backend : env("FINETUNER_BACKEND") != null ? env("FINETUNER_BACKEND")
                : apiKey == null && apiKeyFile == null && env("OPENAI_API_KEY") == null && env("TOGETHER_API_KEY") != null
                ? OpenAiConnection.TOGETHER
                : OpenAiConnection.OPENAI;
        boolean together = name.strip().equalsIgnoreCase(OpenAiConnection.TOGETHER);
        String keyVariable = together ? "TOGETHER_API_KEY" : "OPENAI_API_KEY";
        String key = apiKey != null ? apiKey : apiKeyFile != null ? readKey(cmd) : System.getenv(keyVariable);
        if (key == null || key.isBlank()) {
            throw new CommandLine.ParameterException(cmd, "no API key: pass --api-key or set " + keyVariable
                    + (together ? "" : " (any value for a local backend started with `finetuner serve`)"));
        }
        OpenAiConnection.Builder b;
        try {
            b = OpenAiConnection.builder().backend(name).apiKey(key);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--backend: " + e.getMessage());
        }
        if (poll != null) {
            b.follow(FollowOptions.defaults().withInterval(poll));
        }
        String url = baseUrl != null ? baseUrl : System.getenv(together ? "TOGETHER_BASE_URL" : "OPENAI_BASE_URL");
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

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
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
