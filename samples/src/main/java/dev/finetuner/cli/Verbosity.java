package dev.finetuner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How much of the library's own logging a command shows: by default only warnings and errors, since the
 * command prints what happened itself; {@code -v} adds the INFO lines, {@code -vv} the DEBUG lines
 * (requests). slf4j-simple fixes its levels when the first logger is made, so {@link #configure} runs
 * after picocli has parsed the arguments and before any command (and so any library class) runs.
 */
final class Verbosity {
    /** slf4j-simple's system property for the level of every logger. */
    static final String LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Option(names = {"-v", "--verbose"},
            description = {"Also show the library's log on standard error: -v its INFO lines (uploads, status"
                    + " changes), -vv its DEBUG lines (each request). Without it only warnings and errors are"
                    + " logged."})
    boolean[] verbose = new boolean[0];

    /** {@code create}'s verbosity: there {@code -v} is the validation file, as in {@code openai api fine_tunes.create}. */
    static final class LongOnly {
        @Option(names = "--verbose",
                description = {"Also show the library's log on standard error: --verbose its INFO lines,"
                        + " --verbose --verbose its DEBUG lines. (Here -v is the validation file, as in"
                        + " `openai api fine_tunes.create`.)"})
        boolean[] verbose = new boolean[0];
    }

    /**
     * Sets the log level from every {@code --verbose} given, on the root command and on the subcommand,
     * then runs the command as picocli would. A level set outside the command line, as
     * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} (e.g. in {@code JAVA_OPTS}) or in a
     * {@code simplelogger.properties} on the class path (the tests' own), is kept when no {@code -v} is given.
     */
    static int configure(CommandLine.ParseResult parsed) {
        int count = 0;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            CommandLine.Model.OptionSpec o = p.matchedOption("--verbose");
            if (o != null) {
                count += ((boolean[]) o.getValue()).length;
            }
        }
        if (count > 0 || !configured()) {
            System.setProperty(LEVEL_PROPERTY, level(count));
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** Whether a level was chosen outside the command line: a system property, or slf4j-simple's own file. */
    private static boolean configured() {
        if (System.getProperty(LEVEL_PROPERTY) != null) {
            return true;
        }
        try (java.io.InputStream in = Verbosity.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
            if (in == null) {
                return false;
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.containsKey(LEVEL_PROPERTY);
        } catch (java.io.IOException e) {
            return false; // slf4j-simple cannot read it either, and uses its defaults
        }
    }

    /** The slf4j-simple level for {@code count} times {@code -v}. */
    static String level(int count) {
        return count <= 0 ? "warn" : count == 1 ? "info" : "debug";
    }
}
