package dev.finetuner.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code prepare} on a long file: a progress bar on a terminal's stderr, nothing elsewhere. */
class PrepareProgressTest {
    private static final BooleanSupplier REAL_TERMINAL = Terminal.attached;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

    @AfterEach
    void realTerminal() {
        Terminal.attached = REAL_TERMINAL;
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** About 1.5 MB of tickets. */
    private Path tickets() throws IOException {
        return Files.writeString(dir.resolve("tickets.jsonl"), IntStream.range(0, 20_000)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + ": the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " on floor " + (i % 7) + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    @Test
    void on_a_terminal_prepare_shows_the_bytes_read_of_each_pass_and_wipes_the_bar_before_the_report() throws IOException {
        // given
        Path file = tickets();
        Terminal.attached = () -> false;
        assertThat(run("prepare", file.toString())).isZero();
        String plainReport = out.toString();
        Terminal.attached = () -> true;
        // when
        int code = run("prepare", file.toString());
        // then
        assertThat(code).isZero();
        assertThat(out.toString()).isEqualTo(plainReport);
        String bar = err.toString();
        assertThat(bar).doesNotContain("\n")
                .contains("\rtickets.jsonl  pass 1  [")
                .containsPattern("\rtickets\\.jsonl  pass 2  \\[#{30}] 100%  (\\d+\\.\\d)/\\1 MB");
        // the last thing printed wipes the line: carriage return, blanks, carriage return
        assertThat(bar).matches("(?s).*\r +\r");
    }

    @Test
    void outside_a_terminal_prepare_prints_no_progress() throws IOException {
        // given
        Terminal.attached = () -> false;
        // when
        int code = run("prepare", tickets().toString(), "--json");
        // then
        assertThat(code).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).startsWith("{");
    }

    @Test
    void a_missing_file_on_a_terminal_is_one_error_line_without_a_bar() {
        // given
        Terminal.attached = () -> true;
        // when
        int code = run("prepare", dir.resolve("nope.jsonl").toString());
        // then
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: ").doesNotContain("\r").contains("nope.jsonl");
        assertThat(out.toString()).isEmpty();
    }
}
