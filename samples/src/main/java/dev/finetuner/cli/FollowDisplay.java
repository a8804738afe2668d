package dev.finetuner.cli;

import dev.finetuner.service.FollowListener;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code follow} (and {@code create}, which follows the job it made) prints while a job runs. A
 * 40-epoch job sends thousands of metrics events, one per step, so by default it shows one line per
 * status change, a progress line (step of total, loss, time left) and the events that are warnings or
 * errors. On a terminal the progress line is redrawn in place; elsewhere (a log, CI, a pipe) a progress
 * line is printed each time another tenth of the steps is done. {@code --events} prints every event.
 */
final class FollowDisplay {
    @Option(names = "--events", description = {"Print every event of the job, one line each, as the API sends them"
            + " (a line per training step), instead of the status changes and a progress bar."})
    boolean events;

    /** The listener that prints the job to {@code out}; {@code terminal}: {@code out} is a console. */
    FollowListener listener(PrintWriter out, boolean terminal) {
        return events ? new Events(out) : new Progress(out, terminal);
    }

    /** Ends what a listener left open (the progress line, the final status), before the outcome's line. */
    static void end(FollowListener listener) {
        if (listener instanceof Progress p) {
            p.finish();
        }
    }

    /** Every event, one line each. */
    private static final class Events extends FollowListener {
        private final PrintWriter out;

        Events(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void onEvent(JobEvent e) {
            out.println("[" + e.createdAt() + "] " + e.message());
            out.flush();
        }
    }

    /** Status changes, a progress line, warnings and errors. */
    static final class Progress extends FollowListener {
        private static final int BAR_WIDTH = 30;
        /** How often the bar may be redrawn on a terminal: a replayed job sends its steps in one burst. */
        private static final long REDRAW_NANOS = 100_000_000L;

        private final PrintWriter out;
        private final boolean terminal;
        private int openWidth;
        private long lastDraw;
        private long shownTenth;
        private Instant firstAt;
        private long firstStep;
        private JobStatus finalStatus;
        /**
         * Progress lines heard before the first status: a poll delivers the events before the job's status,
         * and a follow that starts late hears several tenths at once; they are printed after that status.
         */
        private final List<String> early = new ArrayList<>();
        private boolean statusSeen;

        Progress(PrintWriter out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        @Override
        public void onStatus(JobStatus from, JobStatus to, Job job) {
            if (to.isTerminal()) {
                // the job's last steps are often fetched after its end status: shown after them
                finalStatus = to;
            } else {
                line("status: " + to.asString());
            }
            statusSeen = true;
            printEarly();
        }

        private void printEarly() {
            early.forEach(out::println);
            early.clear();
            out.flush();
        }

        @Override
        public void onEvent(JobEvent e) {
            if (!e.level().equalsIgnoreCase("info") && e.metrics().isEmpty()) {
                line(e.level() + ": " + e.message());
            }
        }

        @Override
        public void onMetrics(JobEvent.Metrics m, JobEvent e) {
            if (m.step().isEmpty() || m.totalSteps().isEmpty() || m.totalSteps().getAsLong() <= 0) {
                return;
            }
            long step = m.step().getAsLong();
            long total = m.totalSteps().getAsLong();
            if (firstAt == null) {
                firstAt = e.createdAt();
                firstStep = step;
            }
            String text = render(step, total, m, eta(step, total, e.createdAt()));
            if (terminal) {
                long now = System.nanoTime();
                if (step >= total || openWidth == 0 || now - lastDraw >= REDRAW_NANOS) {
                    lastDraw = now;
                    out.print("\r" + text + " ".repeat(Math.max(0, openWidth - text.length())));
                    out.flush();
                    openWidth = Math.max(text.length(), 1);
                }
            } else {
                long tenth = Math.min(10, step * 10 / total);
                if (tenth > shownTenth) {
                    shownTenth = tenth;
                    if (statusSeen) {
                        out.println(text);
                        out.flush();
                    } else {
                        early.add(text);
                    }
                }
            }
        }

        /** A whole line; on a terminal it replaces the progress line, which is drawn again with the next step. */
        private void line(String text) {
            if (openWidth > 0) {
                out.print("\r" + " ".repeat(openWidth) + "\r");
                openWidth = 0;
            }
            out.println(text);
            out.flush();
        }

        void finish() {
            printEarly();
            if (openWidth > 0) {
                out.println();
                openWidth = 0;
            }
            if (finalStatus != null) {
                out.println("status: " + finalStatus.asString());
            }
            out.flush();
        }

        /** The time left at the pace of the steps so far, by the server's clock; empty before two steps. */
        private Duration eta(long step, long total, Instant at) {
            long done = step - firstStep;
            Duration elapsed = Duration.between(firstAt, at);
            if (done <= 0 || elapsed.isNegative() || elapsed.isZero()) {
                return null;
            }
            return elapsed.multipliedBy(total - step).dividedBy(done);
        }

        static String render(long step, long total, JobEvent.Metrics m, Duration eta) {
            int filled = (int) Math.min(BAR_WIDTH, step * BAR_WIDTH / total);
            StringBuilder sb = new StringBuilder();
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append(']');
            sb.append(String.format(Locale.ROOT, " %3d%%  step %d/%d", Math.min(100, step * 100 / total), step, total));
            m.trainLoss().ifPresent(l -> sb.append(String.format(Locale.ROOT, "  loss %.4f", l)));
            m.validLoss().ifPresent(l -> sb.append(String.format(Locale.ROOT, "  valid loss %.4f", l)));
            if (step < total && eta != null) {
                sb.append("  ETA ").append(duration(eta));
            }
            return sb.toString();
        }

        static String duration(Duration d) {
            long s = Math.max(0, d.toSeconds());
            if (s >= 3600) {
                return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
            }
            return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
        }
    }
}
