package dev.finetuner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A model created by {@code finetuner create} from a training file is called by {@code finetuner complete}
 * with the separator and stop sequence that file was written with. WireMock sits between the commands
 * and the embedded backend, so the test sees the exact request the API would receive.
 */
class TrainedFormatTest {
    private final ObjectMapper json = new ObjectMapper();
    private LocalOpenAi local;
    private WireMockServer proxy;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

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

    private int cli(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
        all.add("--api-key=test");
        all.add("--base-url=" + proxy.baseUrl() + "/v1");
        if (args[0].equals("create")) { // only the commands that wait for a job take --poll
            all.add("--poll=0.01");
        }
        return cli.execute(all.toArray(String[]::new));
    }

    @Test
    void a_model_created_from_a_prepared_file_is_completed_with_that_files_separator_and_stop() throws IOException {
        // given: a prepared file whose prompts end with " ->" and whose completions end with "\n"
        Path train = Files.writeString(dir.resolve("tickets_prepared.jsonl"), IntStream.range(0, 40)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "hardware" : "network") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        assertThat(cli("create", "-t", train.toString(), "-m", "davinci-002")).as(err.toString()).isZero();
        String model = out.toString().replaceAll("(?s).*Model: (\\S+).*", "$1").strip();
        // when: called with a bare question, as a user types it
        int code = cli("complete", "-m", model, "-p", "ticket 77 about the printer");
        // then: the API received the prompt as trained and the stop sequence; the answer is clean
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("hardware");
        List<LoggedRequest> calls = proxy.findAll(postRequestedFor(urlEqualTo("/v1/completions")));
        assertThat(calls).hasSize(1);
        JsonNode body = json.readTree(calls.get(0).getBodyAsString());
        assertThat(body.get("prompt").asText()).isEqualTo("ticket 77 about the printer ->");
        JsonNode stop = body.get("stop");
        assertThat(stop.isArray() ? stop.get(0).asText() : stop.asText()).isEqualTo("\n");
    }

    @Test
    void a_file_whose_prompts_and_completions_share_no_ending_records_no_separator_and_no_stop() throws IOException {
        // given: prompts with no common ending
        Path train = Files.writeString(dir.resolve("plain.jsonl"), IntStream.range(0, 20)
                .mapToObj(i -> "{\"prompt\":\"question " + i + (i % 2 == 0 ? "?" : ".") + "\",\"completion\":\" answer "
                        + i + "\"}").collect(Collectors.joining("\n", "", "\n")));
        // when
        assertThat(cli("create", "-t", train.toString(), "-m", "babbage-002", "--no-follow")).as(err.toString()).isZero();
        String jobId = out.toString().replaceAll("(?s).*(ftjob-\\w+).*", "$1");
        assertThat(cli("get", jobId, "--json")).isZero();
        // then
        JsonNode metadata = json.readTree(out.toString()).get("metadata");
        assertThat(metadata.get("finetuner_separator").asText()).isEmpty();
        assertThat(metadata.has("finetuner_stop")).isFalse();
    }
}
