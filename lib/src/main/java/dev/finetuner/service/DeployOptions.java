package dev.finetuner.service;

import java.time.Duration;
import java.util.Objects;

/**
 * How a trained model is deployed on Azure: the SKU (deployment type), its capacity, and how long to wait
 * for it to be ready. Defaults: {@link #DEFAULT_SKU}, {@link #DEFAULT_CAPACITY}, {@link #DEFAULT_TIMEOUT},
 * polled every {@link #DEFAULT_POLL_INTERVAL}.
 *
 * <p>A Standard or GlobalStandard deployment of a fine-tuned model is billed per hour for as long as it
 * exists, used or not (see the README's "Moving off OpenAI"); a Developer deployment has no hosting fee but
 * is removed by Azure after 24 hours. Undeploy what you no longer call. Immutable.
 */
public final class DeployOptions {
    /** The SKU when none is given. */
    public static final String DEFAULT_SKU = "Standard";
    /** The capacity when none is given. */
    public static final int DEFAULT_CAPACITY = 1;
    /** How long a deployment is waited for when no timeout is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    /** The pause between polls of a deployment's state when none is given. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

    private final String sku;
    private final int capacity;
    private final String modelVersion;
    private final Duration timeout;
    private final Duration pollInterval;

    private DeployOptions(String sku, int capacity, String modelVersion, Duration timeout, Duration pollInterval) {
        this.sku = sku;
        this.capacity = capacity;
        this.modelVersion = modelVersion;
        this.timeout = timeout;
        this.pollInterval = pollInterval;
    }

    /** {@return the defaults} */
    public static DeployOptions defaults() {
        return new DeployOptions(DEFAULT_SKU, DEFAULT_CAPACITY, "1", DEFAULT_TIMEOUT, DEFAULT_POLL_INTERVAL);
    }

    /**
     * {@return these options with another SKU}
     *
     * @param sku e.g. {@code Standard}, {@code GlobalStandard}, {@code Developer}
     */
    public DeployOptions withSku(String sku) {
        Objects.requireNonNull(sku, "sku");
        if (!sku.strip().matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("a SKU is a name such as Standard, GlobalStandard or Developer; was \""
                    + sku + "\"");
        }
        return new DeployOptions(sku.strip(), capacity, modelVersion, timeout, pollInterval);
    }

    /**
     * {@return these options with another capacity}
     *
     * @param capacity at least 1
     */
    public DeployOptions withCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        return new DeployOptions(sku, capacity, modelVersion, timeout, pollInterval);
    }

    /**
     * {@return these options waiting at most {@code timeout} for the deployment to be ready}
     *
     * @param timeout positive
     */
    public DeployOptions withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return new DeployOptions(sku, capacity, modelVersion, timeout, pollInterval);
    }

    /**
     * {@return these options polling the deployment's state every {@code interval}}
     *
     * @param interval positive
     */
    public DeployOptions withPollInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("poll interval must be positive, was " + interval);
        }
        return new DeployOptions(sku, capacity, modelVersion, timeout, interval);
    }

    /** {@return the SKU} */
    public String sku() {
        return sku;
    }

    /** {@return the capacity} */
    public int capacity() {
        return capacity;
    }

    /** {@return the model version sent ({@code "1"} for fine-tuned models)} */
    public String modelVersion() {
        return modelVersion;
    }

    /** {@return the longest wait for the deployment to be ready} */
    public Duration timeout() {
        return timeout;
    }

    /** {@return the pause between polls} */
    public Duration pollInterval() {
        return pollInterval;
    }

    @Override
    public String toString() {
        return "DeployOptions[" + sku + " x" + capacity + ", timeout " + timeout + "]";
    }
}
