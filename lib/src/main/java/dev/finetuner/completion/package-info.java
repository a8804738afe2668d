/**
 * Calling a fine-tuned model the way it was trained ({@link dev.finetuner.completion.CompletionClient}
 * appends the trained separator, sends the trained stop sequence and strips both), and evaluating it
 * on held-out data.
 */
package dev.finetuner.completion;
