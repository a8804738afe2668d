package dev.finetuner.validation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.finetuner.model.TokenEncoding;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The segment cache of {@link TokenCounter} must never change a count: for any text, in every
 * encoding, it counts exactly what jtokkit counts on the whole text.
 */
class TokenCounterProperties {
    private static final EncodingRegistry JTOKKIT = Encodings.newLazyEncodingRegistry();

    @Property(tries = 400)
    void counts_equal_jtokkit_on_the_whole_text_in_cl100k(@ForAll("texts") String text) {
        assertSameCount(TokenEncoding.CL100K_BASE, EncodingType.CL100K_BASE, text);
    }

    @Property(tries = 400)
    void counts_equal_jtokkit_on_the_whole_text_in_o200k(@ForAll("texts") String text) {
        assertSameCount(TokenEncoding.O200K_BASE, EncodingType.O200K_BASE, text);
    }

    @Property(tries = 200)
    void counts_equal_jtokkit_on_the_whole_text_in_r50k(@ForAll("texts") String text) {
        assertSameCount(TokenEncoding.R50K_BASE, EncodingType.R50K_BASE, text);
    }

    @Property(tries = 100)
    void a_lone_surrogate_counts_as_the_replacement_character_instead_of_failing(@ForAll("texts") String text) {
        // given: a text with an unpaired high surrogate in the middle (texts may hold more of them)
        String broken = text + "\ud800" + "x" + text;
        // when
        int count = TokenCounter.of(TokenEncoding.CL100K_BASE).count(broken);
        // then: as jtokkit counts the text with every unpaired surrogate replaced by U+FFFD
        String replaced = lonesReplaced(broken);
        assertThat(replaced).contains("\uFFFDx");
        assertThat(count).isEqualTo(JTOKKIT.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary(replaced));
    }

    @Property(tries = 300)
    void short_latin1_segments_remembered_as_numbers_keep_their_own_counts(@ForAll("latin1Words") java.util.List<String> words) {
        // words of up to 20 Latin-1 characters (NUL included), each after a space between letters: every
        // segment of up to 16 is remembered packed into two longs, and none may answer for another
        String text = "a " + String.join("a a", words) + "a";
        assertSameCount(TokenEncoding.CL100K_BASE, EncodingType.CL100K_BASE, text);
        assertSameCount(TokenEncoding.O200K_BASE, EncodingType.O200K_BASE, text);
    }

    @Provide
    Arbitrary<java.util.List<String>> latin1Words() {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMinLength(0).ofMaxLength(20)
                .list().ofMaxSize(40);
    }

    @Property(tries = 300)
    void numbers_count_as_jtokkit_counts_them_whatever_their_digits(@ForAll("numberTexts") String text) {
        // cl100k and o200k remember segments with every ASCII digit read as 0; r50k does not
        assertSameCount(TokenEncoding.CL100K_BASE, EncodingType.CL100K_BASE, text);
        assertSameCount(TokenEncoding.O200K_BASE, EncodingType.O200K_BASE, text);
        assertSameCount(TokenEncoding.R50K_BASE, EncodingType.R50K_BASE, text);
    }

    /** Numbers of every length next to letters, marks, spaces and line breaks, as tickets and amounts are written. */
    @Provide
    Arbitrary<String> numberTexts() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(12),
                Arbitraries.of("INC", "IT-", "KB", " is ", "$", ".", ",", "-", "\n", "  ", " ", "v", "x", "\u0663", "\u00bd",
                        "Stra\u00dfe", "'s", "%", "/"));
        Arbitrary<String> glue = Arbitraries.of("", "", " ", "  ", "-", ".");
        return net.jqwik.api.Combinators.combine(piece.list().ofMaxSize(20), glue.list().ofSize(20))
                .as((pieces, glues) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < pieces.size(); i++) {
                        sb.append(pieces.get(i)).append(glues.get(i));
                    }
                    return sb.toString();
                });
    }

    @Property(tries = 300)
    void pass_1_hashes_an_example_as_pass_2_confirms_it(@ForAll("texts") String prompt, @ForAll("texts") String completion) {
        // pass 1 hashes prompt/completion examples from char arrays; pass 2's confirmation uses the generic hash
        dev.finetuner.dataset.Example e = new dev.finetuner.dataset.Example.PromptCompletion(1, prompt, completion,
                java.util.Map.of());
        assertThat(DatasetStats.Digest.of(e, java.util.List.of()).hash()).isEqualTo(DatasetStats.hash(e));
    }

    @Property(tries = 300)
    void letter_case_counts_equal_the_unicode_tables(@ForAll("texts") String text) {
        long upper = text.chars().filter(c -> Character.isUpperCase((char) c)).count();
        long lower = text.chars().filter(c -> Character.isLowerCase((char) c)).count();
        assertThat(DatasetStats.countCase(text)).isEqualTo(upper << 32 | lower);
    }

    /** The text as UTF-8 carries it: each unpaired surrogate becomes U+FFFD (the JDK's encoder is the reference). */
    private static String lonesReplaced(String text) {
        try {
            java.nio.ByteBuffer utf8 = java.nio.charset.StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE)
                    .replaceWith(new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD})
                    .encode(java.nio.CharBuffer.wrap(text));
            return java.nio.charset.StandardCharsets.UTF_8.decode(utf8).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertSameCount(TokenEncoding ours, EncodingType theirs, String text) {
        int expected = JTOKKIT.getEncoding(theirs).countTokensOrdinary(lonesReplaced(text));
        // twice: the second count comes from the cache
        assertThat(TokenCounter.of(ours).count(text)).isEqualTo(expected);
        assertThat(TokenCounter.of(ours).count(text)).isEqualTo(expected);
    }

    /** Texts built from the pieces that decide where tokens split: words, spaces, digits, marks, scripts. */
    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("the", "The", "THE", "don't", "we'll", "I'M", "naïve", "café", "Straße", "東京",
                        "Привет", "مرحبا", "e\u0301", "🙂", "x1", "1234567", "3.14", "-->", "###", "...", "?!",
                        "'s", "'", "\"", "http://a.b/c", "<|endoftext|>", "\t", "\r\n", "\n\n", "  ", " ", "\u00a0",
                        "\u2028", "a", "I"),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(6));
        return piece.list().ofMinSize(0).ofMaxSize(60).map(parts -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                if (i > 0 && i % 2 == 0) {
                    sb.append(' ');
                }
                sb.append(parts.get(i));
            }
            return sb.toString();
        });
    }
}
