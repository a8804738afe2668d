package dev.finetuner.model;

/** The byte-pair encodings OpenAI models use, by their tiktoken names. */
public enum TokenEncoding {
    /** GPT-3 era models (ada, babbage, curie, davinci). */
    R50K_BASE("r50k_base"),
    /** babbage-002, davinci-002, gpt-3.5-turbo, gpt-4. */
    CL100K_BASE("cl100k_base"),
    /** gpt-4o and gpt-4.1 families. */
    O200K_BASE("o200k_base");

    private final String tiktokenName;

    TokenEncoding(String tiktokenName) {
        this.tiktokenName = tiktokenName;
    }

    /** {@return the name tiktoken and jtokkit use, e.g. {@code cl100k_base}} */
    public String tiktokenName() {
        return tiktokenName;
    }
}
