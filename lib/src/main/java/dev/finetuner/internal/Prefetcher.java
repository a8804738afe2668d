package dev.finetuner.internal;

import dev.finetuner.FineTunerException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs a stream's producer (reading and parsing a file) on its own thread, a bounded number of
 * batches ahead of the consumer, so that parsing overlaps with what the consumer does (validation,
 * token counting). Side events the producer reports (read issues) travel in the same batches, so the
 * consumer sees events and items in the order they happened. Memory stays bounded whatever the mix of
 * items and events. Closing stops the thread and waits for it.
 *
 * @param <T> the items
 */
public final class Prefetcher<T> implements Iterator<Object>, AutoCloseable {
    private static final int BATCH = 1024;
    private static final int BATCHES_AHEAD = 4;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(BATCHES_AHEAD + 1);
    private final Thread thread;
    private volatile boolean closed;
    private Iterator<Object> current = List.<Object>of().iterator();
    private Object next;
    private boolean done;

    /**
     * Starts reading.
     *
     * @param open opens the stream, given the consumer of side events; runs on the prefetch thread
     * @param name the name of the prefetch thread
     */
    public Prefetcher(String name, Function<Consumer<Object>, Stream<T>> open) {
        thread = new Thread(() -> produce(open), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void produce(Function<Consumer<Object>, Stream<T>> open) {
        Object last = END;
        try {
            Batcher batcher = new Batcher();
            try (Stream<T> s = open.apply(batcher)) {
                Iterator<T> it = s.iterator();
                while (!closed && it.hasNext()) {
                    batcher.accept(it.next());
                }
            }
            batcher.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            last = new Failure(e);
        } finally {
            // always end the queue, even after an OutOfMemoryError, so the consumer never waits forever
            try {
                put(last);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Collects items and events into batches and hands each full batch to the queue. */
    private final class Batcher implements Consumer<Object> {
        private List<Object> batch = new ArrayList<>(BATCH);

        @Override
        public void accept(Object o) {
            batch.add(o);
            if (batch.size() >= BATCH) {
                try {
                    flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FineTunerException("reading was interrupted", e);
                }
            }
        }

        void flush() throws InterruptedException {
            if (!batch.isEmpty()) {
                List<Object> full = batch;
                batch = new ArrayList<>(BATCH);
                put(full);
            }
        }
    }

    private void put(Object o) throws InterruptedException {
        while (!closed) {
            if (queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    private record Failure(Throwable error) {
    }

    /** True while items or events remain. Rethrows, on the consumer's thread, what the producer threw. */
    @Override
    public boolean hasNext() {
        while (next == null && !done) {
            if (current.hasNext()) {
                next = current.next();
                break;
            }
            Object o = take();
            if (o == END) {
                done = true;
            } else if (o instanceof Failure f) {
                done = true;
                if (f.error() instanceof RuntimeException re) {
                    throw re;
                }
                if (f.error() instanceof Error err) {
                    throw err;
                }
                throw new FineTunerException("reading failed: " + f.error(), f.error());
            } else {
                @SuppressWarnings("unchecked")
                List<Object> batch = (List<Object>) o;
                current = batch.iterator();
            }
        }
        return next != null;
    }

    private Object take() {
        try {
            while (true) {
                Object o = queue.poll(1, TimeUnit.SECONDS);
                if (o != null) {
                    return o;
                }
                if (!thread.isAlive() && queue.isEmpty()) {
                    return new Failure(new IllegalStateException("the reading thread ended without a result"));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new FineTunerException("interrupted while reading", e);
        }
    }

    /** The next item (a {@code T}) or side event, in the order the producer saw them. */
    @Override
    public Object next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Object o = next;
        next = null;
        return o;
    }

    /** Stops the prefetch thread and waits until it has closed the stream. */
    @Override
    public void close() {
        closed = true;
        queue.clear();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // finish closing, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
