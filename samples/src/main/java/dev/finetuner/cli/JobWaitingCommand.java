package dev.finetuner.cli;

import picocli.CommandLine.Mixin;

import java.time.Duration;

/**
 * A command that waits for a job ({@code create}, {@code follow}, {@code sweep}): the only ones that take
 * {@code --poll}, so that {@code get --poll 1} is refused instead of silently meaning nothing.
 */
abstract class JobWaitingCommand extends ApiCommand {
    @Mixin
    PollOption poll;

    @Override
    Duration pollInterval() {
        return poll.interval(spec.commandLine());
    }
}
