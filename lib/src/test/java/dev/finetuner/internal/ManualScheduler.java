package dev.finetuner.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on a {@link ManualClock} for tests: nothing runs until the test
 * calls {@link #runFor}, which runs every task due in that span on the test's thread, in time order,
 * moving the clock to each task's time. Periodic scheduling is not supported.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long sequence;
    private boolean shutdown;
    private int ran;

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    /** Runs what is due within {@code span} from now, in order; the clock ends {@code span} later. */
    public void runFor(Duration span) {
        long end = clock.nanoTime() + span.toNanos();
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > end) {
                    break;
                }
                queue.poll();
            }
            if (next.due > clock.nanoTime()) {
                clock.advance(Duration.ofNanos(next.due - clock.nanoTime()));
            }
            if (!next.cancelled) {
                ran++;
                next.task.run();
            }
        }
        if (end > clock.nanoTime()) {
            clock.advance(Duration.ofNanos(end - clock.nanoTime()));
        }
    }

    /** Tasks run so far. */
    public int tasksRun() {
        return ran;
    }

    /** Tasks waiting to run (cancelled ones included until their time). */
    public synchronized int pending() {
        return queue.size();
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        Task t = new Task(command, clock.nanoTime() + Math.max(0, unit.toNanos(delay)), sequence++);
        queue.add(t);
        return t;
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>();
        queue.forEach(t -> left.add(t.task));
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable task;
        final long due;
        final long seq;
        volatile boolean cancelled;

        Task(Runnable task, long due, long seq) {
            this.task = task;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - clock.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}
