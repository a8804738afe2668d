package dev.finetuner.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Simulated time running {@code speed} times faster than the wall clock, with a small pool of
 * scheduler threads that {@link #close()} stops. A task is woken at least every
 * {@value #MAX_DELAY_MILLIS} ms (and at most every {@value #MIN_DELAY_MICROS} µs), so that a slow
 * clock still shows progress and a fast one does not spin.
 */
final class ScaledClock implements JobClock {
    private static final Logger log = LoggerFactory.getLogger(ScaledClock.class);
    static final long MIN_DELAY_MICROS = 200;
    static final long MAX_DELAY_MILLIS = 100;

    private final double speed;
    private final ScheduledThreadPoolExecutor scheduler;

    ScaledClock(double speed, ThreadFactory threads) {
        this.speed = speed;
        this.scheduler = new ScheduledThreadPoolExecutor(Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())),
                threads);
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long read() {
        return System.nanoTime();
    }

    @Override
    public double secondsBetween(long from, long to) {
        return (to - from) / 1e9 * speed;
    }

    @Override
    public void schedule(Runnable task, double simSeconds) {
        long delay = simSeconds <= 0 ? 0 : (long) Math.max(TimeUnit.MICROSECONDS.toNanos(MIN_DELAY_MICROS),
                Math.min(TimeUnit.MILLISECONDS.toNanos(MAX_DELAY_MILLIS), simSeconds / speed * 1e9));
        try {
            scheduler.schedule(task, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("not scheduling a task: the backend is closing");
        }
    }

    @Override
    public long epochSecond() {
        return Instant.now().getEpochSecond();
    }

    @Override
    public long epochSecondAfter(double simSeconds) {
        return epochSecond() + (long) Math.ceil(simSeconds / speed);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the local OpenAI clock threads did not stop within 10 seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ScaledClock[" + speed + "x]";
    }
}
