package dev.finetuner.local;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
        lines.add(new Line(level, MessageFormatter.basicArrayFormat(pattern, args), thrown));
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
