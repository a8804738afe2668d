package dev.finetuner.dataset;

/** Helpers shared by the example types. */
final class Examples {
    private Examples() {
    }

    /** An unmodifiable copy that keeps the order keys were read in, so writing back is byte-stable. */
    static java.util.Map<String, String> orderedCopy(java.util.Map<String, String> map) {
        java.util.Objects.requireNonNull(map, "extras");
        for (var e : map.entrySet()) {
            java.util.Objects.requireNonNull(e.getKey(), "extras key");
            java.util.Objects.requireNonNull(e.getValue(), "extras value of " + e.getKey());
        }
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
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
