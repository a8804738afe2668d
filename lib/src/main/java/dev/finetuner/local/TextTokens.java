package dev.finetuner.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokens the embedded model learns: a word (letters, digits, marks) or one other character, each
 * with the whitespace before it, or a run of whitespace before nothing else. Joining the tokens of a
 * text gives the text back, like a byte-pair encoding's pieces, so {@code " positive\n"} is
 * {@code [" positive", "\n"]}.
 */
final class TextTokens {
    private static final Pattern TOKEN = Pattern.compile("\\s*[\\p{L}\\p{M}\\p{N}_']+|\\s*[^\\s\\p{L}\\p{M}\\p{N}_']|\\s+");

    private TextTokens() {
    }

    /** The tokens of a text, in order; they concatenate to the text. */
    static List<String> split(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    /** The retrieval terms of a prompt: its tokens, trimmed and lower-cased, without blank ones. */
    static List<String> terms(String text) {
        List<String> terms = new ArrayList<>();
        for (String t : split(text)) {
            String term = t.strip().toLowerCase(Locale.ROOT);
            if (!term.isEmpty()) {
                terms.add(term);
            }
        }
        return terms;
    }
}
