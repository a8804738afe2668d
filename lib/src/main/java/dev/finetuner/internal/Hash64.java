package dev.finetuner.internal;

/**
 * A 64-bit hash of text: duplicate detection holds these instead of the texts, and treats a match only
 * as a candidate that it confirms by comparing the texts, since distinct texts can share a hash (by
 * chance, about once in 300,000 files of 11 million rows, or on purpose: a polynomial hash modulo 2^64
 * cannot tell the Thue-Morse words of 2,048 characters apart). A polynomial hash modulo 2^64, four
 * characters a step so that the multiplications do not wait on each other, finished with murmur3's
 * fmix64.
 */
public final class Hash64 {
    private static final long M = 0x9E3779B97F4A7C15L | 1;
    private static final long M2 = M * M;
    private static final long M3 = M2 * M;
    private static final long M4 = M3 * M;
    private long h = 0xCBF29CE484222325L;

    /**
     * Adds a text, and its length, so that ("ab","c") and ("a","bc") differ.
     *
     * @param s the text
     * @return this hash
     */
    public Hash64 add(CharSequence s) {
        long x = h;
        int n = s.length();
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            x = x * M4 + s.charAt(i) * M3 + s.charAt(i + 1) * M2 + s.charAt(i + 2) * M + s.charAt(i + 3);
        }
        for (; i < n; i++) {
            x = x * M + s.charAt(i);
        }
        h = x * M + n + 0x1_0000_0000L;
        return this;
    }

    /**
     * Adds {@code chars[0, n)} as a text: the same as {@link #add(CharSequence)} of those characters,
     * without a call per character.
     *
     * @param chars the characters
     * @param n how many of them
     * @return this hash
     */
    public Hash64 add(char[] chars, int n) {
        long x = h;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            x = x * M4 + chars[i] * M3 + chars[i + 1] * M2 + chars[i + 2] * M + chars[i + 3];
        }
        for (; i < n; i++) {
            x = x * M + chars[i];
        }
        h = x * M + n + 0x1_0000_0000L;
        return this;
    }

    /** {@return the hash, finalised} */
    public long value() {
        long x = h;
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }
}
