package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A checkpoint at an epoch's end, as {@code FineTuningJobCheckpoint} shows it.
 *
 * @param id {@code ftckpt_...}
 * @param createdAt unix seconds
 * @param model the checkpoint's model id, which answers completions once the job succeeded
 * @param jobId its job
 * @param step the step it was taken after
 * @param metrics {@code step, train_loss, train_mean_token_accuracy, valid_loss, ...}
 */
record Checkpoint(String id, long createdAt, String model, String jobId, int step, ObjectNode metrics) {

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "fine_tuning.job.checkpoint");
        o.put("created_at", createdAt);
        o.put("fine_tuned_model_checkpoint", model);
        o.put("fine_tuning_job_id", jobId);
        o.put("step_number", step);
        o.set("metrics", metrics);
        return o;
    }

    static Checkpoint fromJson(JsonNode o) {
        return new Checkpoint(o.get("id").asText(), o.get("created_at").asLong(),
                o.get("fine_tuned_model_checkpoint").asText(), o.get("fine_tuning_job_id").asText(),
                o.get("step_number").asInt(), (ObjectNode) o.get("metrics"));
    }
}
