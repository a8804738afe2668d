package dev.finetuner.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The helpdesk sample and the one-liner, each in its own JVM whose environment names Together AI
 * ({@code TOGETHER_API_KEY}, {@code TOGETHER_BASE_URL}, no OpenAI variable), against WireMock stubs of
 * Together's fine-tuning API shaped as its OpenAPI document describes it. No code changes: the
 * environment picks the backend.
 */
class HelpdeskOnTogetherTest {
    private static final String JOB_ID = "ft-5c2b1a3e-7d4f-4b8e-9a61-0c3d2e1f4a5b";
    private static final String MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    private static final String OUTPUT = "acme/Meta-Llama-3.1-8B-Instruct-Reference-helpdesk-5c2b1a3e";

    private final ObjectMapper json = new ObjectMapper();
    private WireMockServer wm;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        wm = new WireMockServer(wireMockConfig().dynamicPort());
        wm.start();
        String[] ids = {"file-train-0a1b", "file-valid-2c3d"};
        wm.stubFor(get(urlPathEqualTo("/v1/files")).willReturn(okJson("{\"data\":[]}")));
        for (int i = 0; i < ids.length; i++) {
            wm.stubFor(post(urlPathEqualTo("/v1/files/upload")).inScenario("uploads")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "second").willSetStateTo("second")
                    .willReturn(okJson(file(ids[i], false))));
            wm.stubFor(get(urlPathEqualTo("/v1/files/" + ids[i])).willReturn(okJson(file(ids[i], true))));
        }
        wm.stubFor(post(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson(job("pending"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(job("running"))).willSetStateTo("done"));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes/" + JOB_ID)).inScenario("job").whenScenarioStateIs("done")
                .willReturn(okJson(job("completed"))));
        wm.stubFor(get(urlPathEqualTo("/v1/fine-tunes")).willReturn(okJson("{\"data\":[" + job("completed") + "]}")));
        wm.stubFor(get(urlPathMatching("/v1/fine-tunes/" + JOB_ID + "/events")).willReturn(okJson("{\"data\":["
                + event("00:01", "job_pending", "Fine tune request created", 0) + ","
                + event("04:00", "epoch_complete", "Epoch completed, at step 10", 10) + ","
                + event("12:00", "job_complete", "Job finished", 0) + "]}")));
        wm.stubFor(post(urlPathEqualTo("/v1/completions")).willReturn(okJson("""
                {"id":"8f1e","object":"text.completion","created":1764670000,"model":"%s",
                 "choices":[{"index":0,"text":" Restart the VPN client and update it.","finish_reason":"stop",
                 "logprobs":null}],"usage":{"prompt_tokens":9,"completion_tokens":8,"total_tokens":17}}"""
                .formatted(OUTPUT))));
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    private static String file(String id, boolean processed) {
        return """
                {"id":"%s","object":"file","created_at":1764669600,"filename":"helpdesk.jsonl","bytes":40960,
                 "purpose":"fine-tune","Processed":%s,"FileType":"jsonl"}""".formatted(id, processed);
    }

    private static String job(String status) {
        return """
                {"id":"%s","status":"%s","model":"%s","model_output_name":"%s","training_file":"file-train-0a1b",
                 "validation_file":"file-valid-2c3d","created_at":"2026-12-02T10:00:00.000Z",
                 "updated_at":"2026-12-02T10:12:00.000Z","n_epochs":3,"n_checkpoints":1,"batch_size":8,
                 "learning_rate":0.00001,"training_method":{"method":"sft","train_on_inputs":"auto"},
                 "token_count":52000,"events":[]}""".formatted(JOB_ID, status, MODEL, OUTPUT);
    }

    private static String event(String at, String type, String message, int step) {
        return """
                {"object":"fine-tune-event","created_at":"2026-12-02T10:%s.000Z","level":"info","message":"%s",
                 "type":"%s","param_count":0,"token_count":0,"total_steps":%d,"wandb_url":"","step":%d,
                 "checkpoint_path":"","model_path":"","training_offset":0,"hash":""}"""
                .formatted(at, message, type, step > 0 ? 30 : 0, step);
    }

    private ChildJvm.Run java(Class<?> mainClass, String... args) throws Exception {
        return ChildJvm.run(dir, Map.of("TOGETHER_API_KEY", "tgp_v1_test-key-0123456789", "TOGETHER_BASE_URL", wm.baseUrl() + "/v1"), mainClass, args);
    }

    @Test
    void the_one_liner_trains_on_together_from_the_environment_and_calls_the_model_by_its_output_name() throws Exception {
        // given
        Path csv = Samples.dataFile(new String[0], "helpdesk.csv");

        // when
        ChildJvm.Run run = java(TogetherOneLiner.class, csv.toString(), MODEL);

        // then
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("model: " + OUTPUT).contains("answer: Restart the VPN client and update it.");
        String completion = wm.findAll(postRequestedFor(urlPathEqualTo("/v1/completions"))).get(0).getBodyAsString();
        assertThat(json.readTree(completion).get("model").asText()).isEqualTo(OUTPUT);
        assertThat(wm.findAll(postRequestedFor(urlPathEqualTo("/v1/fine-tunes")))).hasSize(1);
    }

    @Test
    void the_helpdesk_sample_runs_every_step_on_together() throws Exception {
        // when
        ChildJvm.Run run = java(Helpdesk.class);

        // then
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Backend: Together AI at " + wm.baseUrl() + "/v1")
                .contains("Estimate the cost on " + MODEL).contains("job " + JOB_ID + " started")
                .contains("Model: " + OUTPUT).contains("A: Restart the VPN client and update it.");
        String create = wm.findAll(postRequestedFor(urlPathEqualTo("/v1/fine-tunes"))).get(0).getBodyAsString();
        assertThat(json.readTree(create).get("validation_file").asText()).isEqualTo("file-valid-2c3d");
        assertThat(json.readTree(create).get("n_epochs").asInt()).isEqualTo(3);
    }
}
