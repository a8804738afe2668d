/**
 * Training examples and the files that hold them: {@link dev.finetuner.dataset.Example} and its three
 * shapes, {@link dev.finetuner.dataset.Dataset} (read streaming from CSV, TSV, XLSX, JSON or JSONL),
 * {@link dev.finetuner.dataset.DatasetWriter} (the JSONL the API expects) and
 * {@link dev.finetuner.dataset.Split}. Knows nothing of the network.
 */
package dev.finetuner.dataset;
