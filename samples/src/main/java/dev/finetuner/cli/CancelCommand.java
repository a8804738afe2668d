package dev.finetuner.cli;

import dev.finetuner.service.Job;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetuner cancel JOB_ID}. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a fine-tuning job.")
final class CancelCommand extends ApiCommand {
    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Override
    int run(OpenAiConnection c) {
        Job j = c.jobs().cancel(jobId);
        out().println(j.id() + " " + j.status());
        return 0;
    }
}
