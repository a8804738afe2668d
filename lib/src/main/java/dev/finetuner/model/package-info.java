/**
 * The catalogue of models that can be fine-tuned: names, legacy aliases, example format, context limit,
 * token encoding and training price. Knows nothing of the network.
 */
package dev.finetuner.model;
