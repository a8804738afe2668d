package dev.finetuner.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Where waiting code reads the time and how it lets time pass. Reading and sleeping are one object on
 * purpose: a fake clock with a real sleeper (or the reverse) would make timeouts fire never or at once,
 * so a test replaces both together, and sleeping on a manual one moves its clock instantly.
 */
public interface Timing {
    /** The system's: {@link System#nanoTime()}, and sleeping in slices of at most {@link #SLICE}. */
    Timing SYSTEM = new Timing() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration, BooleanSupplier wake) throws InterruptedException {
            long end = System.nanoTime() + duration.toNanos();
            while (!wake.getAsBoolean()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                // slices, so that a cancel (which interrupts nobody) is noticed quickly
                TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE.toNanos()));
            }
        }

        @Override
        public String toString() {
            return "Timing.SYSTEM";
        }
    };

    /** How late {@link #SYSTEM} notices {@code wake}. */
    Duration SLICE = Duration.ofMillis(50);

    /** {@return a monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences mean something} */
    long nanoTime();

    /**
     * Lets {@code duration} pass, returning early once {@code wake} is true.
     *
     * @param duration how long
     * @param wake true to return early
     * @throws InterruptedException when the thread is interrupted (its flag is then cleared)
     */
    void sleep(Duration duration, BooleanSupplier wake) throws InterruptedException;

    /**
     * Lets {@code duration} pass.
     *
     * @param duration how long
     * @throws InterruptedException when the thread is interrupted (its flag is then cleared)
     */
    default void sleep(Duration duration) throws InterruptedException {
        sleep(Objects.requireNonNull(duration, "duration"), () -> false);
    }
}
