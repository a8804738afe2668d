package dev.finetuner.local;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A logger that keeps what it is given, at every level, for {@link LocalOpenAi.Builder#logger}: the tests' slf4j
 * binding prints only errors, and what a test asserts is the level a line was logged at.
 */
final class CapturedLog extends LegacyAbstractLogger {
    /** One logged line: its level, formatted message and throwable (or null). */
    record Line(Level level, String message, Throwable thrown) {
        @Override
        public String toString() {
            return level + " " + message + (thrown == null ? "" : " [" + thrown + "]");
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    CapturedLog() {
        this.name = "captured";
    }

    List<Line> lines() {
        return List.copyOf(lines);
    }

    /**
     * The first line that {@code matches}, waiting for it up to {@code timeout} (the line is logged by a server
     * thread, after the client has seen the connection end).
     */
    synchronized Line await(Predicate<Line> matches, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Line l : lines) {
                if (matches.test(l)) {
                    return l;
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no line matching within " + timeout + "; logged: " + lines);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    List<Line> at(Level level) {
        return lines.stream().filter(l -> l.level() == level).toList();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                               Throwable thrown) {
        Throwable t = thrown;
        Object[] a = args;
        if (t == null && args != null && args.length > 0 && args[args.length - 1] instanceof Throwable last) {
            // slf4j takes a trailing throwable argument as the line's throwable, as a binding would print it
            t = last;
            a = java.util.Arrays.copyOf(args, args.length - 1);
        }
        synchronized (this) {
            lines.add(new Line(level, MessageFormatter.basicArrayFormat(pattern, a), t));
            notifyAll();
        }
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }
}
