package dev.finetuner.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one wait loop: makes an attempt, lets the {@link WaiterAcceptor}s decide, and pauses by its delays
 * until success, failure, the timeout or a stop, as the AWS SDK v2 waiters do. Time is read and passed
 * only through its {@link Timing}, so a test with a manual one is exact and never sleeps. A waiter holds
 * no state between runs; {@link #run} blocks, {@link #runScheduled} never does.
 *
 * <pre>{@code
 * WaitResult<FileInfo> r = Waiter.<FileInfo>builder(timing)
 *     .acceptor(WaiterAcceptor.successOn(FileInfo::isProcessed))
 *     .backoff(Backoff.exponential(Duration.ofMillis(200), 2, Duration.ofSeconds(5)))
 *     .timeout(Duration.ofMinutes(30))
 *     .build()
 *     .run(() -> files.retrieve(id));
 * }</pre>
 *
 * @param <T> what an attempt answers
 */
public final class Waiter<T> {
    private static final Logger LOG = LoggerFactory.getLogger(Waiter.class);

    private final String name;
    private final Timing timing;
    private final List<WaiterAcceptor<T>> acceptors;
    private final BiFunction<Integer, ResponseOrException<T>, Duration> delays;
    private final Duration timeout;
    private final Duration initialDelay;
    private final BooleanSupplier stop;

    private Waiter(Builder<T> b) {
        this.name = b.name;
        this.timing = b.timing;
        this.acceptors = List.copyOf(b.acceptors);
        this.delays = b.delays;
        this.timeout = b.timeout;
        this.initialDelay = b.initialDelay;
        this.stop = b.stop;
    }

    /**
     * {@return a builder for a waiter on {@code timing}}
     *
     * @param <T> what an attempt answers
     * @param timing the clock and sleeper the waiter runs on
     */
    public static <T> Builder<T> builder(Timing timing) {
        return new Builder<>(timing);
    }

    /**
     * Waits on the calling thread: attempts {@code attempt} until the acceptors, the timeout or a stop end it.
     *
     * @param attempt makes one attempt
     * @return how the wait ended, with the last answer and the attempts made
     */
    public WaitResult<T> run(Supplier<T> attempt) {
        Objects.requireNonNull(attempt, "attempt");
        long start = timing.nanoTime();
        int attempts = 0;
        ResponseOrException<T> last = null;
        Duration pause = initialDelay;
        while (true) {
            if (!pause.isZero()) {
                try {
                    timing.sleep(pause, stop);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return result(WaitResult.Outcome.INTERRUPTED, last, attempts, start);
                }
            }
            if (stop.getAsBoolean()) {
                return result(WaitResult.Outcome.STOPPED, last, attempts, start);
            }
            attempts++;
            last = attempt(attempt);
            WaitResult.Outcome end = decide(last);
            if (end != null) {
                return result(end, last, attempts, start);
            }
            Optional<Duration> next = nextPause(attempts, last, start);
            if (next.isEmpty()) {
                return result(WaitResult.Outcome.TIMED_OUT, last, attempts, start);
            }
            pause = next.get();
        }
    }

    /**
     * Waits without holding a thread: each attempt runs on {@code scheduler}, the next one is scheduled
     * after the delay, and {@code done} hears the result on the scheduler's thread. A rejected schedule
     * (the scheduler shut down) ends the wait as a failure with that exception.
     *
     * @param attempt makes one attempt, on the scheduler's thread
     * @param scheduler runs the attempts; the caller's to shut down
     * @param done hears how the wait ended
     */
    public void runScheduled(Supplier<T> attempt, ScheduledExecutorService scheduler, Consumer<WaitResult<T>> done) {
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(done, "done");
        new Scheduled(attempt, scheduler, done).schedule(initialDelay);
    }

    private final class Scheduled implements Runnable {
        private final Supplier<T> attempt;
        private final ScheduledExecutorService scheduler;
        private final Consumer<WaitResult<T>> done;
        private final long start = timing.nanoTime();
        private int attempts;
        private ResponseOrException<T> last;

        Scheduled(Supplier<T> attempt, ScheduledExecutorService scheduler, Consumer<WaitResult<T>> done) {
            this.attempt = attempt;
            this.scheduler = scheduler;
            this.done = done;
        }

        void schedule(Duration pause) {
            try {
                scheduler.schedule(this, pause.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                done.accept(result(WaitResult.Outcome.FAILURE, ResponseOrException.ofException(e), attempts, start));
            }
        }

        @Override
        public void run() {
            if (stop.getAsBoolean()) {
                done.accept(result(WaitResult.Outcome.STOPPED, last, attempts, start));
                return;
            }
            attempts++;
            last = attempt(attempt);
            WaitResult.Outcome end = decide(last);
            if (end != null) {
                done.accept(result(end, last, attempts, start));
                return;
            }
            Optional<Duration> next = nextPause(attempts, last, start);
            if (next.isEmpty()) {
                done.accept(result(WaitResult.Outcome.TIMED_OUT, last, attempts, start));
            } else {
                schedule(next.get());
            }
        }
    }

    private static <T> ResponseOrException<T> attempt(Supplier<T> attempt) {
        try {
            return ResponseOrException.ofResponse(attempt.get());
        } catch (RuntimeException e) {
            return ResponseOrException.ofException(e);
        }
    }

    /** The end this attempt makes, or null to go on. */
    private WaitResult.Outcome decide(ResponseOrException<T> last) {
        RuntimeException e = last.exception().orElse(null);
        for (WaiterAcceptor<T> a : acceptors) {
            boolean matches = e != null ? a.matches(e) : a.matches(last.response().orElse(null));
            if (matches) {
                return switch (a.state()) {
                    case SUCCESS -> WaitResult.Outcome.SUCCESS;
                    case FAILURE -> WaitResult.Outcome.FAILURE;
                    case RETRY -> null;
                };
            }
        }
        // as AWS: an answer nobody recognises means "not yet", an exception nobody expects ends the wait
        return e != null ? WaitResult.Outcome.FAILURE : null;
    }

    /** The pause before the next attempt, cut to the time left; empty when no time is left. */
    private Optional<Duration> nextPause(int attempts, ResponseOrException<T> last, long start) {
        Duration pause = Objects.requireNonNull(delays.apply(attempts, last), "delay");
        if (pause.isNegative()) {
            pause = Duration.ZERO;
        }
        if (timeout != null) {
            Duration left = timeout.minusNanos(timing.nanoTime() - start);
            if (left.isZero() || left.isNegative()) {
                return Optional.empty();
            }
            // the last attempt is made at the deadline, not skipped: what ends just in time is seen
            pause = pause.compareTo(left) > 0 ? left : pause;
        }
        LOG.debug("{}: attempt {} gave {}; next in {} ms", name, attempts, last, pause.toMillis());
        return Optional.of(pause);
    }

    private WaitResult<T> result(WaitResult.Outcome outcome, ResponseOrException<T> last, int attempts, long start) {
        return new WaitResult<>(outcome, Optional.ofNullable(last), attempts, Duration.ofNanos(timing.nanoTime() - start));
    }

    @Override
    public String toString() {
        return "Waiter[" + name + ", timeout=" + (timeout == null ? "none" : timeout) + "]";
    }

    /**
     * Builds a {@link Waiter}. Defaults: no acceptor (every answer means "try again"), a fixed pause of
     * one second, no timeout, no initial delay, never stopped.
     *
     * @param <T> what an attempt answers
     */
    public static final class Builder<T> {
        private final Timing timing;
        private final List<WaiterAcceptor<T>> acceptors = new ArrayList<>();
        private String name = "wait";
        private BiFunction<Integer, ResponseOrException<T>, Duration> delays = (n, last) -> Duration.ofSeconds(1);
        private Duration timeout;
        private Duration initialDelay = Duration.ZERO;
        private BooleanSupplier stop = () -> false;

        private Builder(Timing timing) {
            this.timing = Objects.requireNonNull(timing, "timing");
        }

        /**
         * What is waited for, for log lines.
         *
         * @param name a short name, e.g. {@code "file file-abc"} (default {@code "wait"})
         * @return this builder
         */
        public Builder<T> name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Adds an acceptor; the first that matches decides.
         *
         * @param acceptor decides on an answer, or passes
         * @return this builder
         */
        public Builder<T> acceptor(WaiterAcceptor<T> acceptor) {
            acceptors.add(Objects.requireNonNull(acceptor, "acceptor"));
            return this;
        }

        /**
         * The pause after each attempt, by the number of attempts made.
         *
         * @param backoff the pause by attempts made (default: one second)
         * @return this builder
         */
        public Builder<T> backoff(Backoff backoff) {
            Objects.requireNonNull(backoff, "backoff");
            this.delays = (n, last) -> backoff.delay(n);
            return this;
        }

        /**
         * The pause after each attempt, by the number of attempts made and what the last one gave.
         *
         * @param delays the pause by attempts made and the last answer (default: one second)
         * @return this builder
         */
        public Builder<T> delays(BiFunction<Integer, ResponseOrException<T>, Duration> delays) {
            this.delays = Objects.requireNonNull(delays, "delays");
            return this;
        }

        /**
         * The longest wait; the last attempt is made when it ends. Null: no limit.
         *
         * @param timeout the longest wait, not negative, or null (default)
         * @return this builder
         */
        public Builder<T> timeout(Duration timeout) {
            if (timeout != null && timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * A pause before the first attempt.
         *
         * @param delay the pause, not negative (default: none)
         * @return this builder
         */
        public Builder<T> initialDelay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("initial delay must not be negative, was " + delay);
            }
            this.initialDelay = delay;
            return this;
        }

        /**
         * Ends the wait as stopped once this is true; checked before each attempt and while pausing.
         *
         * @param stop true once the wait should stop (default: never)
         * @return this builder
         */
        public Builder<T> stopWhen(BooleanSupplier stop) {
            this.stop = Objects.requireNonNull(stop, "stop");
            return this;
        }

        /** {@return the waiter} */
        public Waiter<T> build() {
            return new Waiter<>(this);
        }
    }
}
