package dev.finetuner.local;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Simulated time that passes only when {@link #advance(Duration)} is called, for tests: while it does
 * not advance, no job moves, however long the test takes; {@code advance(d)} runs, on the calling
 * thread and in order of due time, every task that falls due within {@code d} (including those that
 * these tasks schedule), and returns when they are done. So "nothing happens while time stands still"
 * and "the job is running after exactly 15 simulated seconds" are exact statements, with no waiting.
 * One simulated second is one second of the API's timestamps, which start at the instant given.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * try (LocalOpenAi local = LocalOpenAi.builder().clock(clock).build()) {
 *     // create a job...
 *     clock.advance(Duration.ofHours(1)); // the job has run to its end when this returns
 * }
 * }</pre>
 *
 * <p>Thread-safe: tasks may be scheduled from any thread (the HTTP handlers do); advances are
 * serialized.
 */
final class ManualClock implements JobClock {
    private final long startEpochSecond;
    private final Object advancing = new Object();
    // guarded by this
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now;
    private long order;

    private record Task(long due, long order, Runnable run) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }
    }

    /** A clock whose timestamps start now. */
    ManualClock() {
        this(Instant.now());
    }

    /** A clock whose timestamps start at {@code start}. */
    ManualClock(Instant start) {
        this.startEpochSecond = Objects.requireNonNull(start, "start").getEpochSecond();
    }

    /**
     * Lets {@code d} of simulated time pass, running every task due meanwhile, each at its due time.
     *
     * @throws IllegalArgumentException for a negative duration
     */
    void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not run backwards: " + d);
        }
        synchronized (advancing) {
            long target;
            synchronized (this) {
                target = Math.addExact(now, d.toNanos());
            }
            while (true) {
                Task next;
                synchronized (this) {
                    if (tasks.isEmpty() || tasks.peek().due > target) {
                        now = target;
                        return;
                    }
                    next = tasks.poll();
                    now = Math.max(now, next.due);
                }
                next.run.run();
            }
        }
    }

    /** Simulated time passed since this clock was made. */
    synchronized Duration elapsed() {
        return Duration.ofNanos(now);
    }

    /** Tasks waiting for their time. */
    synchronized int pending() {
        return tasks.size();
    }

    @Override
    public synchronized long read() {
        return now;
    }

    @Override
    public double secondsBetween(long from, long to) {
        return (to - from) / 1e9;
    }

    @Override
    public synchronized void schedule(Runnable task, double simSeconds) {
        // rounded up, so that a task never runs before the simulated time it waits for
        long delay = simSeconds <= 0 ? 0 : Math.max(1, (long) Math.ceil(simSeconds * 1e9));
        tasks.add(new Task(Math.addExact(now, delay), order++, task));
    }

    @Override
    public synchronized long epochSecond() {
        return startEpochSecond + Math.floorDiv(now, 1_000_000_000L);
    }

    @Override
    public long epochSecondAfter(double simSeconds) {
        return epochSecond() + (long) Math.ceil(simSeconds);
    }

    /**
     * Does nothing: the clock may outlive a backend (one restarted on the same clock goes on with it), and
     * a closed backend's tasks do nothing when their time comes.
     */
    @Override
    public void close() {
    }

    @Override
    public synchronized String toString() {
        return "ManualClock[" + Duration.ofNanos(now) + ", " + tasks.size() + " pending]";
    }
}
