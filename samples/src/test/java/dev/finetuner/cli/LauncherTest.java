package dev.finetuner.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/finetuner}, the shell launcher the build puts next to {@code finetuner.jar}, run as a user
 * runs it: through a symlink on PATH, with JAVA_HOME and JAVA_OPTS. The shaded jar is made after the
 * tests, so the launcher runs a thin {@code finetuner.jar} here whose manifest names the same classes;
 * the build's verify phase runs the real one.
 */
class LauncherTest {
    private static final Path SCRIPT = Path.of("src/main/dist/bin/finetuner");

    @TempDir
    Path dir;

    private Path home;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void install() throws IOException {
        // given: <home>/bin/finetuner and <home>/finetuner.jar, as in samples/target
        home = dir.resolve("finetuner-0.1.0");
        Files.createDirectories(home.resolve("bin"));
        Path script = Files.copy(SCRIPT, home.resolve("bin/finetuner"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        thinJar(home.resolve("finetuner.jar"));
    }

    /** A jar of nothing but a manifest: Main's class, and the test's class path without the test classes. */
    private static void thinJar(Path jar) throws IOException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes"))
                .map(entry -> Path.of(entry).toUri().toString())
                .collect(Collectors.joining(" "));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        try (OutputStream out = Files.newOutputStream(jar)) {
            new JarOutputStream(out, manifest).close(); // the manifest is the whole jar
        }
    }

    private Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished in time").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void finetuner_on_path_through_a_symlink_prints_its_version() throws Exception {
        // given: a relative symlink in a directory on PATH, as `ln -s ../finetuner-0.1.0/bin/finetuner ~/bin/`
        Path onPath = Files.createDirectories(dir.resolve("path"));
        Files.createSymbolicLink(onPath.resolve("finetuner"), Path.of("../finetuner-0.1.0/bin/finetuner"));
        // when
        Run run = run(Map.of("PATH", onPath + File.pathSeparator + System.getenv("PATH")),
                "sh", "-c", "finetuner --version");
        // then
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).matches("finetuner \\d+\\.\\d+\\.\\d+\\R");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void prepare_through_the_launcher_prints_the_report_and_its_exit_code() throws Exception {
        // given
        Path data = Files.writeString(dir.resolve("tickets.jsonl"), """
                {"prompt":"printer jammed ->","completion":" printer\\n"}
                {"prompt":"vpn drops ->","completion":" vpn\\n"}
                """);
        // when
        Run run = run(Map.of(), home.resolve("bin/finetuner").toString(), "prepare", data.toString());
        // then: two examples are too few, which is exit 1, and the report says so
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).contains("2 records: 2 kept").contains("[too_few_examples]").contains("Not ready");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void java_opts_reach_the_java_that_runs_the_jar() throws Exception {
        // when: two options, split into words as a shell user expects
        Run run = run(Map.of("JAVA_OPTS", "-Xmx64m -XshowSettings:vm"), home.resolve("bin/finetuner").toString(),
                "--version");
        // then
        assertThat(run.code()).isZero();
        assertThat(run.out()).startsWith("finetuner ");
        assertThat(run.err()).contains("Max. Heap Size").contains("64.00M");
    }

    @Test
    void java_home_picks_the_java_and_a_wrong_one_fails_plainly() throws Exception {
        // when
        Run run = run(Map.of("JAVA_HOME", dir.resolve("no-such-jdk").toString()), home.resolve("bin/finetuner").toString(),
                "--version");
        // then: the shell's "not found" for that java, not some other java
        assertThat(run.code()).isEqualTo(127);
        assertThat(run.err()).contains("no-such-jdk/bin/java");
    }

    @Test
    void a_launcher_without_its_jar_says_what_is_missing() throws Exception {
        // given
        Files.delete(home.resolve("finetuner.jar"));
        // when
        Run run = run(Map.of(), home.resolve("bin/finetuner").toString(), "--version");
        // then
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip()).isEqualTo("finetuner: " + home.toRealPath().resolve("finetuner.jar")
                + " is missing: build it with mvn package, or keep this script in bin/ next to it");
    }

    @Test
    void the_build_ships_both_launchers() {
        assertThat(List.of(SCRIPT, SCRIPT.resolveSibling("finetuner.cmd"))).allMatch(Files::isRegularFile);
    }
}
