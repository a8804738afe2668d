package dev.finetuner.dataset;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One message of a chat example.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant}, {@code tool} or
 *     {@code function}; kept as given, so that validation can report an unknown role
 * @param content the text; empty when the JSON had no content or {@code null} (an assistant tool call)
 * @param extras every other key of the message ({@code name}, {@code weight}, {@code tool_calls},
 *     {@code tool_call_id}, ...), each value one JSON value as text (a string is {@code "\"bob\""}), kept
 *     so that writing loses nothing; anything else is rejected
 */
public record Message(String role, Optional<String> content, Map<String, String> extras) {

    /**
     * Checks the components: role and content given, extras valid JSON; the extras are copied.
     *
     * @param role {@code system}, {@code developer}, {@code user}, {@code assistant}, {@code tool} or
     *     {@code function}; kept as given, so that validation can report an unknown role
     * @param content the text; empty when the JSON had no content or {@code null} (an assistant tool call)
     * @param extras every other key of the message ({@code name}, {@code weight}, {@code tool_calls},
     *     {@code tool_call_id}, ...), each value one JSON value as text (a string is {@code "\"bob\""}), kept so
     *     that writing loses nothing; anything else is rejected
     */
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        extras = Examples.jsonExtras(extras);
    }

    /**
     * {@return a message with text content and no other keys}
     *
     * @param role the role, e.g. {@code user}
     * @param content the text
     */
    public static Message of(String role, String content) {
        return new Message(role, Optional.of(content), Map.of());
    }

    /**
     * {@return a system message}
     *
     * @param content the text
     */
    public static Message system(String content) {
        return of("system", content);
    }

    /**
     * {@return a user message}
     *
     * @param content the text
     */
    public static Message user(String content) {
        return of("user", content);
    }

    /**
     * {@return an assistant message}
     *
     * @param content the text
     */
    public static Message assistant(String content) {
        return of("assistant", content);
    }

    /** {@return the {@code name} key, if present and a string} */
    public Optional<String> name() {
        return Examples.jsonString(extras.get("name"));
    }

    /** {@return the content, or the empty string} */
    public String text() {
        return content.orElse("");
    }

    /**
     * This message with other content.
     *
     * @param newContent the new text
     * @return the new message
     */
    public Message withContent(String newContent) {
        return new Message(role, Optional.of(newContent), extras);
    }

    @Override
    public String toString() {
        return "Message[role=" + role + ", content=" + Examples.excerpt(text())
                + (extras.isEmpty() ? "" : ", extras=" + new TreeMap<>(extras).keySet()) + "]";
    }
}
