/**
 * Micrometer meters for a fine-tuner: {@link dev.finetuner.micrometer.MicrometerMetrics}, the one class
 * of the library that uses Micrometer. {@code micrometer-core} is an optional dependency of finetuner: an
 * application that wants these meters adds it (it usually has it already), and one that does not never
 * loads this package.
 */
package dev.finetuner.micrometer;
