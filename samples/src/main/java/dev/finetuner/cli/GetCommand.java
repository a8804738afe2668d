package dev.finetuner.cli;

import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code finetuner get JOB_ID}: one job as JSON. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Show a fine-tuning job.")
final class GetCommand extends ApiCommand {
    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Override
    int run(OpenAiConnection c) {
        out().println(CliJson.json(CliJson.jobJson(c.jobs().retrieve(jobId))));
        return 0;
    }
}
