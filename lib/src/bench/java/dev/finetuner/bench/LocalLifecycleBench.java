package dev.finetuner.bench;

import com.openai.models.completions.CompletionCreateParams;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.FileInfo;
import dev.finetuner.service.FollowListener;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.Hyperparameters;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobRequest;
import dev.finetuner.service.OpenAiConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The embedded backend's lifecycle benchmark: upload 1,000 examples, train 3 epochs at the fastest
 * clock, follow to the end and ask 100 completions, through our service layer; then completions per
 * second on one and on all cores.
 *
 * <pre>
 * mvn -q -pl lib -Pbench test-compile exec:exec -Dbench.main=dev.finetuner.bench.LocalLifecycleBench -Dbench.args=""
 * </pre>
 */
public final class LocalLifecycleBench {
    private static final String[] TOPICS = {"vpn", "printer", "password", "laptop", "email", "wifi"};

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("local-bench");
        Path train = dir.resolve("train.jsonl");
        Files.writeString(train, IntStream.range(0, 1000).mapToObj(i -> "{\"prompt\":\"ticket " + i + ": my "
                + TOPICS[i % TOPICS.length] + " stopped working again today ->\",\"completion\":\" "
                + TOPICS[i % TOPICS.length] + "\\n\"}").collect(Collectors.joining("\n", "", "\n")));
        for (int round = 0; round < 2; round++) { // the first round warms the JIT
            try (LocalOpenAi local = LocalOpenAi.builder().speed(LocalOpenAi.MAX_SPEED).build();
                 OpenAiConnection api = OpenAiConnection.builder().apiKey("bench").baseUrl(local.baseUrl())
                         .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10))
                                 .withMaxRequestsPerMinute(100_000)).build()) {
                long t0 = System.nanoTime();
                FileInfo file = api.files().upload(train);
                Job job = api.jobs().create(JobRequest.builder("davinci-002", file.id())
                        .hyperparameters(Hyperparameters.auto().withEpochs(3)).build());
                Job done = api.follower().follow(job.id(), FollowListener.NONE);
                String model = done.fineTunedModel().orElseThrow();
                int correct = 0;
                for (int i = 0; i < 100; i++) {
                    String topic = TOPICS[i % TOPICS.length];
                    String answer = complete(api, model, "ticket " + (5000 + i) + ": my " + topic
                            + " stopped working again today ->");
                    correct += answer.strip().equals(topic) ? 1 : 0;
                }
                double lifecycle = (System.nanoTime() - t0) / 1e9;
                int calls = 2000;
                long t1 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    complete(api, model, "ticket " + i + ": my printer stopped working again today ->");
                }
                double oneThread = calls / ((System.nanoTime() - t1) / 1e9);
                int threads = Runtime.getRuntime().availableProcessors() * 2;
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long t2 = System.nanoTime();
                Future<?>[] fs = new Future<?>[threads];
                for (int t = 0; t < threads; t++) {
                    fs[t] = pool.submit(() -> {
                        for (int i = 0; i < calls / threads; i++) {
                            complete(api, model, "ticket " + i + ": my wifi stopped working again today ->");
                        }
                    });
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double parallel = (calls / threads * threads) / ((System.nanoTime() - t2) / 1e9);
                pool.shutdown();
                System.out.printf(Locale.ROOT, "round %d: lifecycle (upload 1,000, train 3 epochs, 100 completions)"
                                + " %.2f s, %d/100 correct; completions/s: %.0f on 1 thread, %.0f on %d threads%n",
                        round + 1, lifecycle, correct, oneThread, parallel, threads);
            }
        }
    }

    private static String complete(OpenAiConnection api, String model, String prompt) {
        return api.client().completions().create(CompletionCreateParams.builder().model(model).prompt(prompt)
                .maxTokens(5L).temperature(0.0).stop("\n").build()).choices().get(0).text();
    }
}
