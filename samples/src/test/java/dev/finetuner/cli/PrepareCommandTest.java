package dev.finetuner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PrepareCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private Path csv(String name, List<String> rows) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "prompt,completion\n" + String.join("\n", rows) + "\n");
        return file;
    }

    private static List<String> helpdeskRows(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> "\"My laptop number " + i + " will not boot\",\"Hold the power button for " + (i % 7 + 5)
                        + " seconds, then restart number " + i + ".\"")
                .toList();
    }

    @Test
    void the_bundled_helpdesk_archive_is_ready_after_repairs_and_is_written_with_a_split() throws IOException {
        // given
        Path helpdesk = Path.of("data", "helpdesk.csv");
        Path outDir = dir.resolve("out");
        // when
        int code = run("prepare", helpdesk.toString(), "--repair", "--split", "0.2", "--out", outDir.toString());
        // then
        assertThat(code).isZero();
        assertThat(out.toString()).contains("320 records: 320 kept").contains("Ready for fine-tuning.");
        long train = Files.lines(outDir.resolve("helpdesk_prepared_train.jsonl")).count();
        long valid = Files.lines(outDir.resolve("helpdesk_prepared_valid.jsonl")).count();
        assertThat(train + valid).isEqualTo(320);
        assertThat(valid).isEqualTo(64);
    }

    @Test
    void jsonl_with_other_keys_is_told_the_flags_that_name_them_and_then_reads_with_them() throws IOException {
        // given: question/answer keys, as many exports have
        Path file = dir.resolve("qa.jsonl");
        Files.writeString(file, IntStream.rangeClosed(1, 12).mapToObj(i ->
                "{\"question\": \"How do I reset password " + i + "?\", \"answer\": \" Use the portal, step " + i + ".\\n\"}")
                .collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        // when
        int unmapped = run("prepare", file.toString());
        String told = out.toString();
        out.getBuffer().setLength(0);
        int mapped = run("prepare", file.toString(), "--prompt-column", "question", "--completion-column", "answer");
        // then
        assertThat(unmapped).isEqualTo(1);
        assertThat(told).contains("line 1").contains("found keys [question, answer]")
                .contains("--prompt-column/--completion-column");
        assertThat(mapped).as(out.toString()).isZero();
        assertThat(out.toString()).contains("12 records: 12 kept");
    }

    @Test
    void json_output_is_one_object_with_the_documented_keys() throws IOException {
        // given
        Path file = csv("tickets.csv", helpdeskRows(120));
        // when
        int code = run("prepare", file.toString(), "--json");
        // then
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.fieldNames()).toIterable().contains("format", "task", "examples", "kept", "dropped",
                "findings", "tokens", "estimatedCostUsd");
        assertThat(json.get("format").asText()).isEqualTo("csv");
        assertThat(json.get("examples").asLong()).isEqualTo(120);
        assertThat(json.get("findings")).allSatisfy(f ->
                assertThat(f.fieldNames()).toIterable().contains("code", "severity", "line", "message"));
        assertThat(json.get("estimatedCostUsd").isNumber()).isTrue();
        assertThat(json.get("findings")).filteredOn(f -> f.get("code").asText().equals("num_examples"))
                .singleElement().satisfies(f -> assertThat(f.get("line").isNull()).as("a dataset-wide finding").isTrue());
        assertThat(code).isZero();
    }

    @Test
    void a_file_with_an_error_exits_1_and_names_the_line() throws IOException {
        // given: line 3 of the file has an empty completion
        List<String> rows = new java.util.ArrayList<>(helpdeskRows(20));
        rows.set(1, "\"Printer offline\",\"\"");
        Path file = csv("broken.csv", rows);
        // when
        int code = run("prepare", file.toString());
        // then
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("ERROR line 3, field 'completion' [empty_completion]").contains("Not ready");
    }

    @Test
    void the_same_file_is_ready_with_repair_and_the_drop_is_counted() throws IOException {
        // given
        List<String> rows = new java.util.ArrayList<>(helpdeskRows(20));
        rows.set(1, "\"Printer offline\",\"\"");
        Path file = csv("broken.csv", rows);
        // when
        int code = run("prepare", file.toString(), "--repair", "--json");
        // then
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(code).isZero();
        assertThat(json.get("dropped").asLong()).isEqualTo(1);
        assertThat(json.get("kept").asLong()).isEqualTo(19);
    }

    @Test
    void a_missing_file_is_a_usage_error_with_exit_2() {
        // when
        int code = run("prepare", dir.resolve("nope.csv").toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("nope.csv").contains("no such file");
    }

    @Test
    void a_bad_split_is_a_usage_error_with_exit_2() throws IOException {
        // given
        Path file = csv("tickets.csv", helpdeskRows(20));
        // when
        int code = run("prepare", file.toString(), "--split", "1.5");
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("validation fraction must be in [0, 1)");
    }

    @Test
    void a_negative_or_nan_split_is_a_usage_error_not_silently_no_split() throws IOException {
        Path file = csv("tickets.csv", helpdeskRows(20));
        for (String split : new String[] {"-1", "NaN", "-0.2"}) {
            assertThat(run("prepare", file.toString(), "--split", split)).as("--split %s", split).isEqualTo(2);
            assertThat(err.toString()).contains("validation fraction must be in [0, 1)");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void a_named_pipe_is_refused_at_once_instead_of_waiting_for_a_writer() throws Exception {
        // given: a FIFO nobody writes to (reading it would block for ever)
        Path fifo = dir.resolve("tickets.csv");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // when
        int code = run("prepare", fifo.toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("tickets.csv").contains("not a regular file");
    }

    @Test
    void a_utf16_file_is_named_as_such_and_refused() throws IOException {
        // given: what Excel's "Unicode Text" export writes
        Path file = dir.resolve("tickets.csv");
        Files.write(file, ("\uFEFFprompt,completion\n" + String.join("\n", helpdeskRows(20))).getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
        // when
        int code = run("prepare", file.toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("UTF-16 little-endian").contains("save it as UTF-8");
    }

    @Test
    void a_file_with_an_unreadable_record_is_never_simply_ready_the_verdict_says_what_was_not_read() throws IOException {
        // given: 30 rows, one of them broken by a stray quote
        List<String> rows = new java.util.ArrayList<>(helpdeskRows(30));
        rows.set(11, "\"Printer\" is offline,restart it");
        Path file = csv("tickets.csv", rows);
        // when
        int code = run("prepare", file.toString(), "--repair");
        // then: every other row is read, and the verdict names what was not
        assertThat(code).isZero();
        assertThat(out.toString()).contains("30 records: 29 kept").contains("ERROR line 13 [invalid_csv]")
                .contains("Ready for fine-tuning, but not all of it: 1 record(s) of the file could not be read");
    }

    @Test
    void repairs_without_out_say_that_nothing_was_written_and_how_to_write_it() throws IOException {
        Path file = csv("tickets.csv", helpdeskRows(20));

        assertThat(run("prepare", file.toString(), "--repair")).isZero();

        assertThat(out.toString()).contains("Ready for fine-tuning.")
                .endsWith("Nothing was written: add --out DIR to write the prepared files." + System.lineSeparator());
    }

    @Test
    void an_unknown_option_is_a_usage_error_with_exit_2() {
        assertThat(run("prepare", "x.csv", "--frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'");
    }

    @Test
    void help_describes_the_exit_codes() {
        assertThat(run("prepare", "--help")).isZero();
        assertThat(out.toString()).contains("Exit code: 0 ready, 1 not ready, 2 usage error");
    }
}
