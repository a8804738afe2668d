package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A fine-tuning job event, as {@code FineTuningJobEvent} shows it.
 *
 * @param id {@code ftevent-...}
 * @param createdAt unix seconds
 * @param level {@code info}, {@code warn} or {@code error}
 * @param message what happened
 * @param type {@code message} or {@code metrics}
 * @param data the metrics of a metrics event, else null
 */
record JobEvent(String id, long createdAt, String level, String message, String type, JsonNode data) {

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "fine_tuning.job.event");
        o.put("created_at", createdAt);
        o.put("level", level);
        o.put("message", message);
        o.put("type", type);
        if (data == null) {
            o.putObject("data");
        } else {
            o.set("data", data);
        }
        return o;
    }

    static JobEvent fromJson(JsonNode o) {
        JsonNode data = o.get("data");
        return new JobEvent(o.get("id").asText(), o.get("created_at").asLong(), o.get("level").asText(),
                o.get("message").asText(), o.get("type").asText(),
                data == null || data.isNull() || data.isEmpty() ? null : data);
    }
}
