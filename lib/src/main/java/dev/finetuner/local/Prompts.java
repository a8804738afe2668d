package dev.finetuner.local;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * How every example shape becomes a prompt and a completion for the {@link NeighbourModel}: a chat's
 * messages before its last assistant message, one {@code "role: content"} line each, are the prompt and
 * that message the completion; a preference example's input is the prompt and its preferred output the
 * completion. A chat completion request is turned into a prompt the same way.
 */
final class Prompts {
    private Prompts() {
    }

    /** The pair an example teaches, or null when it has nothing to learn (a chat with no assistant message). */
    static NeighbourModel.Pair pair(Example example) {
        if (example instanceof Example.PromptCompletion pc) {
            return new NeighbourModel.Pair(pc.prompt(), pc.completion());
        }
        if (example instanceof Example.Chat chat) {
            List<Message> messages = chat.messages();
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).role().equals("assistant")) {
                    return new NeighbourModel.Pair(chat(messages.subList(0, i)), messages.get(i).text());
                }
            }
            return null;
        }
        Example.Preference p = (Example.Preference) example;
        String preferred = p.preferred().isEmpty() ? "" : p.preferred().get(p.preferred().size() - 1).text();
        return new NeighbourModel.Pair(chat(p.input().messages()), preferred);
    }

    static String chat(List<Message> messages) {
        List<String[]> lines = new ArrayList<>();
        for (Message m : messages) {
            lines.add(new String[] {m.role(), m.text()});
        }
        return chatLines(lines);
    }

    /** {@code "role: content\n"} per message. */
    static String chatLines(List<String[]> roleAndContent) {
        StringBuilder sb = new StringBuilder();
        for (String[] m : roleAndContent) {
            sb.append(m[0]).append(": ").append(m[1]).append('\n');
        }
        return sb.toString();
    }
}
