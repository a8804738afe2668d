package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.TrainedModel;
import dev.finetuner.completion.Completion;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code finetuner complete -m MODEL -p PROMPT}: a model called as it was trained. */
@Command(name = "complete", mixinStandardHelpOptions = true,
        description = {"Ask a model to complete a prompt.", "With a fine-tuned model made by finetuner, the separator and stop it was"
                + " trained with are applied (read from its job's metadata)."})
final class CompleteCommand extends ApiCommand {
    @Option(names = {"-m", "--model"}, description = "The model, e.g. ft:davinci-002:acme::abc123, or the id of the job that made it (ftjob-...).")
    String model;

    @Option(names = "--deployment", paramLabel = "NAME", description = "On Azure: call the model through this deployment"
            + " (with -m, no management call is made; without, the deployment is looked up to find its model).")
    String deployment;

    @Option(names = {"-p", "--prompt"}, required = true, description = "The prompt, as a user would type it.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256", description = "The longest answer, in tokens (default:"
            + " ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "Sampling temperature, 0 to 2 (default:"
            + " ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--json", description = "Print the model, the answer and why it ended as one JSON object.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        CompletionOptions options;
        try {
            options = CompletionOptions.defaults().withMaxTokens(maxTokens).withTemperature(temperature);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (this.model == null && deployment == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "name the model with -m (or, on Azure, its"
                    + " deployment with --deployment)");
        }
        if (deployment != null && c.azure().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--deployment is for Azure OpenAI: pass"
                    + " --azure-endpoint");
        }
        Completion answer;
        String model;
        try (FineTuner ft = fineTuner(c)) {
            TrainedModel target;
            if (deployment == null) {
                target = ft.model(modelNamed(c, this.model));
            } else if (this.model != null) {
                target = ft.model(modelNamed(c, this.model)).atDeployment(deployment);
            } else {
                if (c.azureDeployments().isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--deployment without -m looks the"
                            + " deployment up: pass --azure-subscription and --azure-resource-group too, or give -m");
                }
                target = ft.deployment(deployment);
            }
            model = target.id();
            answer = target.complete(prompt, options);
        }
        if (json) {
            out().println(CliJson.json(CliJson.object().put("model", model).put("text", answer.text())
                    .put("finishReason", answer.finishReason().isEmpty() ? null : answer.finishReason())));
        } else {
            out().println(answer.text());
        }
        return 0;
    }
}
