package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.model.ExampleFormat;

/**
 * The kind of one example, as validation counts it: the one place that names the three kinds (the
 * model's {@link ExampleFormat} has two, since preference data trains chat models).
 */
enum Shape {
    PROMPT_COMPLETION("prompt_completion", ExampleFormat.COMPLETION),
    CHAT("chat", ExampleFormat.CHAT),
    PREFERENCE("preference", ExampleFormat.CHAT);

    static final Shape[] ALL = values();

    /** The name in the report's {@code exampleFormat} and in messages. */
    final String label;
    /** The format of the models that train on this kind of example. */
    final ExampleFormat modelFormat;

    /** The shape in a message's words: "prompt/completion", not the key "prompt_completion". */
    String words() {
        return label.replace('_', '/');
    }

    Shape(String label, ExampleFormat modelFormat) {
        this.label = label;
        this.modelFormat = modelFormat;
    }

    static Shape of(Example e) {
        return e instanceof Example.PromptCompletion ? PROMPT_COMPLETION
                : e instanceof Example.Chat ? CHAT : PREFERENCE;
    }
}
