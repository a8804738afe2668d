package dev.finetuner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the commands print for scripts and for people: {@code --json} on every command that prints a
 * result, {@code get} as text, the files {@code evaluate --html} and {@code metrics --svg} write, and
 * {@code --poll} only where a job is waited for. Run against the embedded backend.
 */
class CliOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields that hold numbers wherever they appear; each must be a JSON number (or null: unknown). */
    private static final Set<String> NUMERIC = Set.of("estimatedCostUsd", "bytes", "trainedTokens", "epochs",
            "batchSize", "learningRateMultiplier", "examples", "trainingExamples", "tokensPerEpoch", "billedTokens",
            "step", "trainLoss", "trainAccuracy", "validLoss", "validAccuracy", "fullValidLoss", "fullValidAccuracy",
            "accuracy", "macroF1", "exactMatch", "tokenF1", "finalTrainLoss", "finalValidLoss", "metric", "index",
            "errors", "kept", "dropped", "precision", "recall", "f1", "support");

    private static LocalOpenAi local;
    /** A job trained with a validation file, epochs, batch size and learning rate set, and its model. */
    private static String jobId;
    private static String model;
    private static Path heldOut;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void train() throws IOException {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
        Path train = tickets(shared.resolve("train.jsonl"), 0, 60);
        Path valid = tickets(shared.resolve("valid.jsonl"), 200, 220);
        heldOut = tickets(shared.resolve("held_out.jsonl"), 100, 120);
        CliOutputTest setup = new CliOutputTest();
        int code = setup.api("create", "-t", train.toString(), "-v", valid.toString(), "-m", "babbage-002",
                "--epochs", "2", "--batch-size", "4", "--lr-multiplier", "0.2", "--json");
        assertThat(code).as(setup.err.toString()).isZero();
        JsonNode job = JSON.readTree(setup.out.toString());
        jobId = job.get("id").asText();
        model = job.get("fineTunedModel").asText();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    private static Path tickets(Path file, int from, int to) throws IOException {
        return Files.writeString(file, IntStream.range(from, to)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private int api(String command, String... args) {
        return on(local, command, args);
    }

    private int on(LocalOpenAi backend, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(List.of("--api-key", "test", "--base-url", backend.baseUrl()));
        if (Set.of("create", "follow", "sweep").contains(command)) {
            all.add("--poll=0.01");
        }
        return run(all.toArray(String[]::new));
    }

    /** stdout as one JSON document: nothing before or after it. */
    private JsonNode stdoutJson() throws IOException {
        return JSON.readTree(out.toString());
    }

    @Test
    void every_json_output_is_one_document_whose_numbers_are_numbers_and_whose_lines_are_never_0() throws IOException {
        // given: a file for the offline commands and a job to cancel on a backend that runs in real time
        Path reviews = Files.writeString(dir.resolve("reviews.jsonl"), IntStream.range(0, 40)
                .mapToObj(i -> "{\"prompt\":\"day " + i + " the food was " + (i % 2 == 0 ? "great" : "awful")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "good" : "bad") + "\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        Map<String, JsonNode> outputs = new LinkedHashMap<>();
        // when: each command that prints a result, with --json
        outputs.put("prepare", json(run("prepare", reviews.toString(), "-m", "babbage-002", "--json")));
        outputs.put("estimate", json(run("estimate", reviews.toString(), "-m", "babbage-002", "--json")));
        outputs.put("upload", json(api("upload", reviews.toString(), "--json")));
        outputs.put("create", json(api("create", "-t", outputs.get("upload").get("id").asText(), "-m", "babbage-002",
                "--no-follow", "--json")));
        outputs.put("follow", json(api("follow", outputs.get("create").get("id").asText(), "--json")));
        outputs.put("list", json(api("list", "--json")));
        outputs.put("get", json(api("get", jobId, "--json")));
        outputs.put("complete", json(api("complete", "-m", model, "-p", "ticket 7 about the vpn ->", "--json")));
        outputs.put("metrics", json(api("metrics", jobId, "--json")));
        outputs.put("evaluate", json(api("evaluate", "-m", model, heldOut.toString(), "--json")));
        outputs.put("sweep", json(api("sweep", reviews.toString(), "-m", "babbage-002", "--epochs", "1",
                "--budget", "1", "--json")));
        try (LocalOpenAi slow = LocalOpenAi.builder().speed(1).build()) {
            assertThat(on(slow, "create", "-t", reviews.toString(), "-m", "babbage-002", "--no-follow", "--json")).isZero();
            String running = stdoutJson().get("id").asText();
            outputs.put("cancel", json(on(slow, "cancel", running, "--json")));
        }
        // then
        outputs.forEach((command, json) -> walk(command, "", json));
        assertThat(outputs.get("prepare").get("estimatedCostUsd").isNumber()).isTrue();
        assertThat(outputs.get("estimate").get("estimatedCostUsd").isNumber()).isTrue();
        assertThat(outputs.get("sweep").at("/runs/0/estimatedCostUsd").isNumber()).isTrue();
        assertThat(outputs.get("upload").get("bytes").isIntegralNumber()).isTrue();
        assertThat(outputs.get("get").at("/hyperparameters/epochs").isIntegralNumber()).isTrue();
        assertThat(outputs.get("get").at("/hyperparameters/learningRateMultiplier").isNumber()).isTrue();
        assertThat(outputs.get("get").get("trainedTokens").isIntegralNumber()).isTrue();
        assertThat(outputs.get("metrics").at("/steps/0/trainLoss").isNumber()).isTrue();
        assertThat(outputs.get("evaluate").get("accuracy").isNumber()).isTrue();
        assertThat(outputs.get("complete").get("text").asText()).isEqualTo("vpn");
        assertThat(outputs.get("complete").get("model").asText()).isEqualTo(model);
        assertThat(outputs.get("complete").get("finishReason").isTextual()).isTrue();
        assertThat(outputs.get("cancel").get("status").asText()).isEqualTo("cancelled");
        assertThat(outputs.get("prepare").get("findings")).filteredOn(f -> f.get("code").asText().equals("num_examples"))
                .singleElement().satisfies(f -> assertThat(f.get("line").isNull()).as("dataset-wide").isTrue());
    }

    private JsonNode json(int code) throws IOException {
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        assertThat(err.toString()).doesNotContain("error:");
        return stdoutJson();
    }

    /** Numeric fields are numbers; no text is a number in disguise; a line is a positive number or null. */
    private static void walk(String command, String path, JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String where = command + " " + path + "/" + field.getKey();
                JsonNode v = field.getValue();
                if (NUMERIC.contains(field.getKey()) && !v.isObject()) {
                    assertThat(v.isNumber() || v.isNull()).as("%s is a number: %s", where, v).isTrue();
                }
                if (field.getKey().equals("line")) {
                    assertThat(v.isNull() || v.isIntegralNumber() && v.asLong() > 0).as("%s: %s", where, v).isTrue();
                }
                walk(command, path + "/" + field.getKey(), v);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(command, path + "/" + i, node.get(i));
            }
        } else if (node.isTextual()) {
            assertThat(node.asText()).as("%s %s is text, not a number in quotes", command, path)
                    .doesNotMatch("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
        }
    }

    @Test
    void create_no_follow_json_prints_the_job_as_get_json_does_and_nothing_else_on_stdout() throws IOException {
        // given: a backend in real time, so that the job is still validating when it is read back
        Path train = tickets(dir.resolve("t.jsonl"), 0, 30);
        try (LocalOpenAi slow = LocalOpenAi.builder().speed(1).build()) {
            // when
            int code = on(slow, "create", "-t", train.toString(), "-m", "babbage-002", "--no-follow", "--json");
            // then
            assertThat(code).isZero();
            JsonNode created = stdoutJson();
            assertThat(err.toString()).contains("Uploaded").contains("Created fine-tuning job " + created.get("id").asText());
            assertThat(on(slow, "get", created.get("id").asText(), "--json")).isZero();
            JsonNode got = stdoutJson();
            assertThat(iterable(created.fieldNames())).containsExactlyElementsOf(iterable(got.fieldNames()));
            assertThat(created.get("status").asText()).isEqualTo("validating_files");
            assertThat(got.get("status").asText()).isIn("validating_files", "queued", "running");
            assertThat(created.get("trainingFile")).isEqualTo(got.get("trainingFile"));
        }
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    @Test
    void create_json_that_follows_prints_the_finished_job_on_stdout_and_the_progress_on_stderr() throws IOException {
        // given
        Path train = tickets(dir.resolve("t.jsonl"), 0, 30);
        // when
        int code = api("create", "-t", train.toString(), "-m", "babbage-002", "--json");
        // then
        assertThat(code).as(err.toString()).isZero();
        JsonNode job = stdoutJson();
        assertThat(job.get("status").asText()).isEqualTo("succeeded");
        assertThat(job.get("fineTunedModel").asText()).startsWith("ft:babbage-002");
        assertThat(err.toString()).contains("Created fine-tuning job").contains("Job complete!");
    }

    @Test
    void follow_json_of_a_job_that_fails_prints_the_failed_job_with_its_error_and_exits_1() throws IOException {
        // given: a backend whose jobs fail half way
        try (LocalOpenAi failing = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
                .faults(FaultPlan.builder().failJobs(FaultPlan.always()).build()).build()) {
            assertThat(on(failing, "create", "-t", tickets(dir.resolve("t.jsonl"), 0, 30).toString(), "-m",
                    "babbage-002", "--no-follow", "--json")).isZero();
            String failed = stdoutJson().get("id").asText();
            // when
            int code = on(failing, "follow", failed, "--json");
            // then
            assertThat(code).isEqualTo(1);
            JsonNode job = stdoutJson();
            assertThat(job.get("status").asText()).isEqualTo("failed");
            assertThat(job.at("/error/code").asText()).isEqualTo("server_error");
            assertThat(err.toString()).contains("Job ended: failed");
        }
    }

    @Test
    void create_quiet_without_following_prints_only_the_job_id_which_complete_takes_for_its_model() throws IOException {
        // given
        Path train = tickets(dir.resolve("q.jsonl"), 0, 30);
        // when
        int code = api("create", "-t", train.toString(), "-m", "babbage-002", "--no-follow", "--quiet");
        String printed = out.toString();
        int asked = api("complete", "-m", jobId, "-p", "ticket 4 about the printer ->", "--max-tokens", "5", "--json");
        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(printed).matches("ftjob-[A-Za-z0-9]+\\R");
        assertThat(asked).as(err.toString()).isZero();
        assertThat(stdoutJson().get("model").asText()).as("the model the job made").isEqualTo(model);
    }

    @Test
    void create_quiet_that_follows_prints_only_the_model_id() {
        // when
        int code = api("create", "-t", heldOut.toString(), "-m", "babbage-002", "--quiet");
        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).matches("ft:babbage-002:[^\\s]+\\R");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void create_quiet_of_a_job_that_fails_exits_1_with_the_reason_on_stderr() throws IOException {
        try (LocalOpenAi failing = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
                .faults(FaultPlan.builder().failJobs(FaultPlan.always()).build()).build()) {
            // when
            int code = on(failing, "create", "-t", tickets(dir.resolve("f.jsonl"), 0, 30).toString(), "-m",
                    "babbage-002", "--quiet");
            // then
            assertThat(code).isEqualTo(1);
            assertThat(out.toString()).isEmpty();
            assertThat(err.toString()).startsWith("error: job ftjob-").contains("ended failed (server_error");
        }
    }

    @Test
    void a_job_id_as_the_model_of_a_job_still_running_is_refused_with_what_to_run() throws IOException {
        // given: a backend in real time, where a job takes minutes
        try (LocalOpenAi slow = LocalOpenAi.builder().speed(1).build()) {
            assertThat(on(slow, "create", "-t", tickets(dir.resolve("s.jsonl"), 0, 30).toString(), "-m",
                    "babbage-002", "--no-follow", "--quiet")).isZero();
            String running = out.toString().strip();
            // when
            int code = on(slow, "complete", "-m", running, "-p", "ticket 1 about the vpn ->");
            // then
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).startsWith("error: job " + running + " has made no model: it is ")
                    .contains("Wait for its model with: finetuner follow " + running);
        }
    }

    @Test
    void json_and_quiet_together_are_a_usage_error() {
        assertThat(api("create", "-t", "file-abc", "-m", "babbage-002", "--json", "--quiet")).isEqualTo(2);
        assertThat(err.toString()).contains("--json and --quiet exclude each other");
    }

    @Test
    void follow_json_of_a_job_that_does_not_exist_prints_nothing_on_stdout() {
        assertThat(api("follow", "ftjob-nope", "--json")).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).startsWith("error: 404");
    }

    @Test
    void get_prints_the_job_as_text_with_its_hyperparameters_and_as_json_with_json() throws IOException {
        // when
        int text = api("get", jobId);
        String printed = out.toString();
        int json = api("get", jobId, "--json");
        // then
        assertThat(text).isZero();
        assertThat(printed).containsPattern("(?m)^id\\s+" + jobId + "$").containsPattern("(?m)^status\\s+succeeded$")
                .containsPattern("(?m)^fine-tuned model\\s+" + Pattern.quote(model) + "$")
                .containsPattern("(?m)^epochs\\s+2$").containsPattern("(?m)^batch size\\s+4$")
                .containsPattern("(?m)^lr multiplier\\s+0\\.2$").containsPattern("(?m)^validation file\\s+file-")
                .doesNotContain("{");
        assertThat(json).isZero();
        JsonNode hp = stdoutJson().get("hyperparameters");
        assertThat(hp.get("epochs").asInt()).isEqualTo(2);
        assertThat(hp.get("batchSize").asInt()).isEqualTo(4);
        assertThat(hp.get("learningRateMultiplier").asDouble()).isEqualTo(0.2);
    }

    @Test
    void poll_is_a_usage_error_on_the_commands_that_wait_for_nothing() {
        for (String[] command : new String[][] {{"get", jobId}, {"cancel", jobId}, {"upload", heldOut.toString()},
                {"complete", "-m", "x", "-p", "y"}, {"metrics", jobId}, {"list"}}) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--poll", "1", "--api-key", "test", "--base-url", local.baseUrl()));
            assertThat(run(args.toArray(String[]::new))).as(command[0]).isEqualTo(2);
            assertThat(err.toString()).as(command[0]).startsWith("Unknown option").contains("'--poll'");
            assertThat(out.toString()).as(command[0]).isEmpty();
        }
    }

    @Test
    void a_negative_poll_is_a_usage_error_where_poll_exists() {
        assertThat(run("follow", jobId, "--poll", "-1", "--api-key", "test", "--base-url", local.baseUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("--poll must be a number of seconds, 0 or more");
    }

    @Test
    void evaluate_html_says_which_file_it_wrote_and_the_page_names_the_model_the_data_and_each_mistake()
            throws IOException {
        // given: held-out tickets whose answer the model never saw, one prompt that would be markup
        Path data = Files.writeString(dir.resolve("unseen <tickets>.jsonl"),
                "{\"prompt\":\"ticket <b>1</b> about the scanner ->\",\"completion\":\" scanner\\n\"}\n"
                        + "{\"prompt\":\"ticket 2 about the printer ->\",\"completion\":\" printer\\n\"}\n"
                        + "{\"prompt\":\"ticket 3 about the vpn ->\",\"completion\":\" vpn\\n\"}\n");
        Path html = dir.resolve("reports/eval.html");
        // when
        int code = api("evaluate", "-m", model, data.toString(), "--html", html.toString());
        // then
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines().filter(l -> l.startsWith("Wrote")))
                .containsExactly("Wrote evaluation report to " + html.toAbsolutePath());
        String page = Files.readString(html);
        assertThat(cell(page, "model")).isEqualTo(model);
        assertThat(cell(page, "data-file")).isEqualTo(escaped(data.toString()));
        List<String[]> mistakes = mistakes(page);
        assertThat(mistakes).hasSize(1);
        assertThat(mistakes.get(0)[0]).isEqualTo("ticket &lt;b&gt;1&lt;/b&gt; about the scanner -&gt;");
        assertThat(mistakes.get(0)[1]).isEqualTo("scanner");
        assertThat(mistakes.get(0)[2]).isNotEqualTo("scanner").isNotEmpty();
        assertThat(page).doesNotContain("<b>").doesNotContain("<tickets>");
    }

    @Test
    void evaluate_html_where_no_file_can_be_written_is_a_usage_error() throws IOException {
        // given: a "folder" that is a file
        Path notAFolder = Files.writeString(dir.resolve("plain.txt"), "x");
        // when
        int code = api("evaluate", "-m", model, heldOut.toString(), "--html", notAFolder.resolve("eval.html").toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cannot write --html");
    }

    @Test
    void evaluate_json_with_html_keeps_stdout_one_json_document() throws IOException {
        Path html = dir.resolve("eval.html");
        assertThat(api("evaluate", "-m", model, heldOut.toString(), "--json", "--html", html.toString())).isZero();
        assertThat(stdoutJson().get("examples").asInt()).isEqualTo(20);
        assertThat(err.toString()).contains("Wrote evaluation report to " + html.toAbsolutePath());
    }

    private static String escaped(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private static String cell(String page, String cssClass) {
        Matcher m = Pattern.compile("<td class=\"text " + cssClass + "\">([^<]*)</td>").matcher(page);
        assertThat(m.find()).as("a %s cell in %s", cssClass, page).isTrue();
        return m.group(1);
    }

    /** The mistakes table's rows: prompt, expected, predicted, as HTML text. */
    private static List<String[]> mistakes(String page) {
        Matcher m = Pattern.compile("<td class=\"text prompt\">([^<]*)</td><td class=\"text expected\">([^<]*)</td>"
                + "<td class=\"text predicted\">([^<]*)</td>").matcher(page);
        List<String[]> rows = new ArrayList<>();
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        return rows;
    }

    @Test
    void metrics_svg_ends_the_step_axis_at_the_last_step_draws_raw_and_smoothed_loss_and_full_validation_dots()
            throws Exception {
        // given
        Path svg = dir.resolve("loss.svg");
        // when
        int code = api("metrics", jobId, "--svg", svg.toString());
        // then: the CSV on stdout, the file named on stderr
        assertThat(code).as(err.toString()).isZero();
        List<String> csv = out.toString().lines().toList();
        assertThat(csv.get(0)).isEqualTo(
                "step,train_loss,train_accuracy,valid_loss,valid_accuracy,full_valid_loss,full_valid_accuracy");
        String lastStep = csv.get(csv.size() - 1).split(",")[0];
        long epochEnds = csv.stream().skip(1).filter(row -> !row.split(",", -1)[5].isEmpty()).count();
        assertThat(epochEnds).as("one full validation per epoch").isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("Wrote the loss chart to " + svg.toAbsolutePath());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new org.xml.sax.InputSource(new StringReader(Files.readString(svg))));
        List<String> xTicks = texts(group(doc, "x-axis"), "tick");
        assertThat(xTicks.get(xTicks.size() - 1)).isEqualTo(lastStep);
        assertThat(elements(doc, "polyline", "train-raw")).singleElement()
                .satisfies(raw -> assertThat(raw.getAttribute("stroke-opacity")).isNotEmpty());
        assertThat(elements(doc, "polyline", "train")).hasSize(1);
        assertThat(elements(doc, "polyline", "valid")).hasSize(1);
        assertThat(elements(doc, "circle", "full-valid")).hasSize(2);
    }

    @Test
    void metrics_svg_where_no_file_can_be_written_is_a_usage_error() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("plain.txt"), "x");
        assertThat(api("metrics", jobId, "--svg", notAFolder.resolve("loss.svg").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("cannot write --svg");
    }

    private static Element group(Document doc, String cssClass) {
        return elements(doc, "g", cssClass).get(0);
    }

    private static List<Element> elements(Document doc, String tag, String cssClass) {
        NodeList nodes = doc.getElementsByTagName(tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cssClass)) {
                found.add(e);
            }
        }
        return found;
    }

    private static List<String> texts(Element parent, String cssClass) {
        NodeList nodes = parent.getElementsByTagName("text");
        List<String> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cssClass)) {
                found.add(e.getTextContent());
            }
        }
        return found;
    }
}
