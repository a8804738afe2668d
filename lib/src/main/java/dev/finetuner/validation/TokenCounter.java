package dev.finetuner.validation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.TokenEncoding;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Counts tokens with a model's real encoding (jtokkit), and counts examples the way fine-tuning bills
 * them: prompt plus completion, or for chat, as OpenAI's cookbook does, 3 tokens per message, its role
 * and content, 1 more for a {@code name}, and 3 to prime the reply. Thread-safe.
 *
 * <p>Special-token text such as {@code <|endoftext|>} in user data is counted as ordinary text.
 */
public final class TokenCounter {
    /** Tokens the chat format adds per message. */
    public static final int TOKENS_PER_MESSAGE = 3;
    /** Tokens a {@code name} key adds beyond its text. */
    public static final int TOKENS_PER_NAME = 1;
    /** Tokens that prime the assistant's reply, once per example. */
    public static final int REPLY_PRIMING_TOKENS = 3;

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Map<TokenEncoding, TokenCounter> CACHE = new EnumMap<>(TokenEncoding.class);

    /** Longer segments are rare and not worth remembering. */
    private static final int MAX_SEGMENT = 32;
    /** Bounds the cache: this many entries of about 50 bytes (more for a segment that is not packed). */
    private static final int CACHE_SLOTS = 1 << 18;
    private static final int MAX_PROBES = 4;
    /** Segments this short, all Latin-1, are remembered as two longs. */
    private static final int PACKED_CHARS = 16;

    private final TokenEncoding encodingName;
    private final Encoding encoding;
    /**
     * True if the value of an ASCII digit never changes a count, so that segments are remembered with
     * every such digit read as 0 (ticket numbers and amounts then repeat like words). It holds where
     * the encoding splits digits into pieces of at most three, apart from everything else, and each
     * such piece is one token: cl100k and o200k (checked when the counter is built), not r50k, which
     * encodes a run of digits of any length as one piece.
     */
    private final boolean digitsAlike;
    /**
     * Open addressing; a segment that finds its slots taken replaces the first, so that a file of many
     * one-off segments (ticket numbers, names) does not lock out the words that repeat. Written racily by
     * counting threads (see segment()).
     */
    private final Segment[] segments = new Segment[CACHE_SLOTS];

    private TokenCounter(TokenEncoding encodingName) {
        this.encodingName = encodingName;
        this.encoding = REGISTRY.getEncoding(switch (encodingName) {
            case R50K_BASE -> EncodingType.R50K_BASE;
            case CL100K_BASE -> EncodingType.CL100K_BASE;
            case O200K_BASE -> EncodingType.O200K_BASE;
        });
        this.digitsAlike = encodingName != TokenEncoding.R50K_BASE && shortNumbersAreOneToken(encoding);
    }

