/**
 * {@link dev.finetuner.local.LocalOpenAi}: an embedded OpenAI-compatible fine-tuning backend on
 * loopback, for tests and samples, with {@link dev.finetuner.local.FaultPlan} to inject faults. It
 * speaks the JSON of {@code /v1/files}, {@code /v1/uploads}, {@code /v1/fine_tuning/jobs} (events,
 * checkpoints, pause, resume, cancel), {@code /v1/models}, {@code /v1/completions} and
 * {@code /v1/chat/completions}; everything else in the package is its implementation.
 */
package dev.finetuner.local;
