package dev.finetuner.completion;

import java.util.Objects;
import java.util.Optional;

/**
 * How a model's training prompts ended and its completions stopped, so that it is called the same way.
 *
 * @param separator appended to every prompt (empty for none), e.g. {@code "\n\n###\n\n"}
 * @param stop the sequence every training completion ended with, sent as {@code stop} and stripped
 * @param leadingSpace whether training completions started with a space (it is stripped from answers)
 */
public record PromptFormat(String separator, Optional<String> stop, boolean leadingSpace) {
    /** Metadata key under which the separator is kept with the job. */
    public static final String SEPARATOR_KEY = dev.finetuner.internal.PromptEndings.SEPARATOR_KEY;
    /** Metadata key under which the stop sequence is kept with the job. */
    public static final String STOP_KEY = dev.finetuner.internal.PromptEndings.STOP_KEY;

    /**
     * Checks the components: none null and the stop sequence, when given, not empty.
     *
     * @param separator appended to every prompt (empty for none), e.g. {@code "\n\n###\n\n"}
     * @param stop the sequence every training completion ended with, sent as {@code stop} and stripped
     * @param leadingSpace whether training completions started with a space (it is stripped from answers)
     */
    public PromptFormat {
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(stop, "stop");
        stop.ifPresent(s -> {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop sequence must not be empty");
            }
        });
    }

    /**
     * The format kept in a job's metadata under {@link #SEPARATOR_KEY} and {@link #STOP_KEY} (by
     * finetuner when it started the job); {@link #none()} for a job started otherwise.
     *
     * @param metadata the job's metadata
     * @return the format
     */
    public static PromptFormat fromMetadata(java.util.Map<String, String> metadata) {
        String separator = metadata.getOrDefault(SEPARATOR_KEY, "");
        Optional<String> stop = Optional.ofNullable(metadata.get(STOP_KEY)).filter(s -> !s.isEmpty());
        return new PromptFormat(separator, stop, false);
    }

    /**
     * The format a prompt/completion training set was written in, for a job started from a file with no
     * report beside it: the separator is the common ending of every prompt, the stop sequence the common
     * ending of every completion, each cut to its trailing punctuation and whitespace ({@code " ->"},
     * {@code "\n\n###\n\n"}, {@code "\n"}; and {@code " END"}, {@code prepare_data}'s other stop), so that a
     * shared word is never taken for a separator. {@link #none()} for chat or preference data, or when
     * nothing is common. Reads the examples once, holding only the two running suffixes.
     *
     * @param training the training examples, as written for the job
     * @return the format
     */
    public static PromptFormat infer(dev.finetuner.dataset.Dataset training) {
        Objects.requireNonNull(training, "training");
        dev.finetuner.internal.PromptEndings endings = new dev.finetuner.internal.PromptEndings();
        try (java.util.stream.Stream<dev.finetuner.dataset.Example> examples = training.stream(issue -> { })) {
            for (java.util.Iterator<dev.finetuner.dataset.Example> it = examples.iterator(); it.hasNext(); ) {
                if (!(it.next() instanceof dev.finetuner.dataset.Example.PromptCompletion pc)) {
                    return none();
                }
                endings.add(pc.prompt(), pc.completion());
            }
        }
        if (!endings.any()) {
            return none();
        }
        String stop = endings.stop();
        return new PromptFormat(endings.separator(), stop.isEmpty() ? Optional.empty() : Optional.of(stop),
                endings.leadingSpace());
    }

    /** {@return no separator, no stop: the prompt is sent as given} */
    public static PromptFormat none() {
        return new PromptFormat("", Optional.empty(), false);
    }

    /**
     * {@return the prompt as the model saw prompts in training}
     *
     * @param prompt the prompt
     */
    public String apply(String prompt) {
        return separator.isEmpty() || prompt.endsWith(separator) ? prompt : prompt + separator;
    }

    /**
     * {@return the answer without the stop sequence and surrounding whitespace}
     *
     * @param answer the answer as the model gave it
     */
    public String strip(String answer) {
        String a = answer;
        if (stop.isPresent()) {
            int at = a.indexOf(stop.get());
            if (at >= 0) {
                a = a.substring(0, at);
            }
        }
        return a.strip();
    }

    @Override
    public String toString() {
        return "PromptFormat[separator=" + visible(separator) + ", stop=" + stop.map(PromptFormat::visible).orElse("none")
                + ", leadingSpace=" + leadingSpace + "]";
    }

    private static String visible(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }
}
