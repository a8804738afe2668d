package dev.finetuner.cli;

import dev.finetuner.service.Job;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code finetuner list}: fine-tuning jobs, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List fine-tuning jobs, newest first.")
final class ListCommand extends ApiCommand {
    @Option(names = "--json", description = "Print the jobs as one JSON array, each as get --json prints it.")
    boolean json;

    @Option(names = "--limit", defaultValue = "20", description = "Show at most this many jobs (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    int run(OpenAiConnection c) {
        List<Job> jobs = c.jobs().list().limit(limit).toList();
        if (json) {
            out().println(CliJson.json(jobs.stream().map(CliJson::jobJson).toList()));
        } else {
            jobs.forEach(j -> out().printf("%-30s %-17s %-28s %s%n", j.id(), j.status(), j.model(),
                    j.fineTunedModel().orElse("")));
        }
        return 0;
    }
}
