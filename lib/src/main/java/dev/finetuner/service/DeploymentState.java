package dev.finetuner.service;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The provisioning state of an Azure deployment ({@code properties.provisioningState}), an open set: the
 * states of Microsoft's REST reference are constants, and a state it adds later is kept as it came and
 * read as not finished.
 */
public final class DeploymentState {
    /** Taken, not started. */
    public static final DeploymentState ACCEPTED = new DeploymentState("Accepted");
    /** Being provisioned. */
    public static final DeploymentState CREATING = new DeploymentState("Creating");
    /** Ready: the deployment answers completions. */
    public static final DeploymentState SUCCEEDED = new DeploymentState("Succeeded");
    /** Provisioning failed. */
    public static final DeploymentState FAILED = new DeploymentState("Failed");
    /** Provisioning was cancelled. */
    public static final DeploymentState CANCELED = new DeploymentState("Canceled");
    /** Being removed. */
    public static final DeploymentState DELETING = new DeploymentState("Deleting");
    /** Being moved to another resource group or subscription. */
    public static final DeploymentState MOVING = new DeploymentState("Moving");
    /** Disabled by the service. */
    public static final DeploymentState DISABLED = new DeploymentState("Disabled");

    private static final Map<String, DeploymentState> KNOWN = Map.of("accepted", ACCEPTED, "creating", CREATING,
            "succeeded", SUCCEEDED, "failed", FAILED, "canceled", CANCELED, "deleting", DELETING, "moving", MOVING,
            "disabled", DISABLED);

    private final String raw;

    private DeploymentState(String raw) {
        this.raw = raw;
    }

    /**
     * {@return the state named {@code raw}: a known constant (case-insensitively), else a new unknown state}
     *
     * @param raw the state as the API gave it
     */
    public static DeploymentState of(String raw) {
        Objects.requireNonNull(raw, "raw");
        DeploymentState known = KNOWN.get(raw.toLowerCase(Locale.ROOT));
        return known != null ? known : new DeploymentState(raw);
    }

    /** {@return the state as the API spells it} */
    public String asString() {
        return raw;
    }

    /** {@return whether the deployment answers completions} */
    public boolean isReady() {
        return this == SUCCEEDED;
    }

    /** {@return whether it will never become ready without a new deployment: failed, cancelled or disabled} */
    public boolean isFailed() {
        return this == FAILED || this == CANCELED || this == DISABLED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeploymentState s && s.raw.equalsIgnoreCase(raw);
    }

    @Override
    public int hashCode() {
        return raw.toLowerCase(Locale.ROOT).hashCode();
    }

    @Override
    public String toString() {
        return raw;
    }
}
