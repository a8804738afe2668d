/**
 * The facade: prepare a dataset, train, follow and use a fine-tuned model, and the exception hierarchy
 * under {@link dev.finetuner.FineTunerException} shared by every layer.
 */
package dev.finetuner;
