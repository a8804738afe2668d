package dev.finetuner.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's command reference against the commands themselves: every command it lists exists, and
 * every option it shows for a command is one that command takes, so the reference cannot drift.
 */
class ReadmeReferenceTest {
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[a-zA-Z][a-zA-Z-]*)");

    @Test
    void every_command_and_option_in_the_readme_reference_exists() throws IOException {
        // given
        List<String> synopses = synopses(Files.readString(Path.of("..", "README.md")));
        CommandLine root = Main.commandLine();
        List<String> unknown = new ArrayList<>();
        // when
        for (String synopsis : synopses) {
            String name = synopsis.split(" ")[0];
            CommandLine command = root.getSubcommands().get(name);
            if (command == null) {
                unknown.add(name + " (no such command)");
                continue;
            }
            Matcher m = OPTION.matcher(synopsis);
            while (m.find()) {
                if (command.getCommandSpec().findOption(m.group(1)) == null) {
                    unknown.add(name + " " + m.group(1));
                }
            }
        }
        // then
        assertThat(synopses).as("the reference's commands").hasSizeGreaterThanOrEqualTo(root.getSubcommands().size() - 1);
        assertThat(unknown).as("commands and options the README shows that do not exist").isEmpty();
        assertThat(synopses.stream().map(s -> s.split(" ")[0]).distinct().toList())
                .as("every command is in the reference").containsAll(root.getSubcommands().keySet().stream()
                        .filter(n -> !n.equals("help")).toList());
    }

    /** Each command of the first sh block of "The command line", without the leading "finetuner ". */
    static List<String> synopses(String readme) {
        int section = readme.indexOf("### The command line");
        assertThat(section).as("the README's command line reference").isNotNegative();
        int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        List<String> synopses = new ArrayList<>();
        for (String line : block.split("\n")) {
            assertThat(line).as("a reference line").startsWith("finetuner ");
            for (String part : line.substring("finetuner ".length()).split(" \\| ")) {
                synopses.add(part.strip());
            }
        }
        return synopses;
    }
}
