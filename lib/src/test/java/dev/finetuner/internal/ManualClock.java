package dev.finetuner.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A {@link Timing} for tests: time stands still until someone sleeps on it (or calls
 * {@link #advance}), and sleeping moves it forward at once. A test on it is exact and never waits.
 * Thread-safe; each sleep is recorded with the sleeping thread's name.
 */
public final class ManualClock implements Timing {
    private final AtomicLong now = new AtomicLong(1_000_000_000L); // not zero: nothing may treat 0 as "unset"
    private final long origin = now.get();
    private final List<Duration> sleeps = new ArrayList<>();
    private final List<String> sleepers = new ArrayList<>();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void sleep(Duration duration, BooleanSupplier wake) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before sleeping " + duration);
        }
        if (wake.getAsBoolean()) {
            return;
        }
        synchronized (this) {
            sleeps.add(duration);
            sleepers.add(Thread.currentThread().getName());
        }
        now.addAndGet(duration.toNanos());
    }

    /** Moves the time forward without sleeping. */
    public void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** The time passed since this clock was made. */
    public Duration elapsed() {
        return Duration.ofNanos(now.get() - origin);
    }

    /** Every sleep so far, in order. */
    public synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    /** The name of the thread of each sleep, in order. */
    public synchronized List<String> sleepingThreads() {
        return List.copyOf(sleepers);
    }
}
