package dev.finetuner.internal;

/**
 * A 64-bit hash of text, good enough that a million distinct examples collide with odds of about one
 * in ten million: duplicate detection holds these instead of the texts.
 */
public final class Hash64 {
    private long h = 0xCBF29CE484222325L;

    /** Adds a text, and a separator so that ("ab","c") and ("a","bc") differ. */
    public Hash64 add(CharSequence s) {
        long x = h;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            x = (x ^ s.charAt(i)) * 0x100000001B3L;
        }
        h = (x ^ 0xFFFF) * 0x100000001B3L;
        return this;
    }

    /** The hash, finalised (murmur3's fmix64 spreads FNV's weak low bits). */
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
