package dev.finetuner.dataset;

/** Helpers shared by the example types. */
final class Examples {
    private Examples() {
    }

    /** A short quoted excerpt for messages and toString: never a whole record. */
    static String excerpt(String text) {
        if (text == null) {
            return "null";
        }
        String oneLine = text.replace("\n", "\\n").replace("\r", "\\r");
        return "\"" + (oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 37) + "...") + "\"";
    }
}
