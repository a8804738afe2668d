package dev.finetuner.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the README's five-minute command-line path as written, each {@code finetuner ...} line in its own
 * JVM with the environment the README exports and the shell variables it sets ({@code JOB=$(finetuner ...)}),
 * so the README cannot drift from the commands. Only its port is replaced, by a free one.
 */
class ReadmeFiveMinutesTest {
    static final String SECTION = "## Five minutes with the command line";
    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Z_]+)=\\$\\((finetuner .*)\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Z_]+)");
    private static final Pattern PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path work;

    private final List<Process> background = new ArrayList<>();
    private final Map<String, String> outputs = new HashMap<>();

    @AfterEach
    void stopBackground() {
        background.forEach(Process::destroyForcibly);
    }

    @Test
    void the_five_minute_path_runs_as_written() throws Exception {
        List<String> commands = commands(Files.readString(Path.of("..", "README.md")));
        assertThat(commands).as("the README's five-minute commands").hasSizeGreaterThanOrEqualTo(6)
                .anyMatch(c -> c.startsWith("finetuner serve")).anyMatch(c -> c.startsWith("finetuner prepare"))
                .anyMatch(c -> c.contains("finetuner create")).anyMatch(c -> c.startsWith("finetuner follow"))
                .anyMatch(c -> c.startsWith("finetuner complete")).anyMatch(c -> c.startsWith("finetuner evaluate"));
        copy(Path.of("data"), work.resolve("samples/data"));
        String readmePort = null;
        String port = String.valueOf(freePort());
        Map<String, String> env = new HashMap<>();
        Map<String, String> variables = new HashMap<>();
        for (String line : commands) {
            if (readmePort == null) {
                Matcher m = PORT.matcher(line);
                Matcher p = Pattern.compile("--port (\\d+)").matcher(line);
                readmePort = m.find() ? m.group(1) : p.find() ? p.group(1) : null;
            }
            String command = readmePort == null ? line : line.replace(readmePort, port);
            if (command.startsWith("mvn ") || command.startsWith("export PATH=")) {
                continue; // the build ran before this test; the launcher on PATH has its own test
            }
            Matcher v = VARIABLE.matcher(command);
            StringBuilder expanded = new StringBuilder();
            while (v.find()) {
                assertThat(variables).as("variables set before `%s`", line).containsKey(v.group(1));
                v.appendReplacement(expanded, Matcher.quoteReplacement(variables.get(v.group(1))));
            }
            command = v.appendTail(expanded).toString();
            if (command.startsWith("export ")) {
                for (String assignment : words(command.substring("export ".length()))) {
                    String[] kv = assignment.split("=", 2);
                    env.put(kv[0], kv[1]);
                }
                continue;
            }
            Matcher assignment = ASSIGNMENT.matcher(command);
            String variable = null;
            if (assignment.matches()) {
                variable = assignment.group(1);
                command = assignment.group(2);
            }
            if (!command.startsWith("finetuner ")) {
                fail("the README's five-minute path has a line this test cannot run: " + line);
            }
            boolean inBackground = command.endsWith("&");
            List<String> args = words(inBackground ? command.substring(0, command.length() - 1) : command);
            args = args.subList(1, args.size());
            if (inBackground) {
                startInBackground(args, env);
                continue;
            }
            Run run = run(args, env);
            assertThat(run.exit).as("exit code of `%s`; stdout:%n%s%nstderr:%n%s", line, run.out, run.err).isZero();
            assertThat(run.out).as("stdout of `%s`", line).isNotBlank();
            if (variable != null) {
                variables.put(variable, run.out.strip());
            }
            outputs.put(line, run.out);
        }
        assertThat(variables.get("JOB")).as("the job create printed").matches("ftjob-[A-Za-z0-9]+");
        assertThat(outputs).hasEntrySatisfying(commands.stream().filter(c -> c.startsWith("finetuner follow")).findFirst()
                .orElseThrow(), out -> assertThat(out).contains("Job complete! Status: succeeded. Model: ft:davinci-002:"));
        assertThat(outputs).hasEntrySatisfying(commands.stream().filter(c -> c.startsWith("finetuner evaluate"))
                .findFirst().orElseThrow(), out -> assertThat(out).contains("token F1").contains("Wrote evaluation report"));
        assertThat(work.resolve("evaluation.html")).isNotEmptyFile();
    }

    /** The commands of the section's sh blocks, without comments, continuation lines joined. */
    static List<String> commands(String readme) {
        int start = readme.indexOf(SECTION);
        assertThat(start).as("README section " + SECTION).isNotNegative();
        int end = readme.indexOf("\n## ", start + SECTION.length());
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> commands = new ArrayList<>();
        Matcher block = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (block.find()) {
            StringBuilder pending = new StringBuilder();
            for (String raw : block.group(1).split("\n")) {
                String line = stripComment(raw).strip();
                if (line.endsWith("\\")) {
                    pending.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                pending.append(line);
                String command = pending.toString().strip();
                pending.setLength(0);
                if (!command.isEmpty()) {
                    commands.add(command);
                }
            }
        }
        return commands;
    }

    private static String stripComment(String line) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            } else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** Shell words: whitespace-separated, with single and double quotes. */
    static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private record Run(int exit, String out, String err) {
    }

    private ProcessBuilder finetuner(List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile());
        pb.environment().remove("OPENAI_API_KEY");
        pb.environment().remove("OPENAI_BASE_URL");
        pb.environment().putAll(env);
        return pb;
    }

    private Run run(List<String> args, Map<String, String> env) throws Exception {
        Process p = finetuner(args, env).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("`finetuner " + String.join(" ", args) + "` did not end within 3 minutes");
        }
        return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private void startInBackground(List<String> args, Map<String, String> env) throws Exception {
        Process p = finetuner(args, env).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        background.add(p);
        // a server is up once it prints where it serves; its output is read to the end so it never blocks
        CompletableFuture<String> banner = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (PORT.matcher(l).find()) {
                        banner.complete(l);
                    }
                }
            } catch (IOException ended) {
                // the process was stopped
            }
            banner.complete(null);
        }, "readme-background");
        reader.setDaemon(true);
        reader.start();
        String line = banner.get(60, TimeUnit.SECONDS);
        assertThat(line).as("`finetuner %s` says where it serves", String.join(" ", args)).isNotNull();
    }

    private static String drain(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
