package dev.finetuner.local;

/**
 * The time the backend's jobs run on, and the timestamps it writes. Two kinds: {@link ScaledClock},
 * simulated time running {@code speed} times faster than the wall clock (what
 * {@link LocalOpenAi.Builder#speed(double)} sets), and {@link ManualClock}, time that passes only when
 * a test advances it, so that tests never wait on the wall clock.
 */
interface JobClock {
    /** A reading of this clock; only differences of readings ({@link #secondsBetween}) mean anything. */
    long read();

    /** Simulated seconds from reading {@code from} to reading {@code to}. */
    double secondsBetween(long from, long to);

    /**
     * Runs {@code task} once, after {@code simSeconds} simulated seconds (0 or less: as soon as it can).
     * Never runs it on the calling thread.
     */
    void schedule(Runnable task, double simSeconds);

    /** Now, in epoch seconds, for {@code created_at} and the other timestamps of the API. */
    long epochSecond();

    /** The epoch second at which {@code simSeconds} simulated seconds from now will have passed. */
    long epochSecondAfter(double simSeconds);

    /** Stops any thread of the clock's own; tasks not yet run are dropped. */
    void close();
}
