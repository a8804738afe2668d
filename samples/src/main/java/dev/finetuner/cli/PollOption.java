package dev.finetuner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * {@code --poll}: mixed only into the commands that wait for a job (a {@link JobWaitingCommand}: {@code create},
 * {@code follow}, {@code sweep}), so that {@code get --poll 1} is refused instead of silently meaning nothing.
 */
final class PollOption {
    @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between polls while waiting for the job (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    Duration interval(CommandLine cmd) {
        if (!(pollSeconds >= 0) || Double.isInfinite(pollSeconds)) {
            throw new CommandLine.ParameterException(cmd, "--poll must be a number of seconds, 0 or more");
        }
        return Duration.ofMillis((long) (pollSeconds * 1000));
    }
}
