/**
 * What a fine-tune learned, step by step: {@link dev.finetuner.metrics.TrainingMetrics} (read from a
 * job's result file or from its metric events) and {@link dev.finetuner.metrics.LossChart}, a
 * self-contained SVG of the training and validation losses, for one run or several side by side.
 */
package dev.finetuner.metrics;
