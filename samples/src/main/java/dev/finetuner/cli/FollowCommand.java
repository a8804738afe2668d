package dev.finetuner.cli;

import dev.finetuner.ApiException;
import dev.finetuner.FineTunerException;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.OpenAiConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicReference;

/** {@code finetuner follow JOB_ID}: a job's events to its end, resumable with {@code --after}. */
@Command(name = "follow", mixinStandardHelpOptions = true,
        description = {"Follow a job to its end: its status changes, a progress bar, then the model.",
                "On a terminal the bar is redrawn in place; elsewhere a line is printed per tenth of the steps.",
                "Resumable with --after. Exit code 1 when the job fails or is cancelled."})
final class FollowCommand extends JobWaitingCommand {
    @Parameters(paramLabel = "JOB_ID", description = "The job to follow, e.g. ftjob-abc123.")
    String jobId;

    @Option(names = "--after", paramLabel = "EVENT_ID", description = "Continue after this event (as the resume hint says).")
    String after;

    @Option(names = "--json", description = "Print the events on stderr and, at the end, the job as get --json prints it"
            + " on stdout.")
    boolean json;

    @Mixin
    FollowDisplay display;

    @Override
    int run(OpenAiConnection c) {
        return json ? followToJson(c, jobId, after, display, out(), err()) : follow(c, jobId, after, display, out(), err());
    }

    /**
     * A follow whose stdout is the finished job as JSON and nothing else, so that a script can parse it:
     * the events and the closing line go to stderr. The exit code is the follow's.
     */
    static int followToJson(OpenAiConnection c, String jobId, String after, FollowDisplay display, PrintWriter out,
                            PrintWriter err) {
        Job done = followToEnd(c, jobId, after, display, err, err);
        err.println(closingLine(done));
        out.println(CliJson.json(CliJson.jobJson(done)));
        return exitCode(done);
    }

    /** A follow as a person reads it: the display, then the closing line; the exit code says how the job ended. */
    static int follow(OpenAiConnection c, String jobId, String after, FollowDisplay display, PrintWriter out,
                      PrintWriter err) {
        Job done = followToEnd(c, jobId, after, display, out, err);
        out.println(closingLine(done));
        return exitCode(done);
    }

    /** 0 when the job succeeded, 1 when it failed or was cancelled. */
    static int exitCode(Job done) {
        return done.status().equals(JobStatus.SUCCEEDED) ? 0 : 1;
    }

    /** "Job complete! ... Model: ft:..." or "Job ended: failed (code: message)". */
    static String closingLine(Job done) {
        return done.status().equals(JobStatus.SUCCEEDED)
                ? "Job complete! Status: succeeded. Model: " + done.fineTunedModel().orElse("?")
                : "Job ended: " + ending(done);
    }

    /** How a job ended: its status and, when it has one, its error: "failed (server_error: ...)". */
    static String ending(Job done) {
        return done.status() + done.error().map(e -> " (" + e.code() + ": " + e.message() + ")").orElse("");
    }

    /**
     * Follows a job to its end on the display, and returns the job as it ended. Cut off, it says how to
     * resume (on Ctrl-C through a shutdown hook, on a failure through the error's hint), except for a
     * job that does not exist.
     */
    static Job followToEnd(OpenAiConnection c, String jobId, String after, FollowDisplay display, PrintWriter out,
                           PrintWriter err) {
        AtomicReference<String> last = new AtomicReference<>(after);
        FollowListener shown = display.listener(out, Terminal.attached());
        Thread hint = new Thread(() -> {
            err.println();
            err.println("Stream interrupted. Resume with: finetuner follow " + jobId
                    + (last.get() == null ? "" : " --after " + last.get()));
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(hint);
        try {
            try {
                return c.follower().follow(jobId, after, FollowListener.all(FollowListener.of(e -> last.set(e.id())),
                        shown));
            } finally {
                FollowDisplay.end(shown);
            }
        } catch (FineTunerException e) {
            if (e instanceof ApiException a && a.statusCode().orElse(0) == 404) {
                throw e; // no such job: nothing to resume
            }
            throw new Failures.WithHint(e, "Resume with: finetuner follow " + jobId
                    + (last.get() == null ? "" : " --after " + last.get()));
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hint);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it prints the resume command
            }
        }
    }
}
