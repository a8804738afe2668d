package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.ReadIssue;
import dev.finetuner.internal.Prefetcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * One read of a dataset, in three overlapping stages: a thread of its own parses, the workers do the
 * costly per-example work (hashes, checks, token counts) a batch at a time, and the calling thread takes
 * the results in file order while the workers run ahead. {@link #close()} stops the workers.
 */
final class Pipeline implements AutoCloseable {
    private static final int BATCH = 2048;

    private final Dataset dataset;
    private final ForkJoinPool workers = new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    Pipeline(Dataset dataset) {
        this.dataset = dataset;
    }

    /**
     * Reads the dataset once.
     *
     * @param issues takes each read issue as it comes (not ordered against the examples)
     * @param admit takes each example in file order on this thread; null leaves it out
     * @param work the per-item work, on the workers, any order
     * @param take takes each admitted item with its result, in file order, on this thread
     */
    <X, T> void read(Consumer<ReadIssue> issues, Function<Example, X> admit, Function<X, T> work,
                     BiConsumer<X, T> take) {
        List<X> batch = new ArrayList<>(BATCH);
        List<X> previous = null;
        ForkJoinTask<Object[]> previousWork = null;
        try (Prefetcher<Example> in = new Prefetcher<>("finetuner-read", events -> dataset.stream(events::accept))) {
            while (in.hasNext()) {
                Object o = in.next();
                if (!(o instanceof Example e)) {
                    issues.accept((ReadIssue) o);
                    continue;
                }
                X x = admit.apply(e);
                if (x != null) {
                    batch.add(x);
                }
                if (batch.size() == BATCH) {
                    // work on this batch on the workers while this thread takes the previous one
                    ForkJoinTask<Object[]> next = submit(batch, work);
                    take(previous, previousWork, take);
                    previous = batch;
                    previousWork = next;
                    batch = new ArrayList<>(BATCH);
                }
            }
        }
        take(previous, previousWork, take);
        take(batch, submit(batch, work), take);
    }

    private <X, T> ForkJoinTask<Object[]> submit(List<X> batch, Function<X, T> work) {
        return workers.submit(() -> {
            Object[] results = new Object[batch.size()];
            IntStream.range(0, results.length).parallel().forEach(i -> results[i] = work.apply(batch.get(i)));
            return results;
        });
    }

    @SuppressWarnings("unchecked")
    private static <X, T> void take(List<X> batch, ForkJoinTask<Object[]> work, BiConsumer<X, T> take) {
        if (batch == null) {
            return;
        }
        Object[] results = work.join();
        for (int i = 0; i < results.length; i++) {
            take.accept(batch.get(i), (T) results[i]);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        boolean interrupted = false;
        while (!workers.isTerminated()) {
            try {
                workers.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
