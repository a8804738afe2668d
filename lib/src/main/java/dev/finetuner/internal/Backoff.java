package dev.finetuner.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/** The pause before the next attempt of a {@link Waiter}, by the number of attempts made so far (1, 2, ...). */
@FunctionalInterface
public interface Backoff {
    /**
     * {@return the pause after {@code attempts} attempts; never negative}
     *
     * @param attempts the attempts made so far
     */
    Duration delay(int attempts);

    /**
     * {@return the same pause every time}
     *
     * @param delay the pause, not negative
     */
    static Backoff fixed(Duration delay) {
        requireNotNegative(delay, "delay");
        return attempts -> delay;
    }

    /**
     * {@code initial}, then times {@code multiplier} after each attempt, never above {@code max}.
     *
     * @param initial the first pause, not negative
     * @param multiplier the factor, at least 1
     * @param max the longest pause, not negative
     * @return the backoff
     */
    static Backoff exponential(Duration initial, double multiplier, Duration max) {
        requireNotNegative(initial, "initial");
        requireNotNegative(max, "max");
        if (!(multiplier >= 1)) {
            throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
        }
        return attempts -> {
            double nanos = initial.toNanos() * Math.pow(multiplier, Math.max(0, attempts - 1));
            return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
        };
    }

    /**
     * This backoff with each pause shortened by up to {@code fraction} of itself, by {@code random}'s
     * value in [0, 1): many waiters started together then drift apart.
     *
     * @param fraction the most taken off, 0 to 1
     * @param random gives a number in [0, 1)
     * @return the backoff with jitter
     */
    default Backoff withJitter(double fraction, DoubleSupplier random) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("jitter fraction must be 0..1, was " + fraction);
        }
        Objects.requireNonNull(random, "random");
        return attempts -> {
            Duration d = delay(attempts);
            return Duration.ofNanos((long) (d.toNanos() * (1 - fraction * random.getAsDouble())));
        };
    }

    private static void requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }
}
