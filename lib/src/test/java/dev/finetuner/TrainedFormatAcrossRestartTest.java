package dev.finetuner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.validation.ValidationReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model trained through {@code Preparation.start} and found again by id after a restart is called with
 * the separator and stop its data was prepared with, plainly and streamed. WireMock proxies to the
 * embedded backend, so the test reads the exact requests the API would receive.
 */
class TrainedFormatAcrossRestartTest {
    private final ObjectMapper json = new ObjectMapper();
    private LocalOpenAi local;
    private WireMockServer proxy;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
        proxy = new WireMockServer(wireMockConfig().dynamicPort());
        proxy.start();
        proxy.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(local.baseUrl().replaceFirst("/v1$", ""))));
    }

    @AfterEach
    void stop() {
        proxy.stop();
        local.close();
    }

    private FineTuner fineTuner() {
        return FineTuner.builder().apiKey("test").baseUrl(proxy.baseUrl() + "/v1")
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    private List<JsonNode> completionRequests() throws IOException {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest r : proxy.findAll(postRequestedFor(urlEqualTo("/v1/completions")))) {
            bodies.add(json.readTree(r.getBodyAsString()));
        }
        return bodies;
    }

    private static String stop(JsonNode body) {
        JsonNode s = body.get("stop");
        return s.isArray() ? s.get(0).asText() : s.asText();
    }

    @Test
    void a_model_found_by_id_after_a_restart_gets_the_prepared_separator_and_stop_plain_and_streamed() throws IOException {
        // given: tickets with no separator and no stop, prepared with the recommended repairs and trained
        Path csv = Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 40)
                .mapToObj(i -> "ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn") + ",step " + i + ": "
                        + (i % 2 == 0 ? "restart the print spooler" : "reconnect the vpn client"))
                .collect(Collectors.joining("\n")) + "\n");
        String modelId;
        ValidationReport report;
        try (FineTuner ft = fineTuner(); Preparation p = ft.prepare(csv, PrepareOptions.defaults())) {
            report = p.report("babbage-002");
            modelId = p.train("babbage-002").id();
        }
        String separator = report.separator().orElseThrow();
        String stop = report.stopSequence().orElseThrow();
        // when: a new process finds the model by id and calls it, plainly and streamed
        List<String> pieces = new ArrayList<>();
        String plain;
        String streamed;
        try (FineTuner again = fineTuner()) {
            TrainedModel model = again.model(modelId);
            plain = model.complete("ticket 77 about the printer");
            streamed = model.stream("ticket 78 about the vpn", pieces::add);
        }
        // then
        List<JsonNode> calls = completionRequests();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).get("prompt").asText()).isEqualTo("ticket 77 about the printer" + separator);
        assertThat(calls.get(1).get("prompt").asText()).isEqualTo("ticket 78 about the vpn" + separator);
        assertThat(calls).allSatisfy(body -> assertThat(stop(body)).isEqualTo(stop));
        assertThat(calls.get(1).get("stream").asBoolean()).isTrue();
        assertThat(plain).isNotBlank().doesNotContain(stop.strip().isEmpty() ? "\u0000" : stop);
        assertThat(streamed).isNotBlank();
        assertThat(String.join("", pieces).strip()).isEqualTo(streamed);
    }
}
