package dev.finetuner.cli;

import java.io.Writer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A writer a test can wait on: {@link #await(String, Duration)} blocks until the text written so far
 * contains a string, woken by each write, so a test waits for what a command prints instead of spinning.
 */
final class WatchedWriter extends Writer {
    private final StringBuilder text = new StringBuilder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();

    @Override
    public void write(char[] buf, int off, int len) {
        lock.lock();
        try {
            text.append(buf, off, len);
            written.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the text contains {@code expected}; fails the test after {@code timeout}. */
    void await(String expected, Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (text.indexOf(expected) < 0) {
                if (left <= 0) {
                    throw new AssertionError("not printed within " + timeout + ": " + expected + "; printed: " + text);
                }
                left = written.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return text.toString();
        } finally {
            lock.unlock();
        }
    }
}
