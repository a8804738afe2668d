package dev.finetuner.service;

import dev.finetuner.ApiException;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A listener that records the name of every callback it hears, and the reflection helpers to call every
 * callback of {@link FollowListener}: tests of listeners that wrap others use it to prove none is dropped.
 */
public final class RecordingFollowListener extends FollowListener {
    private static final JobEvent.Metrics METRICS = new JobEvent.Metrics(OptionalLong.of(1), OptionalLong.of(10),
            OptionalDouble.of(0.5), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
            OptionalDouble.empty(), OptionalDouble.empty());
    /** A sample value per parameter type of the callbacks; a type not here gets null. */
    private static final Map<Class<?>, Object> SAMPLES = Map.of(
            JobEvent.class, new JobEvent("ftevent-1", Instant.EPOCH, "info", "Step 1/10", Optional.of("metrics"),
                    Optional.of(METRICS)),
            JobEvent.Metrics.class, METRICS,
            JobStatus.class, JobStatus.RUNNING,
            Job.class, new Job("ftjob-1", "davinci-002", JobStatus.RUNNING, Instant.EPOCH, Optional.empty(), Optional.empty(),
                    "file-train", Optional.empty(), Optional.empty(), List.of(), OptionalLong.empty(), OptionalLong.empty(),
                    Hyperparameters.auto(), Map.of(), Optional.empty()),
            RetryEvent.class, new RetryEvent("retrieve ftjob-1", 1, Duration.ofMillis(5),
                    new ApiException(500, null, null, "req_1", true, 1, "The server had an error", null)));

    private final List<String> calls = new CopyOnWriteArrayList<>();

    /** The callbacks heard, by method name, in order. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void onEvent(JobEvent event) {
        calls.add("onEvent");
    }

    @Override
    public void onStatus(JobStatus from, JobStatus to, Job job) {
        calls.add("onStatus");
    }

    @Override
    public void onMetrics(JobEvent.Metrics metrics, JobEvent event) {
        calls.add("onMetrics");
    }

    @Override
    public void onRetry(RetryEvent retry) {
        calls.add("onRetry");
    }

    /** Every callback of {@link FollowListener}: its public instance methods, by name. */
    public static List<Method> callbacks() {
        return Arrays.stream(FollowListener.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName)).toList();
    }

    /** Calls {@code callback} on {@code listener} with sample arguments. */
    public static void call(Method callback, FollowListener listener) {
        Object[] args = Arrays.stream(callback.getParameterTypes()).map(SAMPLES::get).toArray();
        try {
            callback.invoke(listener, args);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("calling " + callback + " failed", e);
        }
    }
}
