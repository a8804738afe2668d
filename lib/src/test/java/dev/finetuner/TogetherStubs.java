package dev.finetuner;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * WireMock stubs of Together AI's fine-tuning API, shaped as its published OpenAPI document
 * (togethercomputer/openapi, {@code openapi.yaml}) describes them: {@code FileResponse},
 * {@code FinetuneResponse}, {@code FinetuneResponseTruncated}, {@code FineTuneEvent} (no id; ISO times)
 * and {@code ErrorData}. Shared by the tests of the Together backend.
 */
public final class TogetherStubs {
    /** A job id as Together makes them. */
    public static final String JOB_ID = "ft-5c2b1a3e-7d4f-4b8e-9a61-0c3d2e1f4a5b";
    /** The base model. */
    public static final String MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    /** The fine-tuned model: Together calls it by its output name. */
    public static final String OUTPUT = "acme/Meta-Llama-3.1-8B-Instruct-Reference-helpdesk-5c2b1a3e";
    /** The training file's id. */
    public static final String FILE_ID = "file-7a1c0d2e-3f4b-4c5d-8e6f-9a0b1c2d3e4f";

    private final WireMockExtension wm;

    /**
     * Stubs on {@code wm}.
     *
     * @param wm the WireMock server
     */
    public TogetherStubs(WireMockExtension wm) {
        this.wm = wm;
    }

    /** {@return a {@code FileResponse}} */
    public static String file(String id, String name, boolean processed) {
        return """
                {"id":"%s","object":"file","created_at":1764669600,"filename":"%s","bytes":4096,
                 "purpose":"fine-tune","Processed":%s,"FileType":"jsonl","LineCount":0}"""
                .formatted(id, name, processed);
    }

    /** {@return a {@code FinetuneResponse} in {@code status}} */
    public static String job(String status) {
        return """
                {"id":"%s","status":"%s","model":"%s","model_output_name":"%s","training_file":"%s",
                 "created_at":"2026-12-02T10:00:00.000Z","updated_at":"2026-12-02T10:%s:00.000Z",
                 "n_epochs":3,"n_checkpoints":1,"n_evals":0,"batch_size":8,"learning_rate":0.00001,
                 "training_type":{"type":"Lora","lora_r":16,"lora_alpha":32,"lora_dropout":0.05,
                 "lora_trainable_modules":"all-linear"},
                 "training_method":{"method":"sft","train_on_inputs":"auto"},
                 "trainingfile_numlines":40,"trainingfile_size":4096,"token_count":%d,"param_count":8030261248,
                 "total_price":0,"epochs_completed":0,"queue_depth":0,"events":[]}"""
                .formatted(JOB_ID, status, MODEL, OUTPUT, FILE_ID, status.equals("completed") || status.equals("error")
                        ? "12" : "00", status.equals("pending") ? 0 : 18_000);
    }

    /** {@return a {@code FineTuneEvent}: no id, an ISO time} */
    public static String event(String at, String type, String level, String message, int step, int totalSteps) {
        return """
                {"object":"fine-tune-event","created_at":"2026-12-02T10:%s.000Z","level":%s,"message":"%s",
                 "type":"%s","param_count":0,"token_count":0,"total_steps":%d,"wandb_url":"","step":%d,
                 "checkpoint_path":"","model_path":"","training_offset":0,"hash":""}"""
                .formatted(at, level == null ? "null" : "\"" + level + "\"", message, type, totalSteps, step);
    }

    /** {@return a {@code FinetuneListEvents} of the events} */
    public static String events(String... events) {
        return "{\"data\":[" + String.join(",", events) + "]}";
    }

    /** {@return an {@code ErrorData} body} */
    public static String error(String message, String type, String code) {
        return """
                {"error":{"message":"%s","type":"%s","param":null,"code":%s}}"""
                .formatted(message, type, code == null ? "null" : "\"" + code + "\"");
    }

