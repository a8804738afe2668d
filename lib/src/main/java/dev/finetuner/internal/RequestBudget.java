package dev.finetuner.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * At most {@code max} requests in any minute, on a {@link Timing}: remembers when the last {@code max}
 * requests went out. Not thread-safe: one per follower of one job.
 */
public final class RequestBudget {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    private final int max;
    private final Timing timing;
    private final ArrayDeque<Long> sent = new ArrayDeque<>();

    /**
     * A budget of {@code maxPerMinute} requests in any minute of {@code timing}'s time.
     *
     * @param maxPerMinute at least 1
     * @param timing the clock and sleeper
     */
    public RequestBudget(int maxPerMinute, Timing timing) {
        if (maxPerMinute < 1) {
            throw new IllegalArgumentException("maxPerMinute must be >= 1, was " + maxPerMinute);
        }
        this.max = maxPerMinute;
        this.timing = java.util.Objects.requireNonNull(timing, "timing");
    }

    /**
     * {@return how long until {@code requests} more requests fit in the budget (zero: now)}
     *
     * @param requests the requests to make
     */
    public Duration delayFor(int requests) {
        long now = timing.nanoTime();
        forgetOlderThanAMinute(now);
        int over = sent.size() + requests - max;
        if (over <= 0) {
            return Duration.ZERO;
        }
        // the over-th oldest request must leave the window
        long freedAt = sent.stream().skip(Math.min(over, sent.size()) - 1L).findFirst().orElse(now) + MINUTE;
        return Duration.ofNanos(Math.max(0, freedAt - now));
    }

    /**
     * Waits, if needed, until one more request fits, then counts it.
     *
     * @param stop true to stop waiting
     * @return false when {@code stop} became true while waiting (nothing is counted)
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public boolean acquire(BooleanSupplier stop) throws InterruptedException {
        Duration wait = delayFor(1);
        if (!wait.isZero()) {
            timing.sleep(wait, stop);
            if (stop.getAsBoolean()) {
                return false;
            }
        }
        record();
        return true;
    }

    /** Counts a request sent now, whatever the budget says. */
    public void record() {
        long now = timing.nanoTime();
        forgetOlderThanAMinute(now);
        sent.add(now);
        while (sent.size() > max) {
            sent.poll(); // only the newest max matter
        }
    }

    private void forgetOlderThanAMinute(long now) {
        while (!sent.isEmpty() && now - sent.peek() >= MINUTE) {
            sent.poll();
        }
    }
}
