package dev.finetuner.internal;

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
 * consumer sees events and items in the order they happened. Closing stops the thread.
 *
 * @param <T> the items
 */
public final class Prefetcher<T> implements Iterator<Object>, AutoCloseable {
    private static final int BATCH = 1024;
    private static final int BATCHES_AHEAD = 4;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(BATCHES_AHEAD);
    private final Thread thread;
    private volatile boolean closed;
    private Iterator<Object> current = List.of().iterator();
    private Object next;
    private boolean done;

    /**
     * Starts reading.
     *
     * @param open opens the stream, given the consumer of side events; runs on the prefetch thread
     */
    public Prefetcher(String name, Function<Consumer<Object>, Stream<T>> open) {
        thread = new Thread(() -> produce(open), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void produce(Function<Consumer<Object>, Stream<T>> open) {
        List<Object> batch = new ArrayList<>(BATCH);
        try {
            Consumer<Object> events = batch::add;
            try (Stream<T> s = open.apply(events)) {
                Iterator<T> it = s.iterator();
                while (!closed && it.hasNext()) {
                    batch.add(it.next());
                    if (batch.size() >= BATCH) {
                        put(new ArrayList<>(batch));
                        batch.clear();
                    }
                }
            }
            if (!batch.isEmpty()) {
                put(new ArrayList<>(batch));
            }
            put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            try {
                if (!batch.isEmpty()) {
                    put(new ArrayList<>(batch));
                }
                put(new Failure(e));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
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
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while reading", e);
            }
            if (o == END) {
                done = true;
            } else if (o instanceof Failure f) {
                done = true;
                if (f.error() instanceof RuntimeException re) {
                    throw re;
                }
                throw (Error) f.error();
            } else {
                @SuppressWarnings("unchecked")
                List<Object> batch = (List<Object>) o;
                current = batch.iterator();
            }
        }
        return next != null;
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

    /** Stops the prefetch thread and waits for it to close the stream. */
    @Override
    public void close() {
        closed = true;
        queue.clear();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
