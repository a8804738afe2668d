package dev.finetuner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;

/** JSON output of the commands: one indented mapper, and a job as scripts read it. */
final class CliJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CliJson() {
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ObjectNode jobJson(Job j) {
        ObjectNode o = JSON.createObjectNode().put("id", j.id()).put("model", j.model())
                .put("status", j.status().asString()).put("trainingFile", j.trainingFile())
                .put("createdAt", j.createdAt().toString());
        j.validationFile().ifPresent(v -> o.put("validationFile", v));
        j.fineTunedModel().ifPresent(m -> o.put("fineTunedModel", m));
        j.finishedAt().ifPresent(f -> o.put("finishedAt", f.toString()));
        j.trainedTokens().ifPresent(t -> o.put("trainedTokens", t));
        j.error().ifPresent(e -> o.putObject("error").put("code", e.code()).put("message", e.message())
                .put("param", e.param().orElse(null)));
        o.putPOJO("resultFiles", j.resultFiles());
        o.putPOJO("metadata", j.metadata());
        // as the job reports them: resolved numbers once training starts, "auto" (null) before
        o.set("hyperparameters", hyperparameters(j.hyperparameters()));
        return o;
    }

    /** Numbers where set; null where "auto", so that a number is never a string. */
    static ObjectNode hyperparameters(Hyperparameters h) {
        ObjectNode hp = JSON.createObjectNode();
        hp.put("epochs", h.epochs().orElse(null));
        hp.put("batchSize", h.batchSize().orElse(null));
        hp.put("learningRateMultiplier", h.learningRateMultiplier().orElse(null));
        h.beta().ifPresent(b -> hp.put("beta", b));
        return hp;
    }

    /** An optional number as a JSON number or null. */
    static void put(ObjectNode o, String field, java.util.OptionalDouble v) {
        if (v.isPresent()) {
            o.put(field, v.getAsDouble());
        } else {
            o.putNull(field);
        }
    }
}
