package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.TrainedModel;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.service.Deployment;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code finetuner deploy -m MODEL --name NAME}: an Azure deployment of a trained model, waited for until ready. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Deploy a trained model on Azure OpenAI and wait until it answers (Azure only).",
                "A Standard or GlobalStandard deployment of a fine-tuned model is billed per hour while it exists,"
                        + " used or not; a Developer one has no hosting fee and lasts 24 hours. Remove it with undeploy."})
final class DeployCommand extends ApiCommand {
    @Option(names = {"-m", "--model"}, required = true, description = "The model, e.g. ft:gpt-4o-mini-2024-07-18:acme::abc123,"
            + " or the id of the job that made it (ftjob-...).")
    String model;

    @Option(names = "--name", required = true, description = "The deployment's name, which completions are called by.")
    String name;

    @Option(names = "--sku", defaultValue = DeployOptions.DEFAULT_SKU, description = "Standard, GlobalStandard or"
            + " Developer (default: ${DEFAULT-VALUE}).")
    String sku;

    @Option(names = "--capacity", defaultValue = "1", description = "The capacity, in the SKU's units (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "30", description = "How long to wait for the"
            + " deployment to be ready (default: ${DEFAULT-VALUE}).")
    double timeoutMinutes;

    @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "10", description = "Seconds between polls of the"
            + " deployment's state (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    @Override
    int run(OpenAiConnection c) {
        if (c.azure().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "deploy is for Azure OpenAI: pass --azure-endpoint"
                    + " (OpenAI serves a fine-tuned model as soon as its job succeeds)");
        }
        if (c.azureDeployments().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "deploy needs the Azure management API: pass"
                    + " --azure-subscription and --azure-resource-group (or set AZURE_SUBSCRIPTION_ID and"
                    + " AZURE_RESOURCE_GROUP), and set AZURE_MANAGEMENT_TOKEN");
        }
        DeployOptions options;
        try {
            if (!(timeoutMinutes > 0) || !(pollSeconds > 0) || Double.isInfinite(timeoutMinutes)
                    || Double.isInfinite(pollSeconds)) {
                throw new IllegalArgumentException("--timeout and --poll must be positive numbers");
            }
            options = DeployOptions.defaults().withSku(sku).withCapacity(capacity)
                    .withTimeout(Duration.ofMillis((long) (timeoutMinutes * 60_000)))
                    .withPollInterval(Duration.ofMillis(Math.max(1, (long) (pollSeconds * 1000))));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String id = modelNamed(c, model);
        try (FineTuner ft = fineTuner(c)) {
            TrainedModel live = ft.model(id).deploy(name, options);
            Deployment d = live.deployment().orElseThrow();
            out().println("Deployed " + id + " as " + d.name() + " (" + d.sku() + " x" + d.capacity() + "): "
                    + d.state() + ".");
            out().println(d.sku().equalsIgnoreCase("Developer") ? "No hosting fee; Azure removes it after 24 hours."
                    : "It is billed per hour while it exists, called or not. Remove it with: finetuner undeploy " + d.name());
            out().println("Call it with: finetuner complete --deployment " + d.name() + " -p \"...\"");
        }
        return 0;
    }
}
