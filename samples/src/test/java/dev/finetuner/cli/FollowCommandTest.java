package dev.finetuner.cli;

import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code follow} and {@code create} print while a long job runs: a 40-epoch job of 60 examples is
 * 2,400 steps, one metrics event each, on the embedded backend. The finished jobs followed again have 20
 * examples (800 steps), so that replaying their events stays within the follower's request budget.
 */
class FollowCommandTest {
    private static final int STEPS = 2400;
    private static final int REPLAYED_STEPS = 800;
    private static LocalOpenAi local;
    private static final BooleanSupplier REAL_TERMINAL = Terminal.attached;

    @TempDir
    Path dir;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void start() {
        local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
    }

    @AfterAll
    static void stop() {
        local.close();
    }

    @AfterEach
    void realTerminal() {
        Terminal.attached = REAL_TERMINAL;
    }

    private int api(LocalOpenAi backend, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new java.util.ArrayList<>(List.of(args));
        // polls a second apart: at 0.01 s a job that runs for seconds on a loaded machine spends the
        // follower's 30 requests a minute and then waits out the minute (the budget is a sliding window)
        all.addAll(List.of("--api-key", "test", "--base-url", backend.baseUrl(), "--poll=1"));
        return cli.execute(all.toArray(String[]::new));
    }

    private Path trainingFile() throws IOException {
        return trainingFile(60);
    }

    private Path trainingFile(int examples) throws IOException {
        return Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, examples)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the " + (i % 2 == 0 ? "printer" : "vpn")
                        + " ->\",\"completion\":\" " + (i % 2 == 0 ? "printer" : "vpn") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    /** A finished 40-epoch job of {@value #REPLAYED_STEPS} steps. */
    private String finishedLongJob() throws IOException {
        assertThat(api(local, "create", "-t", trainingFile(20).toString(), "-m", "davinci-002", "--epochs", "40"))
                .as(err.toString()).isZero();
        return jobId(out.toString());
    }

    private static String jobId(String output) {
        Matcher m = Pattern.compile("(ftjob-[A-Za-z0-9]+)").matcher(output);
        assertThat(m.find()).as("a job id in: %s", output).isTrue();
        return m.group(1);
    }

    /** The lines as a terminal shows them: split at each line feed only, a carriage return stays inside. */
    private static List<String> lines(String text) {
        List<String> lines = List.of(text.split("\n", -1));
        return lines.get(lines.size() - 1).isEmpty() ? lines.subList(0, lines.size() - 1) : lines;
    }

