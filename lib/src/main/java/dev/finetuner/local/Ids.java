package dev.finetuner.local;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Unguessable ids in the API's shapes, and the patterns that admit them (so no id ever reaches a path unchecked). */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] LOWER = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    static final Pattern FILE = Pattern.compile("file-[A-Za-z0-9]{8,64}");
    /** An OpenAI-shaped job id, or a Together one ({@code ft-<uuid>}, see {@link TogetherApi}). */
    static final Pattern JOB = Pattern.compile("ftjob-[A-Za-z0-9]{8,64}|ft-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    static final Pattern UPLOAD = Pattern.compile("upload_[A-Za-z0-9]{8,64}");
    static final Pattern PART = Pattern.compile("part_[A-Za-z0-9]{8,64}");

    private Ids() {
    }

    /** {@code prefix} followed by 24 random characters (about 143 bits). */
    static String next(String prefix) {
        return prefix + random(ALPHABET, 24);
    }

    /** A Together job id: {@code ft-} and a random UUID, as Together's are. */
    static String together() {
        return "ft-" + java.util.UUID.randomUUID();
    }

    /** The random tail of a fine-tuned model id: 12 lower-case characters (about 62 bits). */
    static String modelTail() {
        return random(LOWER, 12);
    }

    private static String random(char[] alphabet, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet[RANDOM.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    static long randomSeed() {
        return RANDOM.nextInt(Integer.MAX_VALUE);
    }
}
