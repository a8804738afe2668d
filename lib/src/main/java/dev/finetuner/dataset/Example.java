package dev.finetuner.dataset;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One training example, in one of the three shapes the fine-tuning API takes. Every example remembers
 * the 1-based line (or spreadsheet row) of its source file where it starts, 0 when it was made in memory.
 */
public sealed interface Example permits Example.PromptCompletion, Example.Chat, Example.Preference {

    /** {@return the 1-based line or row of the source file where this example starts; 0 when made in memory} */
    long line();

    /**
     * This example, remembered as coming from another line.
     *
     * @param line the 1-based line or row, 0 for in memory
     * @return the same example at that line
     */
    Example atLine(long line);

    /**
     * The answer this example teaches, as given (not trimmed): the completion of a prompt/completion
     * example, the last assistant message of a chat example, the last assistant message of a preference
     * example's preferred output; empty when there is none. Splitting, evaluating and prompting a model
     * all read the answer here, so they agree on what it is.
     *
     * @return the answer as given, empty when there is none
     */
    String answer();

    /**
     * A legacy completion-model example: {@code {"prompt": ..., "completion": ...}}.
     *
     * @param line source line, 0 if made in memory
     * @param prompt the prompt text
     * @param completion the completion text
     * @param extras other columns or keys of the source record (name to raw text), reported and not written
     */
    record PromptCompletion(long line, String prompt, String completion, Map<String, String> extras)
            implements Example {
        /**
         * Checks the components: texts given and the line not negative; the extras are copied.
         *
         * @param line source line, 0 if made in memory
         * @param prompt the prompt text
         * @param completion the completion text
         * @param extras other columns or keys of the source record (name to raw text), reported and not
         *     written
         */
        public PromptCompletion {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(completion, "completion");
            extras = Examples.orderedCopy(extras);
            if (line < 0) {
                throw new IllegalArgumentException("line must be >= 0: " + line);
            }
        }

        /**
         * {@return an in-memory example with no extra columns}
         *
         * @param prompt the prompt text
         * @param completion the completion text
         */
        public static PromptCompletion of(String prompt, String completion) {
            return new PromptCompletion(0, prompt, completion, Map.of());
        }

        /**
         * This example with other texts, at the same line and with the same extras.
         *
         * @param newPrompt the new prompt
         * @param newCompletion the new completion
         * @return the new example
         */
        public PromptCompletion with(String newPrompt, String newCompletion) {
            return new PromptCompletion(line, newPrompt, newCompletion, extras);
        }

        @Override
        public PromptCompletion atLine(long newLine) {
            return new PromptCompletion(newLine, prompt, completion, extras);
        }

        /** The completion. */
        @Override
        public String answer() {
            return completion;
        }

        @Override
        public String toString() {
            return "PromptCompletion[line=" + line + ", prompt=" + Examples.excerpt(prompt)
                    + ", completion=" + Examples.excerpt(completion)
                    + (extras.isEmpty() ? "" : ", extras=" + new TreeMap<>(extras).keySet()) + "]";
        }
    }