    @Test
    void create_of_a_long_job_outside_a_terminal_prints_a_line_per_tenth_of_the_steps_and_the_model() throws IOException {
        // given
        Terminal.attached = () -> false;
        // when
        int code = api(local, "create", "-t", trainingFile().toString(), "-m", "davinci-002", "--epochs", "40");
        // then
        assertThat(code).as(err.toString()).isZero();
        List<String> lines = lines(out.toString());
        assertThat(lines).as(out.toString()).hasSizeLessThanOrEqualTo(17); // uploaded, created, 4 statuses, 10, model
        assertThat(lines).filteredOn(l -> l.contains("step ")).hasSize(10)
                .allMatch(l -> l.matches("\\[[# ]{30}] +\\d+%  step \\d+/" + STEPS + "  loss \\d+\\.\\d{4}.*"));
        assertThat(lines).anyMatch(l -> l.startsWith("[##############################] 100%  step 2400/2400  loss "))
                .doesNotContain("").noneMatch(l -> l.contains("\r"));
        assertThat(lines.subList(lines.size() - 2, lines.size() - 1)).containsExactly("status: succeeded");
        assertThat(lines.get(lines.size() - 1)).matches("Job complete! Status: succeeded\\. Model: ft:davinci-002:.+");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void follow_of_a_finished_job_outside_a_terminal_prints_its_tenths_and_the_model() throws IOException {
        // given
        Terminal.attached = () -> false;
        String jobId = finishedLongJob();
        // when
        int code = api(local, "follow", jobId);
        // then
        assertThat(code).isZero();
        List<String> lines = lines(out.toString());
        assertThat(lines).filteredOn(l -> l.contains("step ")).hasSize(10);
        assertThat(lines.subList(lines.size() - 2, lines.size())).satisfiesExactly(
                status -> assertThat(status).isEqualTo("status: succeeded"),
                model -> assertThat(model).startsWith("Job complete! Status: succeeded. Model: ft:davinci-002:"));
        assertThat(lines).hasSizeLessThanOrEqualTo(12);
    }

    @Test
    void the_time_left_is_the_pace_of_the_steps_so_far_by_the_server_s_clock() {
        // given: steps 100 and 200 of 1000, ten seconds apart by the events' times
        StringWriter printed = new StringWriter();
        FollowListener display = new FollowDisplay().listener(new PrintWriter(printed, true), false);
        Instant start = Instant.parse("2026-12-02T12:00:00Z");
        display.onStatus(null, JobStatus.RUNNING, null);
        // when
        display.onMetrics(metrics(100, 1000), event(start));
        display.onMetrics(metrics(200, 1000), event(start.plusSeconds(10)));
        display.onMetrics(metrics(1000, 1000), event(start.plusSeconds(90)));
        // then: 800 steps left at 10 steps a second
        assertThat(lines(printed.toString())).containsExactly("status: running",
                "[###                           ]  10%  step 100/1000  loss 0.5000",
                "[######                        ]  20%  step 200/1000  loss 0.5000  ETA 1m20s",
                "[##############################] 100%  step 1000/1000  loss 0.5000");
    }

    @Test
    void a_follow_that_starts_late_prints_the_job_s_status_before_the_tenths_it_catches_up_on() {
        // given: the first poll delivers the events so far, then the job's status
        StringWriter printed = new StringWriter();
        FollowListener display = new FollowDisplay().listener(new PrintWriter(printed, true), false);
        Instant start = Instant.parse("2026-12-02T12:00:00Z");
        // when
        display.onMetrics(metrics(100, 1000), event(start));
        display.onMetrics(metrics(200, 1000), event(start.plusSeconds(10)));
        display.onStatus(null, JobStatus.RUNNING, null);
        display.onMetrics(metrics(300, 1000), event(start.plusSeconds(20)));
        // then
        assertThat(lines(printed.toString())).extracting(l -> l.replaceAll("  (step|loss|ETA).*", ""))
                .containsExactly("status: running", "[###                           ]  10%",
                        "[######                        ]  20%", "[#########                     ]  30%");
    }

    private static JobEvent.Metrics metrics(long step, long total) {
        return new JobEvent.Metrics(OptionalLong.of(step), OptionalLong.of(total), OptionalDouble.of(0.5),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.empty());
    }

    private static JobEvent event(Instant at) {
        return new JobEvent("ftevent-" + at.getEpochSecond(), at, "info", "Step", Optional.of("metrics"), Optional.empty());
    }

    @Test
    void follow_on_a_terminal_redraws_one_progress_line_in_place() throws IOException {
        // given
        Terminal.attached = () -> true;
        String jobId = finishedLongJob();
        // when
        int code = api(local, "follow", jobId);
        // then: one line for the bar, however many steps; the status and model have lines of their own
        assertThat(code).isZero();
        String printed = out.toString();
        assertThat(printed).contains("\r[").contains("step 800/800");
        List<String> lines = lines(printed);
        assertThat(lines).as(printed).hasSizeLessThanOrEqualTo(4);
        assertThat(lines.subList(lines.size() - 2, lines.size())).satisfiesExactly(
                status -> assertThat(status).isEqualTo("status: succeeded"),
                model -> assertThat(model).startsWith("Job complete! Status: succeeded. Model: ft:davinci-002:"));
        String bar = lines.get(lines.size() - 3);
        assertThat(bar.substring(bar.lastIndexOf('\r') + 1)).startsWith("[##############################] 100%"
                + "  step 800/800");
    }

    @Test
    void follow_with_events_prints_every_event_as_the_api_sends_it() throws IOException {
        // given
        Terminal.attached = () -> true;
        String jobId = finishedLongJob();
        // when
        int code = api(local, "follow", jobId, "--events");
        // then
        assertThat(code).isZero();
        List<String> lines = lines(out.toString());
        assertThat(lines).filteredOn(l -> l.matches("\\[\\S+] Step \\d+/800: .*")).hasSize(REPLAYED_STEPS);
        assertThat(lines).anyMatch(l -> l.endsWith("] The job has successfully completed"))
                .noneMatch(l -> l.contains("\r"));
        assertThat(lines.get(lines.size() - 1)).startsWith("Job complete! Status: succeeded. Model: ft:davinci-002:");
    }

    @Test
    void a_failed_job_shows_its_error_and_exits_1() throws IOException {
        // given
        Terminal.attached = () -> false;
        try (LocalOpenAi failing = LocalOpenAi.builder().speed(LocalOpenAi.FAST)
                .faults(FaultPlan.builder().failJobs(FaultPlan.always()).build()).build()) {
            // when
            int code = api(failing, "create", "-t", trainingFile().toString(), "-m", "davinci-002", "--epochs", "4");
            // then
            assertThat(code).isEqualTo(1);
            List<String> lines = lines(out.toString());
            assertThat(lines).contains("status: failed");
            assertThat(lines.get(lines.size() - 1)).startsWith("Job ended: failed (");
            assertThat(lines).hasSizeLessThanOrEqualTo(20);
        }
    }

    @Test
    void following_a_job_that_does_not_exist_gives_no_resume_hint() {
        // when
        int code = api(local, "follow", "ftjob-nosuchjob");
        // then
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("404").doesNotContain("Resume");
    }
}
