package dev.finetuner.local;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP server's workers, which a slow client can neither fill nor hold for ever.
 *
 * <p>The JDK server reads a request's line and headers on the worker that then runs the handler, and its
 * blocking reads have no timeout of their own (its {@code sun.net.httpserver.maxReqTime} is JVM-wide and read once).
 * So a fixed pool of workers is taken by as many clients sending a byte now and then, and every other client waits
 * behind them. Here a worker is made for each exchange, up to {@link #MAX_WORKERS} (beyond, the server closes the new
 * connection at once rather than queue it behind slow ones), and each worker has a deadline: the headers must have
 * come {@code timeout} after the request's first byte, a body or a response must move at least
 * {@link #MIN_BYTES_PER_SECOND} after a first {@code timeout}. A worker past its deadline is interrupted, which
 * closes the connection's channel and ends its blocking read or write.
 */
final class HttpWorkers implements Executor {
    /** The most exchanges served at once. */
    static final int MAX_WORKERS = 256;
    /** How long the headers, and the start of a body or response, may take by default. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The slowest a body or a response may move once its first {@code timeout} has passed. */
    static final long MIN_BYTES_PER_SECOND = 64 * 1024;

    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService watchdog;
    private final Set<Deadline> active = ConcurrentHashMap.newKeySet();
    private final long timeoutNanos;

    HttpWorkers(Duration timeout, ThreadFactory workers, ThreadFactory watchdog) {
        this.timeoutNanos = timeout.toNanos();
        this.pool = new ThreadPoolExecutor(0, MAX_WORKERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), workers);
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, watchdog);
        w.setRemoveOnCancelPolicy(true);
        this.watchdog = w;
        long tick = Math.max(10, Math.min(100, timeout.toMillis() / 5));
        w.scheduleWithFixedDelay(this::expire, tick, tick, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable exchange) {
        pool.execute(() -> {
            Deadline d = new Deadline(Thread.currentThread(), timeoutNanos);
            active.add(d);
            CURRENT.set(d);
            d.arm(System.nanoTime() + timeoutNanos); // for the request line and headers, read before the handler runs
            try {
                exchange.run();
            } finally {
                d.disarm();
                CURRENT.remove();
                active.remove(d);
            }
        });
    }

    private void expire() {
        long now = System.nanoTime();
        for (Deadline d : active) {
            d.expire(now);
        }
    }

    /** The deadline of the exchange this thread serves, or null off the workers. */
    static Deadline current() {
        return CURRENT.get();
    }

    /** Stops the workers (interrupting them, which closes their connections) and the watchdog. */
    void shutdownNow() {
        watchdog.shutdownNow();
        pool.shutdownNow();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit) && watchdog.awaitTermination(timeout, unit);
    }

    /**
     * One exchange's deadline: armed only around a blocking read or write, so the interrupt that enforces it can
     * land on nothing else (an interrupt elsewhere would close a file channel the handler is writing).
     */
    static final class Deadline {
        private final Thread thread;
        private final long timeoutNanos;
        private boolean armed;
        private boolean fired;
        private long at;

        Deadline(Thread thread, long timeoutNanos) {
            this.thread = thread;
            this.timeoutNanos = timeoutNanos;
        }

        /** When a transfer of {@code bytes} so far, started at {@code start}, is overdue. */
        long dueFor(long start, long bytes) {
            return start + timeoutNanos + bytes * 1_000_000_000L / MIN_BYTES_PER_SECOND;
        }

        synchronized void arm(long atNanos) {
            at = atNanos;
            armed = true;
        }

        /** Disarms; true when the deadline had passed (the interrupt it caused is cleared). */
        boolean disarm() {
            boolean wasFired;
            synchronized (this) {
                armed = false;
                wasFired = fired;
                fired = false;
            }
            if (wasFired) {
                Thread.interrupted();
            }
            return wasFired;
        }

        synchronized void expire(long now) {
            if (armed && !fired && now - at >= 0) {
                fired = true;
                thread.interrupt();
            }
        }

        /**
         * Runs a blocking read or write that must end by {@code dueNanos} (a {@link System#nanoTime()}); past it the
         * connection is closed under it, and this throws a {@link SocketTimeoutException} saying {@code what}.
         */
        <T> T within(long dueNanos, Supplier<String> what, IoCall<T> call) throws IOException {
            arm(dueNanos);
            T result;
            try {
                result = call.call();
            } catch (IOException | RuntimeException e) {
                if (disarm()) {
                    SocketTimeoutException timeout = new SocketTimeoutException("the client was too slow: " + what.get());
                    timeout.initCause(e);
                    throw timeout;
                }
                throw e;
            }
            // the deadline may have passed just after the call ended: its interrupt is cleared, and the result stands
            disarm();
            return result;
        }

        /** Like {@link #within}, due {@code timeout} from now. */
        <T> T withinTimeout(Supplier<String> what, IoCall<T> call) throws IOException {
            return within(System.nanoTime() + timeoutNanos, what, call);
        }
    }

    /** A blocking read or write on the connection. */
    interface IoCall<T> {
        T call() throws IOException;
    }

    /** A request body that must keep arriving: its reads time out as {@link Deadline#dueFor} says. */
    static final class TimedInput extends FilterInputStream {
        private final Deadline deadline;
        private final long start = System.nanoTime();
        private long read;

        TimedInput(InputStream in, Deadline deadline) {
            super(in);
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            int b = deadline.within(deadline.dueFor(start, read), this::what, super::read);
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = deadline.within(deadline.dueFor(start, read), this::what, () -> super.read(b, off, len));
            if (n > 0) {
                read += n;
            }
            return n;
        }

        private String what() {
            return "the request body had sent " + read + " bytes in " + (System.nanoTime() - start) / 1_000_000 + " ms";
        }
    }
}
