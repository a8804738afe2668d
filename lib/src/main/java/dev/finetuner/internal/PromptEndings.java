package dev.finetuner.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How prompt/completion training data ends: the separator every prompt ends with and the stop sequence
 * every completion ends with, each the common ending cut to its trailing punctuation and whitespace
 * ({@code " ->"}, {@code "\n\n###\n\n"}, {@code "\n"}), or {@code " END"}, so that a shared word is never
 * taken for a separator. One rule for the completion layer (a dataset) and the service layer (a JSONL
 * file it is about to train on). Not thread-safe.
 */
public final class PromptEndings {
    /** Job metadata key under which the separator is kept with the job. */
    public static final String SEPARATOR_KEY = "finetuner_separator";
    /** Job metadata key under which the stop sequence is kept with the job. */
    public static final String STOP_KEY = "finetuner_stop";
    private static final ObjectMapper JSON = new ObjectMapper();

    private String prompts;
    private String completions;
    private boolean space = true;

    /**
     * Takes one example into account.
     *
     * @param prompt the example's prompt
     * @param completion the example's completion
     */
    public void add(String prompt, String completion) {
        prompts = prompts == null ? prompt : commonSuffix(prompts, prompt);
        completions = completions == null ? completion : commonSuffix(completions, completion);
        space &= completion.startsWith(" ");
    }

    /** {@return whether any example was added} */
    public boolean any() {
        return prompts != null;
    }

    /** {@return the separator every prompt ends with; empty when none (or no example)} */
    public String separator() {
        return prompts == null ? "" : marker(prompts);
    }

    /** {@return the stop sequence every completion ends with; empty when none} */
    public String stop() {
        return completions == null ? "" : marker(completions);
    }

    /** {@return whether every completion starts with a space} */
    public boolean leadingSpace() {
        return prompts != null && space;
    }

    /**
     * The metadata a job trained on this JSONL content should carry ({@link #SEPARATOR_KEY}, and
     * {@link #STOP_KEY} when there is a stop); empty when the content is not prompt/completion JSONL.
     *
     * @param content the JSONL file's bytes
     * @return the metadata, or empty
     */
    public static Optional<Map<String, String>> metadataOfJsonl(byte[] content) {
        PromptEndings endings = new PromptEndings();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(content),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                if (n == null || !n.path("prompt").isTextual() || !n.path("completion").isTextual()) {
                    return Optional.empty(); // chat, preference or not JSONL: no prompt format to keep
                }
                endings.add(n.get("prompt").asText(), n.get("completion").asText());
            }
        } catch (IOException e) {
            return Optional.empty(); // not JSON: the API will say so when it validates the file
        }
        if (!endings.any()) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SEPARATOR_KEY, endings.separator());
        if (!endings.stop().isEmpty()) {
            m.put(STOP_KEY, endings.stop());
        }
        return Optional.of(m);
    }

    private static String commonSuffix(String a, String b) {
        int n = 0;
        int max = Math.min(a.length(), b.length());
        while (n < max && a.charAt(a.length() - 1 - n) == b.charAt(b.length() - 1 - n)) {
            n++;
        }
        return a.substring(a.length() - n);
    }

    /** The ending of a common suffix that can be a marker: its trailing non-alphanumeric run, or " END". */
    private static String marker(String suffix) {
        if (suffix.endsWith(" END")) {
            return " END";
        }
        int i = suffix.length();
        while (i > 0 && !Character.isLetterOrDigit(suffix.codePointBefore(i))) {
            i -= Character.charCount(suffix.codePointBefore(i));
        }
        return suffix.substring(i);
    }
}
