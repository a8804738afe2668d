package dev.finetuner.service;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where an Azure OpenAI resource is and how to authenticate to it: the data plane (files, fine-tuning
 * jobs, completions) at the resource's endpoint, and, for deploying trained models, the Azure management
 * API (a subscription, a resource group, the resource's account name and an Entra ID token).
 *
 * <pre>{@code
 * AzureOptions azure = AzureOptions.builder("https://my-resource.openai.azure.com")
 *     .apiKey(System.getenv("AZURE_OPENAI_API_KEY"))            // or .tokens(() -> credential.getToken(...))
 *     .management("00000000-sub", "my-group", "my-resource", () -> armToken())
 *     .build();
 * FineTuner ft = FineTuner.builder().azure(azure).build();
 * }</pre>
 *
 * <p>Paths: by default the v1 paths ({@code {endpoint}/openai/v1/files}, {@code .../fine_tuning/jobs},
 * {@code .../completions} with {@code model} set to a deployment's name), which take no
 * {@code api-version}. {@link Builder#apiVersion(String)} selects the classic paths instead
 * ({@code {endpoint}/openai/files?api-version=...}, and {@code {endpoint}/openai/deployments/{name}/completions}).
 *
 * <p>Token suppliers are called before every request, so a supplier that caches and refreshes (as
 * azure-identity's credentials do) is all it takes; tokens and keys never appear in {@link #toString()}, a log
 * line or an exception message. Immutable.
 */
public final class AzureOptions {
    /** The management API's address when none is given. */
    public static final String DEFAULT_MANAGEMENT_URL = "https://management.azure.com";
    /** The management API version deployments are made with when none is given (stable, per Microsoft's REST reference). */
    public static final String DEFAULT_MANAGEMENT_API_VERSION = "2024-10-01";

    private final String endpoint;
    private final String apiKey;
    private final Supplier<String> tokens;
    private final String apiVersion;
    private final String subscriptionId;
    private final String resourceGroup;
    private final String account;
    private final Supplier<String> managementTokens;
    private final String managementUrl;
    private final String managementApiVersion;

    private AzureOptions(Builder b) {
        this.endpoint = b.endpoint;
        this.apiKey = b.apiKey;
        this.tokens = b.tokens;
        this.apiVersion = b.apiVersion;
        this.subscriptionId = b.subscriptionId;
        this.resourceGroup = b.resourceGroup;
        this.account = b.account;
        this.managementTokens = b.managementTokens;
        this.managementUrl = b.managementUrl;
        this.managementApiVersion = b.managementApiVersion;
    }

    /**
     * {@return a builder for the resource at {@code endpoint}}
     *
     * @param endpoint the resource's endpoint, e.g. {@code https://my-resource.openai.azure.com} (a trailing
     *                 {@code /openai} or {@code /openai/v1} is taken off)
     * @throws IllegalArgumentException when it is not an http(s) URL with a host
     */
    public static Builder builder(String endpoint) {
        return new Builder(endpoint);
    }

    /** {@return the resource's endpoint, without a trailing slash} */
    public String endpoint() {
        return endpoint;
    }

    /** {@return the api-version of the classic paths; empty for the v1 paths} */
    public Optional<String> apiVersion() {
        return Optional.ofNullable(apiVersion);
    }

    /** {@return whether the classic {@code /openai/...?api-version=} paths are used} */
    public boolean classicPaths() {
        return apiVersion != null;
    }

    /** {@return whether the management API is configured, so that trained models can be deployed} */
    public boolean canDeploy() {
        return subscriptionId != null;
    }

    /** {@return the subscription deployments are made in, when configured} */
    public Optional<String> subscriptionId() {
        return Optional.ofNullable(subscriptionId);
    }

    /** {@return the resource group of the resource, when configured} */
    public Optional<String> resourceGroup() {
        return Optional.ofNullable(resourceGroup);
    }

    /** {@return the resource's account name, when configured} */
    public Optional<String> account() {
        return Optional.ofNullable(account);
    }

    /** {@return the management API's address, without a trailing slash} */
    public String managementUrl() {
        return managementUrl;
    }

    /** {@return the management API's api-version} */
    public String managementApiVersion() {
        return managementApiVersion;
    }

    /** The data plane's base URL: {@code /openai/v1}, or {@code /openai} for the classic paths. */
    String dataPlaneBaseUrl() {
        return endpoint + (classicPaths() ? "/openai" : "/openai/v1");
    }

    /** The base URL completions of a deployment go to: its own path on the classic paths, the common one on v1. */
    String deploymentBaseUrl(String deployment) {
        return classicPaths() ? endpoint + "/openai/deployments/" + segment(deployment) : dataPlaneBaseUrl();
    }

    /** The header that authenticates one data-plane request: {@code api-key}, or a fresh bearer token. */
    String[] authHeader() {
        if (apiKey != null) {
            return new String[] {"api-key", apiKey};
        }
        return new String[] {"Authorization", "Bearer " + fresh(tokens, "the token supplier")};
    }

    /** The key, for redaction; null with tokens. */
    String apiKeyOrNull() {
        return apiKey;
    }

    /** A fresh management token. */
    String managementToken() {
        return fresh(managementTokens, "the management token supplier");
    }

    private static String fresh(Supplier<String> tokens, String what) {
        String t = tokens.get();
        if (t == null || t.isBlank()) {
            throw new IllegalStateException(what + " gave no token; it must return an Entra ID access token");
        }
        return t.strip();
    }

    static String segment(String name) {
        return java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "AzureOptions[" + endpoint + ", " + (classicPaths() ? "classic paths, api-version " + apiVersion : "v1 paths")
                + ", " + (apiKey != null ? "api-key" : "bearer tokens")
                + (canDeploy() ? ", account " + account + " in " + resourceGroup : ", no management") + "]";
    }

    /** Builds {@link AzureOptions}: an endpoint and one way to authenticate are required. */
    public static final class Builder {
        private final String endpoint;
        private String apiKey;
        private Supplier<String> tokens;
        private String apiVersion;
        private String subscriptionId;
        private String resourceGroup;
        private String account;
        private Supplier<String> managementTokens;
        private String managementUrl = DEFAULT_MANAGEMENT_URL;
        private String managementApiVersion = DEFAULT_MANAGEMENT_API_VERSION;

        private Builder(String endpoint) {
            String e = checkedUrl(Objects.requireNonNull(endpoint, "endpoint"), "endpoint",
                    "https://my-resource.openai.azure.com").replaceAll("/+$", "");
            for (String tail : new String[] {"/openai/v1", "/openai"}) {
                if (e.toLowerCase(Locale.ROOT).endsWith(tail)) {
                    e = e.substring(0, e.length() - tail.length());
                }
            }
            this.endpoint = e;
        }

        /**
         * Authenticates with the resource's key, sent as the {@code api-key} header (default:
         * {@code AZURE_OPENAI_API_KEY} when no token supplier is set).
         *
         * @param key one of the resource's keys
         * @return this builder
         */
        public Builder apiKey(String key) {
            Objects.requireNonNull(key, "apiKey");
            if (key.isBlank()) {
                throw new IllegalArgumentException("the Azure OpenAI API key is blank");
            }
            this.apiKey = key.strip();
            this.tokens = null;
            return this;
        }

        /**
         * Authenticates with Entra ID tokens ({@code Authorization: Bearer}) for the scope
         * {@code https://cognitiveservices.azure.com/.default}; the supplier is called before every request.
         *
         * @param tokens gives a valid access token each time it is called, e.g. from azure-identity
         * @return this builder
         */
        public Builder tokens(Supplier<String> tokens) {
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            this.apiKey = null;
            return this;
        }

        /**
         * Uses the classic paths ({@code /openai/...?api-version=}) with this api-version instead of the v1
         * paths, e.g. {@code 2024-10-21}.
         *
         * @param version the data plane's api-version
         * @return this builder
         */
        public Builder apiVersion(String version) {
            Objects.requireNonNull(version, "apiVersion");
            if (!version.strip().matches("\\d{4}-\\d{2}-\\d{2}(-preview)?")) {
                throw new IllegalArgumentException("an api-version looks like 2024-10-21 or 2025-04-01-preview; was \""
                        + version + "\"");
            }
            this.apiVersion = version.strip();
            return this;
        }

        /**
         * The Azure management API, needed to deploy trained models: where the resource is, and Entra ID
         * tokens for the scope {@code https://management.azure.com/.default} (called before every request).
         *
         * @param subscriptionId the subscription's id
         * @param resourceGroup the resource group's name
         * @param account the Azure OpenAI resource's name
         * @param tokens gives a valid management access token each time it is called
         * @return this builder
         */
        public Builder management(String subscriptionId, String resourceGroup, String account, Supplier<String> tokens) {
            this.subscriptionId = nonBlank(subscriptionId, "subscriptionId");
            this.resourceGroup = nonBlank(resourceGroup, "resourceGroup");
            this.account = nonBlank(account, "account");
            this.managementTokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /**
         * Where the management API is (default {@link #DEFAULT_MANAGEMENT_URL}); for sovereign clouds and tests.
         *
         * @param url an http(s) URL
         * @return this builder
         */
        public Builder managementUrl(String url) {
            this.managementUrl = checkedUrl(Objects.requireNonNull(url, "managementUrl"), "management URL",
                    DEFAULT_MANAGEMENT_URL).replaceAll("/+$", "");
            return this;
        }

        /**
         * The management API's api-version (default {@link #DEFAULT_MANAGEMENT_API_VERSION}).
         *
         * @param version e.g. {@code 2024-10-01}
         * @return this builder
         */
        public Builder managementApiVersion(String version) {
            this.managementApiVersion = nonBlank(version, "managementApiVersion");
            return this;
        }

        /**
         * {@return the options}
         *
         * @throws IllegalArgumentException when neither a key, nor a token supplier, nor {@code AZURE_OPENAI_API_KEY} is set
         */
        public AzureOptions build() {
            if (apiKey == null && tokens == null) {
                String env = System.getenv("AZURE_OPENAI_API_KEY");
                if (env == null || env.isBlank()) {
                    throw new IllegalArgumentException("no Azure OpenAI credentials: set apiKey(...), tokens(...) or"
                            + " AZURE_OPENAI_API_KEY");
                }
                apiKey = env.strip();
            }
            return new AzureOptions(this);
        }

        private static String nonBlank(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank() || value.contains("/")) {
                throw new IllegalArgumentException(name + " must be a name without slashes; was \"" + value + "\"");
            }
            return value.strip();
        }

        private static String checkedUrl(String url, String what, String example) {
            URI uri;
            try {
                uri = new URI(url.strip());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("the Azure " + what + " is not a URL: \"" + url + "\"; give one such as "
                        + example);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("the Azure " + what + " must be an http or https URL with a host, such"
                        + " as " + example + "; was \"" + url + "\"");
            }
            return url.strip();
        }
    }
}
