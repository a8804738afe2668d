package dev.finetuner.cli;

import dev.finetuner.service.AzureOptions;
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

    @Option(names = "--api-key", description = "API key (default: $OPENAI_API_KEY; $TOGETHER_API_KEY with --backend together,"
            + " $AZURE_OPENAI_API_KEY with --azure-endpoint). Prefer the variable or"
            + " --api-key-file: a key on the command line is visible to every user of the machine (ps).")
    String apiKey;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "Read the API key from this file (its first line).")
    java.nio.file.Path apiKeyFile;

    @Option(names = "--base-url", description = "API base URL ending in /v1 (default: $OPENAI_BASE_URL or https://api.openai.com/v1;"
            + " with --backend together $TOGETHER_BASE_URL or https://api.together.xyz/v1).")
    String baseUrl;

    @Option(names = "--azure-endpoint", paramLabel = "URL", description = "Use an Azure OpenAI resource, e.g."
            + " https://my-resource.openai.azure.com (default: $AZURE_OPENAI_ENDPOINT). Its key comes from --api-key,"
            + " --api-key-file or $AZURE_OPENAI_API_KEY; an Entra ID token from $AZURE_OPENAI_AD_TOKEN instead.")
    String azureEndpoint;

    @Option(names = "--azure-api-version", paramLabel = "VERSION", description = "Use Azure's classic /openai/... paths"
            + " with this api-version, e.g. 2024-10-21 (default: $AZURE_OPENAI_API_VERSION, else the v1 paths).")
    String azureApiVersion;

    @Option(names = "--azure-subscription", paramLabel = "ID", description = "For deploy/undeploy: the subscription"
            + " of the Azure OpenAI resource (default: $AZURE_SUBSCRIPTION_ID). The management token comes from"
            + " $AZURE_MANAGEMENT_TOKEN (e.g. az account get-access-token --query accessToken -o tsv).")
    String azureSubscription;

    @Option(names = "--azure-resource-group", paramLabel = "NAME", description = "For deploy/undeploy: the resource's"
            + " resource group (default: $AZURE_RESOURCE_GROUP).")
    String azureResourceGroup;

    @Option(names = "--azure-account", paramLabel = "NAME", description = "For deploy/undeploy: the resource's name"
            + " (default: $AZURE_OPENAI_ACCOUNT, else the endpoint's first host label).")
    String azureAccount;

    @Option(names = "--azure-management-token-file", paramLabel = "FILE", description = "For deploy/undeploy: read the"
            + " management token from this file (its first line) at each request, instead of $AZURE_MANAGEMENT_TOKEN.")
    java.nio.file.Path azureManagementTokenFile;

    @Option(names = "--azure-management-url", paramLabel = "URL", description = "The Azure management API"
            + " (default: $AZURE_MANAGEMENT_URL, else https://management.azure.com).")
    String azureManagementUrl;

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
        if (together && azureEndpoint != null) {
            throw new CommandLine.ParameterException(cmd, "--azure-endpoint and --backend together name two different"
                    + " services: choose one");
        }
        String endpoint = azureEndpoint != null ? azureEndpoint : env("AZURE_OPENAI_ENDPOINT");
        if (!together && endpoint != null && baseUrl == null) {
            return connectAzure(cmd, poll, endpoint);
        }
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

    /** An Azure resource: its key or token, its paths, and the management API when its settings are all there. */
    private OpenAiConnection connectAzure(CommandLine cmd, Duration poll, String endpoint) {
        try {
            AzureOptions.Builder a = AzureOptions.builder(endpoint);
            String key = apiKey != null ? apiKey : apiKeyFile != null ? readKey(cmd) : env("AZURE_OPENAI_API_KEY");
            String token = env("AZURE_OPENAI_AD_TOKEN");
            if (key != null) {
                a.apiKey(key);
            } else if (token != null) {
                a.tokens(() -> token);
            } else {
                throw new CommandLine.ParameterException(cmd, "no Azure OpenAI credentials: pass --api-key or set"
                        + " AZURE_OPENAI_API_KEY (or an Entra ID token in AZURE_OPENAI_AD_TOKEN)");
            }
            String version = azureApiVersion != null ? azureApiVersion : env("AZURE_OPENAI_API_VERSION");
            if (version != null) {
                a.apiVersion(version);
            }
            String sub = azureSubscription != null ? azureSubscription : env("AZURE_SUBSCRIPTION_ID");
            String group = azureResourceGroup != null ? azureResourceGroup : env("AZURE_RESOURCE_GROUP");
            String account = azureAccount != null ? azureAccount : env("AZURE_OPENAI_ACCOUNT");
            if (account == null) {
                String host = java.net.URI.create(endpoint.strip()).getHost();
                account = host == null ? null : host.split("\\.")[0];
            }
            if (sub != null && group != null && account != null) {
                // read at each request, so that a token refreshed in the environment of a long-lived shell is not needed
                java.nio.file.Path tokenFile = azureManagementTokenFile;
                a.management(sub, group, account, () -> {
                    String t = tokenFile != null ? firstLine(tokenFile) : env("AZURE_MANAGEMENT_TOKEN");
                    if (t == null) {
                        throw new IllegalStateException("no management token: set AZURE_MANAGEMENT_TOKEN or pass"
                                + " --azure-management-token-file (az account get-access-token --query accessToken -o tsv)");
                    }
                    return t;
                });
            }
            String mgmt = azureManagementUrl != null ? azureManagementUrl : env("AZURE_MANAGEMENT_URL");
            if (mgmt != null) {
                a.managementUrl(mgmt);
            }
            OpenAiConnection.Builder b = OpenAiConnection.builder().azure(a.build());
            if (poll != null) {
                b.follow(FollowOptions.defaults().withInterval(poll));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    private static String firstLine(java.nio.file.Path file) {
        try {
            String first = java.nio.file.Files.readAllLines(file).stream().findFirst().orElse("").strip();
            return first.isEmpty() ? null : first;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read --azure-management-token-file " + file + ": " + e);
        }
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v.strip();
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
