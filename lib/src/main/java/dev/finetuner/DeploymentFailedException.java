package dev.finetuner;

import java.util.Optional;

/**
 * An Azure deployment ended in a state it will not leave by itself (Failed, Canceled or Disabled); the code
 * and message are the management API's, when it gave them. Nothing is billed for a failed deployment, but
 * it still exists under its name: delete it, or deploy again under the same name.
 */
public class DeploymentFailedException extends FineTunerException {
    /** The deployment's name. */
    private final String deployment;
    /** Its provisioning state. */
    private final String state;
    /** The management API's error code, or null. */
    private final String code;

    /**
     * @param deployment the deployment's name
     * @param state its provisioning state, e.g. {@code Failed}
     * @param code the management API's error code, or null
     * @param message the management API's error message, or what is known
     */
    public DeploymentFailedException(String deployment, String state, String code, String message) {
        super("deployment " + deployment + " ended " + state + (code == null ? "" : " (" + code + ")") + ": " + message
                + "; fix the cause, then deploy again (the same name replaces it) or undeploy it");
        this.deployment = deployment;
        this.state = state;
        this.code = code;
    }

    /** {@return the deployment's name} */
    public String deployment() {
        return deployment;
    }

    /** {@return its provisioning state, e.g. {@code Failed}} */
    public String state() {
        return state;
    }

    /** {@return the management API's error code, e.g. {@code InsufficientQuota}} */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }
}
