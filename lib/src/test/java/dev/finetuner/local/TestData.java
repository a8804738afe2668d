package dev.finetuner.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Labelled review data for the local backend's tests. */
final class TestData {
    static final String SEPARATOR = "\n\n###\n\n";
    static final String STOP = "\n";
    /**
     * Simulated time after which every job of these tests has ended (the longest, 300 steps, takes about
     * three simulated minutes): advancing a {@link ManualClock} this far runs a job to its end.
     */
    static final Duration LONG_ENOUGH = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] POSITIVE = {"great", "excellent", "love", "wonderful", "fantastic", "happy",
            "perfect", "amazing", "delightful", "superb", "brilliant", "pleased"};
    private static final String[] NEGATIVE = {"terrible", "awful", "hate", "horrible", "bad", "disappointing",
            "broken", "worst", "poor", "useless", "angry", "refund"};
    private static final String[] FILLER = {"the", "product", "service", "delivery", "phone", "it", "was", "really",
            "quite", "and", "my", "order", "experience", "staff", "this", "is", "a", "with", "package", "support",
            "app", "screen", "battery", "price", "today", "week", "store", "box"};

    /** A review prompt (ending with the separator) and its label. */
    record Labelled(String prompt, String label) {
    }

    private TestData() {
    }

    /** {@code n} reviews, half positive, with two sentiment words among six to ten filler words. */
    static List<Labelled> reviews(int n, long seed) {
        Random r = new Random(seed);
        List<Labelled> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean positive = i % 2 == 0;
            String[] words = positive ? POSITIVE : NEGATIVE;
            List<String> text = new ArrayList<>();
            int fill = 6 + r.nextInt(5);
            for (int k = 0; k < fill; k++) {
                text.add(FILLER[r.nextInt(FILLER.length)]);
            }
            text.add(r.nextInt(text.size() + 1), words[r.nextInt(words.length)]);
            text.add(r.nextInt(text.size() + 1), words[r.nextInt(words.length)]);
            out.add(new Labelled(String.join(" ", text) + SEPARATOR, positive ? "positive" : "negative"));
        }
        return out;
    }

    /** The reviews as prompt/completion JSONL, completions " label\n". */
    static String jsonl(List<Labelled> examples) {
        StringBuilder sb = new StringBuilder();
        for (Labelled l : examples) {
            ObjectNode o = JSON.createObjectNode();
            o.put("prompt", l.prompt());
            o.put("completion", " " + l.label() + STOP);
            sb.append(o).append('\n');
        }
        return sb.toString();
    }

    /** The reviews as chat JSONL: a system line, the review, the label. */
    static String chatJsonl(List<Labelled> examples) {
        StringBuilder sb = new StringBuilder();
        for (Labelled l : examples) {
            ObjectNode o = JSON.createObjectNode();
            var messages = o.putArray("messages");
            messages.addObject().put("role", "system").put("content", "Label the review.");
            messages.addObject().put("role", "user").put("content", l.prompt().strip());
            messages.addObject().put("role", "assistant").put("content", l.label());
            sb.append(o).append('\n');
        }
        return sb.toString();
    }

    static Path write(Path dir, String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String json(Map<String, ?> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
