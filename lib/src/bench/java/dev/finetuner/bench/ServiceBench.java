package dev.finetuner.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.OpenAiConnection;
import dev.finetuner.service.UploadOptions;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Two service-layer measurements on the embedded backend, each a ratio in one run:
 * <ol>
 *   <li>uploading a file through the Uploads API in parallel parts, against one raw multipart POST of the
 *       same bytes, with the upload's time split into its SHA-256, its parts and its {@code complete};</li>
 *   <li>the requests {@code follow} makes for a job that runs two hours at a virtual clock (the backend
 *       and the poll intervals sped up by the same factor), against the job's length in poll intervals.</li>
 * </ol>
 *
 * <pre>
 * mvn -q -pl lib -Pbench test-compile exec:exec -Dbench.main=dev.finetuner.bench.ServiceBench -Dbench.args="[upload] [follow] [many]" -Dbench.heap=-Xmx1g
 * </pre>
 */
public final class ServiceBench {
    /** Runs the measurements named in {@code args} (upload, follow, many), or all of them. */
    public static void main(String[] args) throws Exception {
        java.util.Set<String> only = java.util.Set.of(args);
        if (only.isEmpty() || only.contains("upload")) {
            upload();
        }
        if (only.isEmpty() || only.contains("follow")) {
            follow();
        }
        if (only.isEmpty() || only.contains("many")) {
            followMany(1000);
        }
    }

