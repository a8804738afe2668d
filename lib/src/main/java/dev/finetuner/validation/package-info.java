/**
 * Validation and repair of datasets, as {@code openai tools fine_tunes.prepare_data}, OpenAI's chat
 * data-preparation cookbook and together.ai's {@code check_file} do, and token counts and cost
 * estimates with the model's real encoding. Entry point: {@link dev.finetuner.validation.Validator}.
 */
package dev.finetuner.validation;
