package dev.finetuner.samples;

import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

/**
 * Shows a followed job the way a person watches it: one line per status change, and one progress line
 * built from the metrics events ({@code step 120/300 (40%)  train loss 0.412}). On a terminal the
 * progress line is rewritten in place with {@code \r}; anywhere else (a log, a CI run, a test) a line is
 * printed each time another tenth of the steps is done.
 */
final class ProgressDisplay extends FollowListener {
    private final PrintStream out;
    private final boolean terminal;
    private boolean lineOpen;
    private long shownTenth = -1;
    private long metricsEvents;
    private long lastStep;
    private long totalSteps;

    ProgressDisplay(PrintStream out, boolean terminal) {
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = terminal;
    }

    /** True when {@code out} is this process's own console, where {@code \r} rewrites the line. */
    static boolean isTerminal(PrintStream out) {
        return out == System.out && System.console() != null;
    }

    @Override
    public void onStatus(JobStatus from, JobStatus to, Job job) {
        endLine();
        out.println(from == null
                ? "  status: " + to.asString()
                : "  status: " + from.asString() + " -> " + to.asString());
    }

    @Override
    public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
        metricsEvents++;
        if (metrics.step().isEmpty() || metrics.totalSteps().isEmpty() || metrics.totalSteps().getAsLong() <= 0) {
            return;
        }
        lastStep = metrics.step().getAsLong();
        totalSteps = metrics.totalSteps().getAsLong();
        String line = String.format(Locale.ROOT, "  step %d/%d (%d%%)", lastStep, totalSteps,
                100 * lastStep / totalSteps);
        if (metrics.trainLoss().isPresent()) {
            line += String.format(Locale.ROOT, "  train loss %.3f", metrics.trainLoss().getAsDouble());
        }
        if (terminal) {
            out.print("\r" + line + "   ");
            out.flush();
            lineOpen = true;
        } else {
            long tenth = 10 * lastStep / totalSteps;
            if (tenth > shownTenth) {
                shownTenth = tenth;
                out.println(line);
            }
        }
    }

    /** Ends a progress line left open on a terminal; call once the follow returns. */
    void endLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    /** How many metrics events were heard. */
    long metricsEvents() {
        return metricsEvents;
    }

    /** The last step reported, and of how many (0 when no metrics came). */
    long lastStep() {
        return lastStep;
    }

    long totalSteps() {
        return totalSteps;
    }
}