    /** Many jobs followed at once by one follower on a 2-thread scheduler: CPU per job, threads in use. */
    private static void followMany(int jobs) throws Exception {
        Path dir = Files.createTempDirectory("many-bench");
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 20)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" a" + (i % 3) + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.concurrent.ScheduledThreadPoolExecutor scheduler = new java.util.concurrent.ScheduledThreadPoolExecutor(2);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("bench").baseUrl(local.baseUrl())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(200)).withMaxRequestsPerMinute(600))
                     .build()) {
            FileInfo f = api.files().upload(train);
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(api.jobs().create(JobRequest.builder("babbage-002", f.id())
                        .hyperparameters(Hyperparameters.auto().withEpochs(1)).build()).id());
            }
            java.util.Set<Long> followerThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
            long before = api.requestsSent();
            int threadsBefore = mx.getThreadCount();
            long t0 = System.nanoTime();
            var futures = api.follower().followAll(ids, id -> new FollowListener() {
                @Override
                public void onEvent(dev.finetuner.service.JobEvent e) {
                    followerThreads.add(Thread.currentThread().getId());
                }
            }, scheduler);
            java.util.concurrent.CompletableFuture.allOf(futures.values().toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(10, java.util.concurrent.TimeUnit.MINUTES);
            double wall = (System.nanoTime() - t0) / 1e9;
            long cpu = 0;
            for (long id : followerThreads) {
                cpu += Math.max(0, mx.getThreadCpuTime(id));
            }
            long succeeded = futures.values().stream().filter(x -> x.join().status().isTerminal()).count();
            System.out.printf(Locale.ROOT, "followAll of %,d jobs on %d scheduler threads: %.1f s, %,d ended, %,d requests,"
                            + " %.2f ms of follower CPU per job, %d threads added while following%n", jobs,
                    followerThreads.size(), wall, succeeded, api.requestsSent() - before, cpu / 1e6 / jobs,
                    Math.max(0, mx.getThreadCount() - threadsBefore));
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void upload() throws Exception {
        Path dir = Files.createTempDirectory("upload-bench");
        Path file = dir.resolve("big.jsonl");
        String line = "{\"prompt\":\"" + "x".repeat(600) + " ->\",\"completion\":\" y\\n\"}\n";
        Files.writeString(file, line.repeat(300_000)); // about 190 MB
        long size = Files.size(file);
        try (LocalOpenAi local = LocalOpenAi.start();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("bench").baseUrl(local.baseUrl()).build()) {
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            double raw = Double.MAX_VALUE;
            double parts = Double.MAX_VALUE;
            double[] phases = new double[3]; // the fastest Uploads API round's: SHA-256, create and parts, complete
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                String boundary = "b" + UUID.randomUUID();
                byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--"
                        + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"raw" + round
                        + ".jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(local.baseUrl() + "/files"))
                        .header("Authorization", "Bearer bench")
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                                HttpRequest.BodyPublishers.ofFile(file), HttpRequest.BodyPublishers.ofByteArray(tail)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("raw upload failed: " + r.statusCode() + " " + r.body());
                }
                raw = Math.min(raw, (System.nanoTime() - t0) / 1e9);
                // each round starts from the same state: the files of the one before do not wait to be written back
                api.files().delete(json.readTree(r.body()).get("id").asText());
                double sha = sha256Seconds(file);
                long[] lastPart = {0};
                long t1 = System.nanoTime();
                FileInfo f = api.files().upload(file, UploadOptions.defaults().withoutReuse()
                        .withMultipart(16L << 20, 16 << 20, 2).withProgress((sent, total) -> lastPart[0] = System.nanoTime()));
                long t2 = System.nanoTime();
                if (f.bytes() != size) {
                    throw new IllegalStateException("size mismatch");
                }
                api.files().delete(f.id());
                if ((t2 - t1) / 1e9 < parts) {
                    parts = (t2 - t1) / 1e9;
                    phases = new double[] {sha, (lastPart[0] - t1) / 1e9 - sha, (t2 - lastPart[0]) / 1e9};
                }
            }
            System.out.printf(Locale.ROOT, "upload of %,d MB: one raw POST %.2f s, Uploads API (16 MB parts, 2 at a"
                    + " time, SHA-256 first) %.2f s: %.2fx the raw POST's speed; of that: SHA-256 %.2f s (timed apart),"
                    + " create and parts %.2f s, complete (the server joins the parts) %.2f s%n",
                    size >> 20, raw, parts, raw / parts, phases[0], phases[1], phases[2]);
        }
    }

    /** How long SHA-256 of the file takes, as the upload computes it before it sends anything. */
    private static double sha256Seconds(Path file) throws Exception {
        long t0 = System.nanoTime();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        md.digest();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void follow() throws Exception {
        double speed = 2_000; // 2 hours of virtual time in 3.6 s
        Path dir = Files.createTempDirectory("follow-bench");
        // enough examples and epochs that the backend's clock makes the job run about two virtual hours
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 400)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" a" + (i % 7) + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        FollowOptions virtual = FollowOptions.defaults();
        FollowOptions scaled = new FollowOptions(scale(virtual.runningInterval(), speed),
                scale(virtual.waitingInterval(), speed), virtual.pageSize(), Integer.MAX_VALUE);
        try (LocalOpenAi local = LocalOpenAi.builder().speed(speed).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("bench").baseUrl(local.baseUrl())
                     .follow(scaled).build()) {
            FileInfo f = api.files().upload(train);
            Job job = api.jobs().create(JobRequest.builder("davinci-002", f.id())
                    .hyperparameters(Hyperparameters.auto().withEpochs(25).withBatchSize(1)).build());
            AtomicLong events = new AtomicLong();
            long before = api.requestsSent();
            long t0 = System.nanoTime();
            Job done = api.follower().follow(job.id(), FollowListener.of(e -> events.incrementAndGet()));
            double wall = (System.nanoTime() - t0) / 1e9;
            long requests = api.requestsSent() - before;
            double virtualHours = wall * speed / 3600;
            System.out.printf(Locale.ROOT, "follow of a job of %.1f virtual hours (%s, %,d events): %.1f s of wall"
                    + " time, %,d requests (%.1f a virtual minute; the budget allows %d)%n",
                    virtualHours, done.status(), events.get(), wall, requests, requests / (virtualHours * 60),
                    FollowOptions.DEFAULT_MAX_REQUESTS_PER_MINUTE);
        }
    }

    private static Duration scale(Duration d, double speed) {
        return Duration.ofNanos((long) (d.toNanos() / speed));
    }
}
