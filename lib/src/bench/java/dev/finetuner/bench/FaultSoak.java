package dev.finetuner.bench;

import dev.finetuner.local.FaultPlan;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.JobStatus;
import dev.finetuner.service.OpenAiConnection;
import dev.finetuner.service.RetryEvent;
import dev.finetuner.service.RetryPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Fault soak: N jobs on the embedded backend with ~10% of requests failing (429 with Retry-After, 500,
 * 503, dropped connections) and some slow responses, every job followed to its end; checks that each
 * job's events arrive exactly once and in order (against the backend's own list) and that every job
 * ends in its true final status, and reports the retries. Bounded in jobs and time; stops by itself.
 *
 * <pre>
 * mvn -q -pl lib -Pbench test-compile exec:exec -Dbench.main=dev.finetuner.bench.FaultSoak -Dbench.args="--jobs 200"
 * </pre>
 */
public final class FaultSoak {
    public static void main(String[] args) throws Exception {
        int jobs = 200;
        int threads = 16;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("soak");
        Path train = Files.writeString(dir.resolve("train.jsonl"), IntStream.range(0, 40)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " ->\",\"completion\":\" " + (i % 2 == 0 ? "a" : "b") + "\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
        FaultPlan faults = FaultPlan.builder().seed(3)
                .rateLimit("GET /v1/fine_tuning/jobs", Duration.ofMillis(20), FaultPlan.probability(0.04))
                .serverError("GET /v1/fine_tuning/jobs", 500, FaultPlan.probability(0.03))
                .serverError("GET /v1/fine_tuning/jobs", 503, FaultPlan.probability(0.01))
                .dropConnection("GET /v1/fine_tuning/jobs", FaultPlan.probability(0.02))
                .delay("GET /v1/fine_tuning/jobs", Duration.ofMillis(30), FaultPlan.probability(0.02))
                .failJobs(FaultPlan.probability(0.05))
                .build();
        long t0 = System.nanoTime();
        try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.FAST).faults(faults).build();
             OpenAiConnection api = OpenAiConnection.builder().apiKey("soak").baseUrl(local.baseUrl())
                     .retry(RetryPolicy.builder().maxAttempts(10).initialBackoff(Duration.ofMillis(5))
                             .maxBackoff(Duration.ofMillis(100)).maxRetryAfter(Duration.ofMillis(50)).build())
                     .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(20))
                             .withMaxRequestsPerMinute(100_000)).build()) {
            FileInfo file = api.files().upload(train);
            AtomicInteger retries = new AtomicInteger();
            AtomicInteger duplicates = new AtomicInteger();
            AtomicInteger misordered = new AtomicInteger();
            AtomicInteger wrongStatus = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                futures.add(pool.submit(() -> {
                    Job job = api.jobs().create(JobRequest.builder("babbage-002", file.id())
                            .hyperparameters(Hyperparameters.auto().withEpochs(2).withBatchSize(4)).build());
                    List<String> seen = new ArrayList<>();
                    Job done = api.follower().follow(job.id(), new FollowListener() {
                        @Override
                        public void onEvent(JobEvent e) {
                            seen.add(e.id());
                        }

                        @Override
                        public void onRetry(RetryEvent r) {
                            retries.incrementAndGet();
                        }
                    });
                    List<String> truth = api.jobs().allEvents(job.id()).stream().map(JobEvent::id).toList();
                    if (seen.stream().distinct().count() != seen.size()) {
                        duplicates.incrementAndGet();
                    }
                    if (!seen.equals(truth)) {
                        misordered.incrementAndGet();
                    }
                    Job truthJob = api.jobs().retrieve(job.id());
                    if (!truthJob.status().equals(done.status()) || !done.status().isTerminal()) {
                        wrongStatus.incrementAndGet();
                    }
                    if (done.status().equals(JobStatus.FAILED)) {
                        failed.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            System.out.printf(Locale.ROOT, "fault soak: %d jobs in %.1f s on %d threads; failed by plan %d; "
                            + "jobs with duplicated events %d, with missing or misordered events %d, with a wrong final "
                            + "status %d; retries %d (%.1f per job)%n", jobs, (System.nanoTime() - t0) / 1e9, threads,
                    failed.get(), duplicates.get(), misordered.get(), wrongStatus.get(), retries.get(),
                    retries.get() / (double) jobs);
        }
    }
}
