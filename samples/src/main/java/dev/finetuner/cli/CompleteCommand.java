package dev.finetuner.cli;

import dev.finetuner.FineTuner;
import dev.finetuner.completion.CompletionOptions;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code finetuner complete -m MODEL -p PROMPT}: a model called as it was trained. */
@Command(name = "complete", mixinStandardHelpOptions = true,
        description = {"Ask a model. With a fine-tuned model made by finetuner, the separator and stop",
                "it was trained with are applied (read from its job's metadata)."})
final class CompleteCommand extends ApiCommand {
    @Option(names = {"-m", "--model"}, required = true)
    String model;

    @Option(names = {"-p", "--prompt"}, required = true)
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0")
    double temperature;

    @Override
    int run(OpenAiConnection c) {
        CompletionOptions options;
        try {
            options = CompletionOptions.defaults().withMaxTokens(maxTokens).withTemperature(temperature);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (FineTuner ft = fineTuner(c)) {
            out().println(ft.model(model).complete(prompt, options).text());
        }
        return 0;
    }
}
