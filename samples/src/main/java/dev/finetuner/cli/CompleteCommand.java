package dev.finetuner.cli;

import dev.finetuner.FineTuner;
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
    @Option(names = {"-m", "--model"}, required = true, description = "The model, e.g. ft:davinci-002:acme::abc123, or the id of the job that made it (ftjob-...).")
    String model;

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
        String model = modelNamed(c, this.model);
        Completion answer;
        try (FineTuner ft = fineTuner(c)) {
            answer = ft.model(model).complete(prompt, options);
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
