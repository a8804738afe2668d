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
import java.util.concurrent.atomic.AtomicInteger;

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
    /** Bounds the cache (about 100 bytes an entry, 12 MB in all). */
    private static final int MAX_CACHED_SEGMENTS = 1 << 17;
    private static final int MAX_PROBES = 8;

    private final TokenEncoding encodingName;
    private final Encoding encoding;
    /** Open addressing, at most half full; written racily by counting threads (see segment()). */
    private final Segment[] segments = new Segment[MAX_CACHED_SEGMENTS * 2];
    private final AtomicInteger cached = new AtomicInteger();

    private TokenCounter(TokenEncoding encodingName) {
        this.encodingName = encodingName;
        this.encoding = REGISTRY.getEncoding(switch (encodingName) {
            case R50K_BASE -> EncodingType.R50K_BASE;
            case CL100K_BASE -> EncodingType.CL100K_BASE;
            case O200K_BASE -> EncodingType.O200K_BASE;
        });
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
     * piece on its own. A space between two letters always starts a new piece, whatever follows (the
     * letter run before it ends at the space; the piece after it is the space and the next word), so
     * the text splits there into segments whose counts add up to the text's count. Segments (a word
     * with its leading space and punctuation) repeat a great deal, so their counts are remembered.
     *
     * @param text the text
     * @return the number of tokens
     */
    public int count(String text) {
        int n = text.length();
        if (n == 0) {
            return 0;
        }
        text = withoutLoneSurrogates(text);
        // one copy into a char[] per text: comparing char[] ranges is an intrinsic, while
        // String.regionMatches between a Latin-1 and a UTF-16 string goes char by char (a quarter of
        // a profile of real-looking data, where one curly quote makes a whole text UTF-16)
        char[] chars = text.toCharArray();
        int total = 0;
        int start = 0;
        int hash = 0;
        for (int j = 0; j < n; j++) {
            char ch = chars[j];
            if (ch == ' ' && j > start && j + 1 < n && Character.isLetter(chars[j - 1])
                    && Character.isLetter(chars[j + 1])) {
                total += segment(text, chars, start, j, hash);
                start = j;
                hash = 0;
            }
            hash = 31 * hash + ch;
        }
        return total + segment(text, chars, start, n, hash);
    }

    /** The count of {@code text[start, end)} ({@code chars} is the text's), whose hash is {@code hash}. */
    private int segment(String text, char[] chars, int start, int end, int hash) {
        int length = end - start;
        if (length > MAX_SEGMENT) {
            return encoding.countTokensOrdinary(text.substring(start, end));
        }
        Segment[] table = segments;
        int mask = table.length - 1;
        int i = (hash ^ (hash >>> 16)) & mask;
        for (int probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & mask) {
            Segment s = table[i];
            if (s == null) {
                int count = encoding.countTokensOrdinary(text.substring(start, end));
                if (cached.get() < MAX_CACHED_SEGMENTS) {
                    // a racy publication is fine: Segment's fields are final and its array is filled before it is
                    // made, so a reader sees it whole (final-field semantics); a lost entry is only a miss
                    table[i] = new Segment(java.util.Arrays.copyOfRange(chars, start, end), hash, count);
                    cached.incrementAndGet();
                }
                return count;
            }
            if (s.hash == hash && s.chars.length == length
                    && java.util.Arrays.equals(chars, start, end, s.chars, 0, length)) {
                return s.count;
            }
        }
        return encoding.countTokensOrdinary(text.substring(start, end));
    }

    /** A remembered segment; its chars are never changed after it is made. */
    @SuppressWarnings("ArrayRecordComponent")
    private record Segment(char[] chars, int hash, int count) {
    }

    /**
     * The text with each unpaired UTF-16 surrogate (possible in JSON as an escape such as
     * {@code "\ud800"}) replaced by U+FFFD, as UTF-8 encoding does: the encodings work on UTF-8 bytes.
     */
    static String withoutLoneSurrogates(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1));
                if (!paired) {
                    return replaceLoneSurrogates(text);
                }
                i++;
            }
        }
        return text;
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
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
