package dev.finetuner.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The help a person reads: every command, option and parameter described, in whole sentences. */
class CliHelpTest {

    /** Every command under the root, the root included, as picocli builds them. */
    private static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine cmd, List<CommandLine> into) {
        into.add(cmd);
        cmd.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    private static String nameOf(CommandSpec spec) {
        return spec.qualifiedName();
    }

    @Test
    void every_option_and_parameter_of_every_command_has_a_description() {
        List<String> undescribed = new ArrayList<>();
        for (CommandLine cmd : commands()) {
            List<ArgSpec> args = new ArrayList<>(cmd.getCommandSpec().options());
            args.addAll(cmd.getCommandSpec().positionalParameters());
            for (ArgSpec arg : args) {
                String description = String.join(" ", arg.description()).strip();
                if (description.isEmpty()) {
                    undescribed.add(nameOf(cmd.getCommandSpec()) + " " + arg.paramLabel()
                            + (arg.isOption() ? " (" + ((CommandLine.Model.OptionSpec) arg).longestName() + ")" : ""));
                }
            }
        }
        assertThat(undescribed).isEmpty();
    }

    @Test
    void every_command_description_is_whole_sentences_one_or_more_per_line() {
        List<String> cut = new ArrayList<>();
        for (CommandLine cmd : commands()) {
            String[] lines = cmd.getCommandSpec().usageMessage().description();
            assertThat(lines).as("description of %s", nameOf(cmd.getCommandSpec())).isNotEmpty();
            for (String line : lines) {
                // picocli prints each element on a line of its own: each must end a sentence and start one
                String text = line.replace("%n", "").strip(); // picocli's line break, as its own help command uses
                if (text.isEmpty() || !text.endsWith(".") || !Character.isUpperCase(text.codePointAt(0))) {
                    cut.add(nameOf(cmd.getCommandSpec()) + ": \"" + line + "\"");
                }
            }
        }
        assertThat(cut).isEmpty();
    }

    @Test
    void poll_is_offered_only_by_the_commands_that_wait_for_a_job() {
        List<String> withPoll = commands().stream().filter(c -> c.getCommandSpec().findOption("--poll") != null)
                .map(c -> c.getCommandName()).toList();
        // deploy waits too, for a deployment to be ready
        assertThat(withPoll).containsExactlyInAnyOrder("create", "follow", "sweep", "deploy");
    }

    @Test
    void help_of_a_command_prints_its_description_and_exits_0() {
        // given
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        // when
        int code = cli.execute("get", "--help");
        // then
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Show a fine-tuning job: status, files, model and hyperparameters.")
                .contains("--json").contains("Print the job as one JSON object.").doesNotContain("--poll");
    }
}
