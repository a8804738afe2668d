package dev.finetuner.bench;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.validation.Repair;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The scale benchmark: prepares the largest file the Uploads API takes (8 GB, about 11 million
 * helpdesk rows) under {@code -Xmx256m} in a child JVM, beside a 1-million-row prefix of the same
 * data, and prints for each the wall time, rows/s and the child's peak RSS (VmHWM of
 * /proc/&lt;pid&gt;/status, polled, and as the child read it last). The rows are generated here, in
 * Java, with the shared generator's shape and defects (about 1% exact repeats of an earlier row, 2%
 * without the separator, 1% without leading space or stop, 0.3% empty completions, names like Zoë,
 * Łukasz, Søren); not its bytes. Everything goes into a temporary directory that is deleted at the
 * end, also on failure. Needs about twice the file size free (input and prepared output).
 *
 * <pre>
 * mvn -q -pl lib -Pbench test-compile exec:exec -Dbench.main=dev.finetuner.bench.ScaleBench \
 *     -Dbench.args="--rows 11000000 --base 1000000"
 * </pre>
 */
public final class ScaleBench {
    private static final String[] NAMES = ("Anna Ben Carla David Elena Farid Grace Hiro Ines Jonas Kemal Lena Marco"
            + " Nadia Omar Petra Quentin Rosa Sam Tara Umar Vera Wen Xavier Yusuf Zoe José Zoë Łukasz Søren Chloé"
            + " Björn Priya Arjun Mei Kenji Fatima Olu Aisha Liam Noah Emma Olivia Sofia Lucas Mateo Hannah").split(" ");
    private static final String[] AGENTS = "Alex Jordan Casey Morgan Riley Taylor Jamie Robin Sasha Kim".split(" ");
    private static final String[] PRODUCTS = {"VPN client", "Outlook", "Teams", "the shared printer on floor 3",
            "my laptop", "single sign-on", "the Wi-Fi in meeting room B", "Jira", "Salesforce", "the expense portal",
            "OneDrive", "the docking station", "Zoom", "the HR portal", "my second monitor", "the badge reader"};
    private static final String[] OSES = {"Windows 11", "Windows 10 22H2", "macOS Sonoma", "Ubuntu 22.04", "iOS 17",
            "Android 14", "ChromeOS"};
    private static final String[] SYMPTOMS = {"disconnects every hour", "keeps asking for my password",
            "crashes on startup", "is extremely slow since the last update", "shows a blank screen", "will not sync",
            "says my license has expired", "cannot find the server", "shows the error 0x80070005",
            "fails with \"access denied\"", "uses 100% CPU", "logs me out randomly"};
    private static final String[] SINCE = {"since Monday", "since this morning", "since yesterday's update",
            "for about a week", "since the migration", "since 9:30 today"};
    private static final String[] SENTENCES = {"I already restarted the computer, but it did not help.",
            "I cleared the cache.", "I reinstalled the app, but it did not help.", "My colleague has the same problem.",
            "It works fine from home.", "This is blocking my work on the quarterly report.",
            "I have a customer call at 3pm.", "Could you please have a look as soon as possible?",
            "Let me know if you need remote access.", "My manager asked me to open a ticket.",
            "It is not urgent but quite annoying.", "I am working from the Berlin office this week.",
            "Our team has a deadline on Friday, so any help is appreciated.",
            "The error appears both on the wired network and on Wi-Fi."};
    private static final String[] ANSWERS = {"Please open the settings and remove the saved profile, then sign in again.",
            "This is a known issue after the latest update and a fix is rolling out this week.",
            "Could you run the diagnostics tool and send us the log file?",
            "I have reset your account, so please wait fifteen minutes before you try again.",
            "Please unplug the dock, wait ten seconds and plug it back in.",
            "Your license was reassigned by mistake and I have restored it now.",
            "Try signing in from a private browser window to rule out the cache.",
            "If the problem comes back, reply to this message and we will schedule a remote session."};

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--child")) {
            child(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        long rows = 11_000_000;
        long base = 1_000_000;
        String heap = "-Xmx256m";
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[++i]);
                case "--base" -> base = Long.parseLong(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--dir" -> parent = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long need = (rows + base) * 2 * 760 + (1L << 30);
        long free = Files.getFileStore(parent).getUsableSpace();
        if (free < need) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s has %,d MB free, the run needs about %,d MB",
                    parent, free >> 20, need >> 20));
        }
        Path dir = Files.createTempDirectory(parent, "finetuner-scale-");
        Thread cleanup = new Thread(() -> deleteTree(dir));
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            System.out.printf(Locale.ROOT, "scale benchmark: %,d and %,d rows, child heap %s, %d cores, in %s%n",
                    base, rows, heap, Runtime.getRuntime().availableProcessors(), dir);
            Path small = dir.resolve("base.jsonl");
            Path large = dir.resolve("large.jsonl");
            long t0 = System.nanoTime();
            generate(large, rows, small, base);
            System.out.printf(Locale.ROOT, "generated %,.0f MB and %,.0f MB in %.0f s%n", Files.size(small) / 1e6,
                    Files.size(large) / 1e6, (System.nanoTime() - t0) / 1e9);
            Result a = run(heap, small, dir.resolve("out-base"), dir);
            deleteTree(dir.resolve("out-base"));
            Result b = run(heap, large, dir.resolve("out-large"), dir);
            deleteTree(dir.resolve("out-large"));
            System.out.printf(Locale.ROOT, "%n%-12s %12s %10s %12s %14s  %s%n", "file", "rows", "wall s", "rows/s",
                    "peak RSS MB", "child says");
            for (Result r : List.of(a, b)) {
                System.out.printf(Locale.ROOT, "%-12s %,12d %10.1f %,12.0f %,14d  %s%n", r.file.getFileName(), r.rows,
                        r.seconds, r.rows / r.seconds, r.peakKb / 1024, r.summary);
            }
            System.out.printf(Locale.ROOT, "rows/s %,d rows / rows/s %,d rows = %.2f (1.00 is linear)%n", rows, base,
                    (b.rows / b.seconds) / (a.rows / a.seconds));
        } finally {
            deleteTree(dir);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private record Result(Path file, long rows, double seconds, long peakKb, String summary) {
    }

    /** Prepares {@code file} in a child JVM, polling its VmHWM while it runs. */
    private static Result run(String heap, Path file, Path out, Path tmp) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, heap, "-Djava.io.tmpdir=" + tmp, "-cp",
                System.getProperty("java.class.path"), ScaleBench.class.getName(), "--child", file.toString(),
                out.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peak = 0;
        StringBuilder said = new StringBuilder();
        try (InputStream in = p.getInputStream()) {
            while (p.isAlive()) {
                peak = Math.max(peak, hwmKb(status));
                while (in.available() > 0) {
                    said.append((char) in.read());
                }
                Thread.sleep(100);
            }
            said.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the child failed: " + said);
        }
        String summary = said.toString().lines().filter(l -> l.startsWith("records ")).reduce((x, y) -> y)
                .orElseThrow(() -> new IllegalStateException("the child said no summary: " + said));
        String[] parts = summary.split(" ");
        long rows = Long.parseLong(parts[1]);
        long childPeak = Long.parseLong(parts[parts.length - 2]);
        return new Result(file, rows, seconds, Math.max(peak, childPeak), summary);
    }

    /** In the child: what {@code finetuner prepare FILE --model davinci-002 --repair --out DIR} does. */
    private static void child(Path file, Path out) throws IOException {
        ValidationReport r = Validator.builder().model("davinci-002").repair(Repair.RECOMMENDED).build()
                .prepare(Dataset.read(file), out);
        System.out.printf(Locale.ROOT, "records %d kept %d duplicates %d tokens %d VmHWM %d kB%n",
                r.counts().records(), r.counts().kept(), r.findingCounts().getOrDefault("duplicate", 0L),
                r.tokens().total(), hwmKb(Path.of("/proc/self/status")));
    }

    private static long hwmKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0; // the process has just ended
        }
        return 0;
    }

    /** Writes {@code rows} rows to {@code large}, the first {@code base} of them also to {@code small}. */
    static void generate(Path large, long rows, Path small, long base) throws IOException {
        SplittableRandom r = new SplittableRandom(1234);
        String[][] history = new String[5000][];
        int kept = 0;
        try (BufferedWriter w = Files.newBufferedWriter(large, StandardCharsets.UTF_8);
             BufferedWriter s = Files.newBufferedWriter(small, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder(1024);
            for (long i = 0; i < rows; i++) {
                String[] row;
                if (kept > 0 && r.nextDouble() < 0.01) { // an exact repeat of an earlier row
                    row = history[r.nextInt(kept)];
                } else {
                    String name = pick(r, NAMES);
                    String prompt = prompt(r, name) + (r.nextDouble() < 0.02 ? "" : "\n\n###\n\n");
                    String completion = r.nextDouble() < 0.003 ? "" : (r.nextDouble() < 0.01 ? "" : " ")
                            + completion(r, name) + (r.nextDouble() < 0.01 ? "" : " END");
                    row = new String[] {prompt, completion};
                    if (kept < history.length) {
                        history[kept++] = row;
                    } else if (r.nextDouble() < 0.05) {
                        history[r.nextInt(history.length)] = row;
                    }
                }
                line.setLength(0);
                line.append("{\"prompt\": ");
                quote(line, row[0]);
                line.append(", \"completion\": ");
                quote(line, row[1]);
                line.append("}\n");
                w.append(line);
                if (i < base) {
                    s.append(line);
                }
            }
        }
    }

    private static String prompt(SplittableRandom r, String name) {
        String product = pick(r, PRODUCTS);
        String symptom = pick(r, SYMPTOMS);
        StringBuilder sb = new StringBuilder(600);
        sb.append("Subject: ").append(Character.toUpperCase(product.charAt(0))).append(product, 1, product.length())
                .append(' ').append(symptom).append("\n\nCustomer: Hi, ").append(product).append(" on ")
                .append(pick(r, OSES)).append(' ').append(symptom).append(' ').append(pick(r, SINCE)).append('.');
        int target = 150 + r.nextInt(420);
        while (sb.length() < target) {
            sb.append(' ').append(pick(r, SENTENCES));
        }
        return sb.append(" Thanks, ").append(name).toString();
    }

    private static String completion(SplittableRandom r, String name) {
        StringBuilder sb = new StringBuilder(400);
        sb.append("Hi ").append(name).append(", thanks for reaching out.");
        int target = 50 + r.nextInt(360);
        while (sb.length() < target) {
            sb.append(' ').append(pick(r, ANSWERS));
        }
        return sb.append(" Kind regards, ").append(pick(r, AGENTS)).toString();
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        out.append('"');
    }

    private static String pick(SplittableRandom r, String[] options) {
        return options[r.nextInt(options.length)];
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
