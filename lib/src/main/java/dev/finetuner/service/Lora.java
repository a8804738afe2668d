package dev.finetuner.service;

/**
 * Train a low-rank adapter instead of every weight: Together AI's {@code training_type} {@code Lora}.
 * Only Together AI takes it; OpenAI chooses its own method, and a job request with LoRA options is
 * refused there before anything is sent.
 *
 * <pre>{@code
 * JobRequest.builder("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", file.id()).lora(new Lora(16, 32, 0.05)).build();
 * }</pre>
 *
 * @param rank the adapter's rank ({@code lora_r}), at least 1
 * @param alpha its scaling ({@code lora_alpha}), at least 1
 * @param dropout the dropout on the adapter ({@code lora_dropout}), 0 to below 1
 */
public record Lora(int rank, int alpha, double dropout) {
    /**
     * Checks the ranges.
     *
     * @param rank the adapter's rank ({@code lora_r}), at least 1
     * @param alpha its scaling ({@code lora_alpha}), at least 1
     * @param dropout the dropout on the adapter ({@code lora_dropout}), 0 to below 1
     */
    public Lora {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, was " + rank);
        }
        if (alpha < 1) {
            throw new IllegalArgumentException("LoRA alpha must be at least 1, was " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), was " + dropout);
        }
    }
}
