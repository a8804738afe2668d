package dev.finetuner.validation;

import dev.finetuner.dataset.Example;

import java.util.function.Consumer;

/**
 * A check of your own: a rule run by {@link Validator} beside the built-in ones, on every example that is
 * kept (after repairs), in file order, and once at the end. A new instance is made for every validation
 * (see {@link Validator.Builder#check(java.util.function.Supplier)}), so a check may keep state. Added
 * with the code it reports ({@link Validator.Builder#check(String, java.util.function.Supplier)}), it is
 * turned off by that code, as a built-in rule is.
 *
 * <pre>{@code
 * Validator v = Validator.builder().check("email_in_prompt", () -> (example, findings) -> {
 *     if (example instanceof Example.PromptCompletion pc && pc.prompt().contains("@")) {
 *         findings.accept(Finding.at(example.line(), "email_in_prompt", Severity.WARNING, "prompt",
 *                 "the prompt contains an e-mail address", "remove personal data"));
 *     }
 * }).build();
 * }</pre>
 */
@FunctionalInterface
public interface Check {
    /**
     * Inspects one kept example; report what is wrong to {@code findings}.
     *
     * @param example the example, as kept (and repaired)
     * @param findings receives what is wrong
     */
    void inspect(Example example, Consumer<Finding> findings);

    /**
     * Called once after the last example; report dataset-wide findings here.
     *
     * @param findings receives dataset-wide findings
     */
    default void complete(Consumer<Finding> findings) {
    }
}