    /** The events of a job that succeeds, oldest first, as Together lists them. */
    public static final List<String> SUCCESS_EVENTS = List.of(
            event("00:01", "job_pending", "info", "Fine tune request created", 0, 0),
            event("00:05", "job_start", "info", "Job started at Wed Dec 2 10:00:05 UTC 2026", 0, 0),
            event("00:06", "model_downloading", "info", "Model downloading", 0, 0),
            event("01:00", "training_start", "info", "Training started for model " + MODEL, 0, 30),
            event("04:00", "epoch_complete", "info", "Epoch completed, at step 10", 10, 30),
            event("07:00", "epoch_complete", "info", "Epoch completed, at step 20", 20, 30),
            event("10:00", "epoch_complete", "info", "Epoch completed, at step 30", 30, 30),
            event("10:30", "model_compressing", "info", "Compressing output model", 0, 0),
            event("11:00", "model_uploading", "info", "Uploading output model", 0, 0),
            event("12:00", "job_complete", "info", "Job finished at Wed Dec 2 10:12:00 UTC 2026", 0, 0));

    /**
     * A job that goes pending (at create), queued, running, completed over successive retrieves, whose
     * event list grows with each retrieve.
     */
    public void succeedingJob() {
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson(job("pending"))));
        String[] statuses = {"queued", "running", "compressing", "completed"};
        int[] eventsSeen = {3, 5, 8, 10};
        for (int i = 0; i < statuses.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "retrieve " + i;
            String next = "retrieve " + (i + 1);
            wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job").whenScenarioStateIs(state)
                    .willReturn(okJson(job(statuses[i]))).willSetStateTo(next));
            // the events a poll reads right after this retrieve
            wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID + "/events")).inScenario("job")
                    .whenScenarioStateIs(next)
                    .willReturn(okJson(events(SUCCESS_EVENTS.subList(0, eventsSeen[i]).toArray(String[]::new)))));
        }
        // ended: it stays completed
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job")
                .whenScenarioStateIs("retrieve " + statuses.length).willReturn(okJson(job("completed"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID + "/events")).inScenario("job")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(okJson(events(SUCCESS_EVENTS.get(0)))));
    }

    /** Upload, file list and retrieve of the training file. */
    public void files() {
        wm.stubFor(get(urlPathEqualTo("/v1/files")).willReturn(okJson("{\"data\":[]}")));
        wm.stubFor(post(urlPathEqualTo("/v1/files/upload"))
                .willReturn(okJson(file(FILE_ID, "train.jsonl", false))));
        wm.stubFor(get(urlPathEqualTo("/v1/files/" + FILE_ID))
                .willReturn(okJson(file(FILE_ID, "train.jsonl", true))));
    }

    /** {@code /v1/completions}, OpenAI-shaped as Together serves it, answering {@code text}. */
    public void completion(String text) {
        wm.stubFor(post(urlPathEqualTo("/v1/completions")).willReturn(okJson("""
                {"id":"8f1e2d3c4b5a6978","object":"text.completion","created":1764670000,"model":"%s",
                 "prompt":[],"choices":[{"index":0,"text":"%s","finish_reason":"stop","logprobs":null,"seed":1}],
                 "usage":{"prompt_tokens":21,"completion_tokens":9,"total_tokens":30}}"""
                .formatted(OUTPUT, text))));
    }

    /** {@return {@code n} prompt/completion rows of helpdesk tickets, as CSV with a header} */
    public static String helpdeskCsv(int n) {
        String[][] kinds = {
                {"My VPN drops every hour", "Update the VPN client and renew the certificate"},
                {"I forgot my password", "Reset it at the self-service portal"},
                {"The printer on floor 3 jams", "Open tray 2 and remove the stuck paper"},
                {"Outlook will not start", "Start it in safe mode and disable add-ins"}};
        List<String> rows = new ArrayList<>();
        rows.add("prompt,completion");
        for (int i = 0; i < n; i++) {
            String[] k = kinds[i % kinds.length];
            rows.add("\"" + k[0] + " (ticket " + i + ")\",\"" + k[1] + ", then reply to ticket " + i + "\"");
        }
        return String.join("\n", rows) + "\n";
    }
}
