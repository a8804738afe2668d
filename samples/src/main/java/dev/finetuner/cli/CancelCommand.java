package dev.finetuner.cli;

import dev.finetuner.service.Job;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetuner cancel JOB_ID}. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a fine-tuning job.")
final class CancelCommand extends ApiCommand {
    @Parameters(paramLabel = "JOB_ID", description = "The job to cancel, e.g. ftjob-abc123.")
    String jobId;

    @Option(names = "--json", description = "Print the job as the API returned it after the cancel, as get --json does.")
    boolean json;

    @Override
    int run(OpenAiConnection c) {
        Job j = c.jobs().cancel(jobId);
        out().println(json ? CliJson.json(CliJson.jobJson(j)) : j.id() + " " + j.status());
        return 0;
    }
}