    /**
     * A chat example: {@code {"messages": [...], "tools": [...]}}.
     *
     * @param line source line, 0 if made in memory
     * @param messages the conversation, in order
     * @param tools the {@code tools} array as raw JSON text, if present
     * @param extras other top-level keys ({@code parallel_tool_calls}, ...) as raw JSON text
     */
    record Chat(long line, List<Message> messages, Optional<String> tools, Map<String, String> extras)
            implements Example {
        /**
         * Checks the components: messages given, the line not negative, tools and extras valid JSON; the
         * lists are copied.
         *
         * @param line source line, 0 if made in memory
         * @param messages the conversation, in order
         * @param tools the {@code tools} array as raw JSON text, if present
         * @param extras other top-level keys ({@code parallel_tool_calls}, ...) as raw JSON text
         */
        public Chat {
            messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
            Objects.requireNonNull(tools, "tools");
            tools.ifPresent(t -> Examples.jsonExtras(Map.of("tools", t)));
            extras = Examples.jsonExtras(extras);
            if (line < 0) {
                throw new IllegalArgumentException("line must be >= 0: " + line);
            }
        }

        /**
         * {@return an in-memory chat example with no tools}
         *
         * @param messages the conversation, in order
         */
        public static Chat of(Message... messages) {
            return new Chat(0, List.of(messages), Optional.empty(), Map.of());
        }

        /**
         * This example with other messages, at the same line and with the same tools and extras.
         *
         * @param newMessages the new conversation
         * @return the new example
         */
        public Chat withMessages(List<Message> newMessages) {
            return new Chat(line, newMessages, tools, extras);
        }

        @Override
        public Chat atLine(long newLine) {
            return new Chat(newLine, messages, tools, extras);
        }

        /** The last assistant message's text; empty when there is none. */
        @Override
        public String answer() {
            int i = lastAssistant(messages);
            return i < 0 ? "" : messages.get(i).text();
        }

        /**
         * The conversation before the answer: every message before the last assistant message (all of
         * them when there is none). This is what a model is asked to answer.
         *
         * @return the messages before the answer
         */
        public List<Message> beforeAnswer() {
            int i = lastAssistant(messages);
            return i < 0 ? messages : messages.subList(0, i);
        }

        @Override
        public String toString() {
            return "Chat[line=" + line + ", messages=" + messages + (tools.isPresent() ? ", tools=" + Examples.excerpt(tools.get()) : "")
                    + (extras.isEmpty() ? "" : ", extras=" + extras.keySet()) + "]";
        }
    }

    /**
     * A preference (DPO) example: {@code {"input": {"messages": [...]}, "preferred_output": [...],
     * "non_preferred_output": [...]}}.
     *
     * @param line source line, 0 if made in memory
     * @param input the conversation so far, as a chat example (its messages, tools and extras), at the same line
     * @param preferred the better answer's messages
     * @param nonPreferred the worse answer's messages
     * @param extras other top-level keys (an {@code id}, ...) as raw JSON text, kept so that writing loses nothing
     */
    record Preference(long line, Chat input, List<Message> preferred, List<Message> nonPreferred,
                      Map<String, String> extras) implements Example {
        /**
         * Checks the components: all given, the line not negative, extras valid JSON; the lists are copied.
         *
         * @param line source line, 0 if made in memory
         * @param input the conversation so far, as a chat example (its messages, tools and extras), at the
         *     same line
         * @param preferred the better answer's messages
         * @param nonPreferred the worse answer's messages
         * @param extras other top-level keys (an {@code id}, ...) as raw JSON text, kept so that writing
         *     loses nothing
         */
        public Preference {
            Objects.requireNonNull(input, "input");
            preferred = List.copyOf(Objects.requireNonNull(preferred, "preferred"));
            nonPreferred = List.copyOf(Objects.requireNonNull(nonPreferred, "nonPreferred"));
            extras = Examples.jsonExtras(extras);
            if (line < 0) {
                throw new IllegalArgumentException("line must be >= 0: " + line);
            }
            if (input.line() != line) {
                input = input.atLine(line);
            }
        }

        /**
         * {@return an in-memory preference example with no other keys}
         *
         * @param input the conversation so far
         * @param preferred the better answer
         * @param nonPreferred the worse answer
         */
        public static Preference of(Chat input, Message preferred, Message nonPreferred) {
            return new Preference(0, input, List.of(preferred), List.of(nonPreferred), Map.of());
        }

        @Override
        public Preference atLine(long newLine) {
            return new Preference(newLine, input.atLine(newLine), preferred, nonPreferred, extras);
        }

        /** The last assistant message of the preferred output; empty when there is none. */
        @Override
        public String answer() {
            int i = lastAssistant(preferred);
            return i < 0 ? "" : preferred.get(i).text();
        }

        @Override
        public String toString() {
            return "Preference[line=" + line + ", input=" + input.messages() + ", preferred=" + preferred
                    + ", nonPreferred=" + nonPreferred + (extras.isEmpty() ? "" : ", extras=" + extras.keySet()) + "]";
        }
    }

    private static int lastAssistant(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("assistant")) {
                return i;
            }
        }
        return -1;
    }
}
