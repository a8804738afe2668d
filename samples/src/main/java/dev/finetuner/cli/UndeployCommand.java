package dev.finetuner.cli;

import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetuner undeploy NAME}: deletes an Azure deployment, which ends its hourly billing. */
@Command(name = "undeploy", mixinStandardHelpOptions = true,
        description = {"Delete an Azure OpenAI deployment (Azure only); its hourly billing ends, the model is kept."})
final class UndeployCommand extends ApiCommand {
    @Parameters(paramLabel = "NAME", description = "The deployment's name.")
    String name;

    @Override
    int run(OpenAiConnection c) {
        if (c.azureDeployments().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "undeploy needs an Azure resource and its"
                    + " management API: pass --azure-endpoint, --azure-subscription and --azure-resource-group, and set"
                    + " AZURE_MANAGEMENT_TOKEN");
        }
        boolean deleted = c.azureDeployments().get().delete(name);
        out().println(deleted ? "Deleted deployment " + name + "." : "There was no deployment " + name + ".");
        return deleted ? 0 : 1;
    }
}