    /** True if each of "0" to "999" (and "00", "007"...) is one token. */
    private static boolean shortNumbersAreOneToken(Encoding encoding) {
        for (int digits = 1; digits <= 3; digits++) {
            int limit = (int) Math.pow(10, digits);
            for (int i = 0; i < limit; i++) {
                String number = String.format(java.util.Locale.ROOT, "%0" + digits + "d", i);
                if (encoding.countTokensOrdinary(number) != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@return the counter for an encoding; built once (about half a second) and shared}
     *
     * @param encoding the encoding
     */
    public static TokenCounter of(TokenEncoding encoding) {
        Objects.requireNonNull(encoding, "encoding");
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(encoding, TokenCounter::new);
        }
    }

    /**
     * {@return the counter for a model's encoding}
     *
     * @param model the model
     */
    public static TokenCounter forModel(BaseModel model) {
        return of(model.encoding());
    }

    /** {@return the encoding this counter uses} */
    public TokenEncoding encoding() {
        return encodingName;
    }

    /**
     * Tokens in a text: exactly what {@code encoding.countTokensOrdinary(text)} gives, faster on
     * natural language.
     *
     * <p>Every OpenAI encoding first splits text into pieces by a regular expression and encodes each
     * piece on its own. No piece holds a space right after a character that is not whitespace (a space
     * is only ever the first character of a piece, or part of a run of whitespace), so such a space
     * always starts a new piece, whatever follows, and the text splits there into segments whose
     * counts add up to the text's count. Segments (a word with its leading space and punctuation)
     * repeat a great deal, so their counts are remembered.
     *
     * @param text the text
     * @return the number of tokens
     */
    public int count(String text) {
        int n = text.length();
        if (n == 0) {
            return 0;
        }
        // one bulk copy: String.regionMatches between a Latin-1 and a UTF-16 string goes char by char (one
        // curly quote makes a whole text UTF-16), and a copy per text was half of what a prepare allocated
        char[] chars = TextCopy.of(text);
        int total = 0;
        int start = 0;
        int hash = 0;
        for (int j = 0; j < n; j++) {
            char ch = chars[j];
            if (Character.isSurrogate(ch) && !paired(chars, j, n)) {
                // an unpaired surrogate (possible in JSON as an escape such as "\ud800") is U+FFFD, as UTF-8
                // encoding makes it: the encodings work on UTF-8 bytes
                ch = '\uFFFD';
                chars[j] = ch;
            }
            if (digitsAlike && (char) (ch - '0') < 10) {
                ch = '0';
                chars[j] = ch;
            }
            if (ch == ' ' && j > start && notSpace(chars[j - 1])) {
                total += segment(chars, start, j, hash);
                start = j;
                hash = 0;
            }
            hash = 31 * hash + ch;
        }
        return total + segment(chars, start, n, hash);
    }

    /**
     * True if {@code c} is certainly not whitespace to the encodings' patterns (Unicode White_Space):
     * printable ASCII, a letter, a digit, a mark, punctuation or a symbol.
     */
    private static boolean notSpace(char c) {
        if (c < 128) {
            return c > ' ' && c < 0x7F;
        }
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.CONNECTOR_PUNCTUATION,
                    Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /** The count of {@code chars[start, end)} (the text, as counted: see count), whose hash is {@code hash}. */
    private int segment(char[] chars, int start, int end, int hash) {
        int length = end - start;
        if (length > MAX_SEGMENT) {
            return encoding.countTokensOrdinary(new String(chars, start, end - start));
        }
        // up to 16 Latin-1 characters are compared as two numbers that hold them, not as arrays
        long k0 = 0;
        long k1 = 0;
        boolean packed = length <= PACKED_CHARS;
        if (packed) {
            int wide = 0;
            int mid = Math.min(end, start + 8);
            for (int i = start; i < mid; i++) {
                wide |= chars[i];
                k0 = k0 << 8 | chars[i];
            }
            for (int i = mid; i < end; i++) {
                wide |= chars[i];
                k1 = k1 << 8 | chars[i];
            }
            packed = wide < 256;
        }
        Segment[] table = segments;
        int mask = table.length - 1;
        int first = (hash ^ (hash >>> 16)) & mask;
        int slot = first;
        for (int probe = 0, i = first; probe < MAX_PROBES; probe++, i = (i + 1) & mask) {
            Segment s = table[i];
            if (s == null) {
                slot = i;
                break;
            }
            if (s.hash == hash && s.length == length && (packed
                    ? s.chars == null && s.k0 == k0 && s.k1 == k1
                    : s.chars != null && java.util.Arrays.equals(chars, start, end, s.chars, 0, length))) {
                return s.count;
            }
        }
        int count = encoding.countTokensOrdinary(new String(chars, start, end - start));
        // a racy publication is fine: Segment's fields are final and its array is filled before it is made,
        // so a reader sees it whole (final-field semantics); a lost or replaced entry is only a miss
        table[slot] = packed ? new Segment(null, k0, k1, hash, length, count)
                : new Segment(java.util.Arrays.copyOfRange(chars, start, end), 0, 0, hash, length, count);
        return count;
    }

    /**
     * A remembered segment: its characters, or (chars null) up to 16 Latin-1 characters packed a byte each
     * into k0 and k1; never changed after it is made.
     */
    @SuppressWarnings("ArrayRecordComponent")
    private record Segment(char[] chars, long k0, long k1, int hash, int length, int count) {
    }

    /** True if the surrogate at {@code chars[j]} is half of a pair (the one before it already checked). */
    private static boolean paired(char[] chars, int j, int n) {
        return Character.isHighSurrogate(chars[j]) ? j + 1 < n && Character.isLowSurrogate(chars[j + 1])
                : j > 0 && Character.isHighSurrogate(chars[j - 1]);
    }

    /**
     * Tokens one example is billed for in one epoch.
     *
     * @param example the example
     * @return the number of tokens
     */
    public int count(Example example) {
        if (example instanceof Example.PromptCompletion pc) {
            return count(pc.prompt()) + count(pc.completion());
        }
        if (example instanceof Example.Chat chat) {
            return chat(chat) + REPLY_PRIMING_TOKENS;
        }
        Example.Preference p = (Example.Preference) example;
        return chat(p.input()) + messages(p.preferred()) + messages(p.nonPreferred()) + REPLY_PRIMING_TOKENS;
    }

    private int chat(Example.Chat chat) {
        return messages(chat.messages()) + chat.tools().map(this::count).orElse(0);
    }

    private int messages(List<Message> messages) {
        int n = 0;
        for (Message m : messages) {
            n += TOKENS_PER_MESSAGE + count(m.role()) + count(m.text());
            if (m.name().isPresent()) {
                n += TOKENS_PER_NAME + count(m.name().get());
            }
            String calls = m.extras().get("tool_calls");
            if (calls != null) {
                n += count(calls);
            }
            String parts = m.extras().get("content");
            if (parts != null) {
                n += count(parts);
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "TokenCounter[" + encodingName.tiktokenName() + "]";
    }
}
