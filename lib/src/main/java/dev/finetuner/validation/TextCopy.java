package dev.finetuner.validation;

/**
 * A text copied into its thread's reused {@code char[]}, for loops that read every character: reading an
 * array goes without {@link String#charAt}'s per-character checks, comparing its ranges is an intrinsic,
 * and reusing it keeps a prepare from allocating a copy per text. The copy is valid until the same
 * thread's next call, so a caller must not call again (directly or through another user) while it reads.
 */
final class TextCopy {
    private static final ThreadLocal<char[]> CHARS = ThreadLocal.withInitial(() -> new char[1024]);

    private TextCopy() {
    }

    /** {@code text}'s characters at the start of this thread's buffer, or of a new array for a rare long text. */
    static char[] of(String text) {
        int n = text.length();
        char[] chars = CHARS.get();
        if (chars.length < n) {
            chars = new char[n];
            if (n <= 1 << 16) { // a rare longer text is not worth holding on to
                CHARS.set(chars);
            }
        }
        text.getChars(0, n, chars, 0);
        return chars;
    }
}
