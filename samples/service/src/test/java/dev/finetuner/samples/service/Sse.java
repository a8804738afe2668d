package dev.finetuner.samples.service;

import java.util.ArrayList;
import java.util.List;

/** Server-Sent Events as a client reads them: each event's id, name and data. */
record Sse(String id, String name, String data) {
    /** Parses a whole {@code text/event-stream} body. */
    static List<Sse> parse(String body) {
        List<Sse> events = new ArrayList<>();
        String id = null;
        String name = null;
        StringBuilder data = null;
        for (String line : body.split("\r?\n", -1)) {
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Sse(id, name, data.toString()));
                }
                id = null;
                name = null;
                data = null;
            } else if (line.startsWith("id:")) {
                id = line.substring(3).strip();
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                String d = line.substring(5);
                d = d.startsWith(" ") ? d.substring(1) : d;
                data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
            }
        }
        return events;
    }

    /** The ids of the job events, in order. */
    static List<String> jobEventIds(List<Sse> events) {
        return events.stream().filter(e -> "job-event".equals(e.name())).map(Sse::id).toList();
    }
}
