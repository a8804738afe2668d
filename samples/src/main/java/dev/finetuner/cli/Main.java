package dev.finetuner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code finetuner} command line: the legacy {@code openai} fine-tuning workflow, one command each,
 * with no interactive prompts. Exit codes: 0 success, 1 the work could not be done (e.g. the data is
 * not ready), 2 a usage error. Every command takes {@code -v}/{@code -vv} ({@code create}: {@code --verbose})
 * to show the library's log; see {@link Verbosity}.
 */
@Command(name = "finetuner", mixinStandardHelpOptions = true, version = "finetuner 0.1.0",
        description = "Prepare data for, run and use OpenAI fine-tunes.",
        subcommands = {PrepareCommand.class, EstimateCommand.class, UploadCommand.class, CreateCommand.class,
                FollowCommand.class, ListCommand.class, GetCommand.class, CancelCommand.class, CompleteCommand.class,
                DeployCommand.class, UndeployCommand.class,
                MetricsCommand.class, EvaluateCommand.class, SweepCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Verbosity verbosity;

    public static void main(String[] args) {
        CommandLine cli = commandLine();
        int code = cli.execute(args);
        // System.exit does not flush picocli's writers: without this, a report printed last (sweep's) is lost
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(code);
    }

    /** The configured command line, for tests: {@code commandLine().execute("prepare", "x.csv")}. */
    public static CommandLine commandLine() {
        // set on the root, picocli hands the handler to every subcommand
        CommandLine cli = new CommandLine(new Main()).setExecutionExceptionHandler(new Failures())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionStrategy(Verbosity::configure);
        // added here rather than declared in each command, so that no command can be left without it
        for (CommandLine sub : cli.getSubcommands().values()) {
            Object command = sub.getCommandSpec().userObject();
            if (!(command instanceof CommandLine.HelpCommand)) {
                sub.getCommandSpec().addMixin("verbosity", CommandLine.Model.CommandSpec.forAnnotatedObject(
                        command instanceof CreateCommand ? new Verbosity.LongOnly() : new Verbosity()));
            }
        }
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. prepare FILE");
    }
}
