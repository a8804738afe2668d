package dev.finetuner.cli;

import dev.finetuner.DatasetException;
import dev.finetuner.FineTunerException;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The one place where an exception becomes a message and an exit code, for every command: a command
 * throws, and this decides what the person at the terminal reads. Exit codes, as {@link Main} documents:
 * 2 when the input is at fault (a file that is missing or cannot be read, an option out of range),
 * 1 when the work could not be done (the API refused, the job failed, the data is not ready).
 * Anything else is a bug and keeps picocli's stack trace.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    static final int NOT_DONE = 1;
    static final int USAGE = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        Throwable cause = e instanceof WithHint h ? h.getCause() : e;
        int code;
        if (cause instanceof DatasetException || cause instanceof Usage) {
            code = USAGE;
        } else if (cause instanceof FineTunerException) {
            code = NOT_DONE;
        } else {
            throw e;
        }
        PrintWriter err = cmd.getErr();
        err.println("error: " + cause.getMessage());
        if (e instanceof WithHint h) {
            err.println(h.hint);
        }
        err.flush();
        return code;
    }

    /**
     * A mistake in what the user asked for that picocli cannot see (a mistyped model name, a model that
     * does not train on the data given): exit 2, one line and a hint, without the usage text that a
     * {@link CommandLine.ParameterException} prints, because the fix is in the message, not the syntax.
     */
    static final class Usage extends RuntimeException {
        Usage(String message) {
            super(message, null, false, false);
        }
    }

    /** A failure and what the user can run next (e.g. the command that resumes a follow). */
    static final class WithHint extends RuntimeException {
        private final String hint;

        WithHint(RuntimeException cause, String hint) {
            super(cause.getMessage(), cause, false, false);
            this.hint = hint;
        }
    }
}
