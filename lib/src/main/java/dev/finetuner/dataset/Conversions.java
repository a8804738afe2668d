package dev.finetuner.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Converts examples between the completion format (babbage-002, davinci-002) and the chat format
 * (gpt-4o-mini and other chat models). Conversions keep each example's line, and are explicit: nothing
 * converts a dataset unless asked.
 */
public final class Conversions {
    private Conversions() {
    }

    /**
     * A prompt/completion example as a chat: the prompt (without {@code separator}) as the user message,
     * the completion (trimmed, without {@code stop}) as the assistant's; other examples are returned as
     * they are.
     *
     * @param separator the prompt suffix to remove, or empty
     * @param stop the completion suffix to remove, or empty
     * @param system a system message to put first, or empty
     * @param e the example
     * @return the chat example, or {@code e} unchanged
     */
    public static Example toChat(Example e, String separator, String stop, Optional<String> system) {
        Objects.requireNonNull(separator, "separator");
        Objects.requireNonNull(stop, "stop");
        Objects.requireNonNull(system, "system");
        if (!(e instanceof Example.PromptCompletion pc)) {
            return e;
        }
        String prompt = !separator.isEmpty() && pc.prompt().endsWith(separator)
                ? pc.prompt().substring(0, pc.prompt().length() - separator.length()) : pc.prompt();
        String completion = !stop.isEmpty() && pc.completion().endsWith(stop)
                ? pc.completion().substring(0, pc.completion().length() - stop.length()) : pc.completion();
        List<Message> messages = new ArrayList<>(3);
        system.ifPresent(s -> messages.add(Message.system(s)));
        messages.add(Message.user(prompt.strip()));
        messages.add(Message.assistant(completion.strip()));
        return new Example.Chat(e.line(), messages, Optional.empty(), Map.of());
    }

    /**
     * {@link #toChat(Example, String, String, Optional)} with nothing to remove and no system message.
     *
     * @param e the example
     * @return the chat example, or {@code e} unchanged
     */
    public static Example toChat(Example e) {
        return toChat(e, "", "", Optional.empty());
    }

    /**
     * A chat as a prompt/completion example: the messages before the last assistant message, each as
     * {@code role: content} on its own line, as the prompt, and the last assistant message as the
     * completion; other examples are returned as they are. A chat with no assistant message is returned
     * unchanged (validation reports it).
     *
     * @param e the example
     * @return the prompt/completion example, or {@code e} unchanged
     */
    public static Example toPromptCompletion(Example e) {
        if (!(e instanceof Example.Chat chat)) {
            return e;
        }
        int last = -1;
        for (int i = chat.messages().size() - 1; i >= 0; i--) {
            if (chat.messages().get(i).role().equals("assistant")) {
                last = i;
                break;
            }
        }
        if (last < 0) {
            return e;
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < last; i++) {
            Message m = chat.messages().get(i);
            if (prompt.length() > 0) {
                prompt.append('\n');
            }
            prompt.append(m.role().equals("user") && last == 1 && i == 0 ? "" : m.role() + ": ").append(m.text());
        }
        return new Example.PromptCompletion(e.line(), prompt.toString(), chat.messages().get(last).text(), Map.of());
    }
}
