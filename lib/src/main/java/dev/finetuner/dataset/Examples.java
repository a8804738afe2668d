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
        return map.isEmpty() ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * An ordered copy of extras whose values must each be one JSON value (they are written verbatim).
     *
     * @throws IllegalArgumentException naming the key whose value is not JSON
     */
    static java.util.Map<String, String> jsonExtras(java.util.Map<String, String> map) {
        java.util.Map<String, String> copy = orderedCopy(map);
        for (var e : copy.entrySet()) {
            if (!isJson(e.getValue())) {
                throw new IllegalArgumentException("extras value of '" + e.getKey() + "' must be JSON (e.g. \"\\\"text\\\"\""
                        + " for a string), was " + excerpt(e.getValue()));
            }
        }
        return copy;
    }

    private static boolean isJson(String raw) {
        if (raw.isEmpty()) {
            return false;
        }
        char c = raw.charAt(0);
        if (c == '"' || c == '[' || c == '{' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
            try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(raw)) {
                p.nextToken();
                p.skipChildren();
                return p.nextToken() == null;
            } catch (java.io.IOException e) {
                return false;
            }
        }
        return false;
    }

    /** The text of a raw JSON string value, or empty when the raw value is not a string. */
    static java.util.Optional<String> jsonString(String raw) {
        if (raw == null || !raw.startsWith("\"")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(JSON.readTree(raw).textValue());
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        }
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
