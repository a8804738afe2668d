package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * How every example shape becomes a prompt and a completion for the {@link NeighbourModel}, read from
 * the JSON line the backend stored: a prompt/completion line is that pair; for a chat, its messages
 * before its last assistant message, one {@code "role: content"} line each, are the prompt and that
 * message the completion; for a preference line, the input's messages are the prompt and the preferred
 * output's last assistant message the completion. A chat completion request is turned into a prompt
 * the same way.
 */
final class Prompts {
    private Prompts() {
    }

    /**
     * The pair one example line teaches, or null when it has nothing to learn (a chat with no assistant
     * message). The line's shape has been checked by {@link FileCheck}.
     */
    static NeighbourModel.Pair pair(JsonNode example) {
        if (example.has("messages")) {
            JsonNode messages = example.get("messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (isAssistant(messages.get(i))) {
                    return new NeighbourModel.Pair(chat(messages, i), text(messages.get(i).get("content")));
                }
            }
            return null;
        }
        if (example.has("preferred_output")) {
            JsonNode input = example.path("input").path("messages");
            JsonNode preferred = example.get("preferred_output");
            String answer = "";
            for (int i = preferred.size() - 1; i >= 0; i--) {
                if (isAssistant(preferred.get(i))) {
                    answer = text(preferred.get(i).get("content"));
                    break;
                }
            }
            return new NeighbourModel.Pair(chat(input, input.size()), answer);
        }
        return new NeighbourModel.Pair(text(example.get("prompt")), text(example.get("completion")));
    }

    private static boolean isAssistant(JsonNode message) {
        return "assistant".equals(message.path("role").asText(null));
    }

    /** The first {@code end} messages as prompt lines. */
    private static String chat(JsonNode messages, int end) {
        List<String[]> lines = new ArrayList<>(end);
        for (int i = 0; i < end; i++) {
            JsonNode m = messages.get(i);
            lines.add(new String[] {m.path("role").asText(), text(m.get("content"))});
        }
        return chatLines(lines);
    }

    /**
     * The text of a prompt, completion or message content: a string as it is, a number or boolean as
     * its JSON text, anything else (null, content parts) as nothing.
     */
    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isContainerNode()) {
            return "";
        }
        return value.asText();
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
