package dev.finetuner.local;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.TokenEncoding;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens as the API counts them, with the model's real encoding (jtokkit): for {@code usage} in
 * completion answers and for the tokens a job is billed and limited by. Chat is counted as OpenAI's
 * cookbook does: {@value #PER_MESSAGE} tokens per message besides its role and content,
 * {@value #PER_NAME} more for a {@code name}, and {@value #REPLY_PRIMING} to prime the reply.
 *
 * <p>The backend counts on its own, not with {@code dev.finetuner.validation.TokenCounter}: it is the
 * oracle that the library's counts are tested against. Special-token text such as
 * {@code <|endoftext|>} in user data is ordinary text here. Thread-safe.
 */
final class Tokens {
    static final int PER_MESSAGE = 3;
    static final int PER_NAME = 1;
    static final int REPLY_PRIMING = 3;

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Map<TokenEncoding, Encoding> ENCODINGS = new ConcurrentHashMap<>();

    private Tokens() {
    }

    /** Tokens of a text with the model's encoding. */
    static int count(BaseModel model, String text) {
        if (text.isEmpty()) {
            return 0;
        }
        return encoding(model.encoding()).countTokensOrdinary(withoutLoneSurrogates(text));
    }

    private static Encoding encoding(TokenEncoding name) {
        return ENCODINGS.computeIfAbsent(name, n -> REGISTRY.getEncoding(switch (n) {
            case R50K_BASE -> EncodingType.R50K_BASE;
            case CL100K_BASE -> EncodingType.CL100K_BASE;
            case O200K_BASE -> EncodingType.O200K_BASE;
        }));
    }

    /**
     * The text with each unpaired UTF-16 surrogate (a JSON escape such as {@code "\ud800"} makes one)
     * replaced by U+FFFD, as encoding the text to UTF-8 for the API does; Java's own encoder would
     * write {@code '?'} and count differently.
     */
    static String withoutLoneSurrogates(String text) {
        StringBuilder sb = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (sb != null) {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(n).append(text, 0, i);
                }
                sb.append('\uFFFD');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
