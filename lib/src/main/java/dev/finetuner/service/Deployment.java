package dev.finetuner.service;

import java.util.Objects;

/**
 * An Azure deployment of a model, as the management API describes it: the name completions are called
 * with, the model it serves, its SKU and capacity, and its provisioning state.
 *
 * @param name the deployment's name, sent as the model (v1 paths) or in the path (classic paths)
 * @param model the model it serves, e.g. a fine-tuned model's id
 * @param sku the SKU, e.g. {@code Standard}, {@code GlobalStandard} or {@code Developer}
 * @param capacity the capacity, in the SKU's units (thousands of tokens per minute for Standard)
 * @param state the provisioning state
 */
public record Deployment(String name, String model, String sku, int capacity, DeploymentState state) {
    /**
     * Checks the fields.
     *
     * @param name the deployment's name
     * @param model the model it serves
     * @param sku the SKU
     * @param capacity the capacity
     * @param state the provisioning state
     */
    public Deployment {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(state, "state");
    }
}
