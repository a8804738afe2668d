package dev.finetuner.local;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Cursor pages as the API serves them: {@code after} an id, at most {@code limit} items, {@code has_more}. */
final class Pages {
    private Pages() {
    }

    /** The {@code limit} query parameter, {@code dflt} when absent, within 1..{@code max}. */
    static int limit(Map<String, String> query, int dflt, int max) {
        String raw = query.get("limit");
        if (raw == null || raw.isEmpty()) {
            return dflt;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiError.badRequest("Invalid 'limit': expected an integer between 1 and " + max + ", got '" + raw + "'.",
                "limit", "invalid_value");
    }

    /**
     * The {@code after} cursor, or null when absent or empty: a client that builds its query from an unset
     * cursor sends {@code after=}, and every list (events included) must then start at its first item.
     */
    static String after(Map<String, String> query) {
        String after = query.get("after");
        return after == null || after.isEmpty() ? null : after;
    }

    /**
     * A page of {@code items} (already in page order): those after the item whose id is {@code after}
     * (all when null, see {@link #after}; none when no item has that id), at most {@code limit}.
     */
    static <T> ObjectNode page(List<T> items, String after, int limit, Function<T, String> id,
                               Function<T, ObjectNode> json) {
        int from = 0;
        if (after != null) {
            from = items.size();
            for (int i = 0; i < items.size(); i++) {
                if (id.apply(items.get(i)).equals(after)) {
                    from = i + 1;
                    break;
                }
            }
        }
        int to = Math.min(items.size(), from + limit);
        List<ObjectNode> data = new ArrayList<>(Math.max(0, to - from));
        for (int i = from; i < to; i++) {
            data.add(json.apply(items.get(i)));
        }
        return Json.list(data, to < items.size());
    }
}
