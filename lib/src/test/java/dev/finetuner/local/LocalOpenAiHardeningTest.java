package dev.finetuner.local;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend under abuse: malformed bodies, wrong keys and a thousand requests at once. */
class LocalOpenAiHardeningTest {

    private static Set<String> ourThreads() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("local-openai")).forEach(names::add);
        return names;
    }

    @Test
    void malformed_json_and_multipart_get_400_with_the_api_error_shape() {
        try (LocalOpenAi local = LocalOpenAi.start()) {
            // when
            HttpResponse<String> json = Raw.send(Raw.request(local.baseUrl() + "/fine_tuning/jobs", "k")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\": ")).build());
            HttpResponse<String> multipart = Raw.send(Raw.request(local.baseUrl() + "/files", "k")
                    .header("Content-Type", "multipart/form-data; boundary=xyz")
                    .POST(HttpRequest.BodyPublishers.ofString("--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ntrunc"))
                    .build());
            // then
            assertThat(json.statusCode()).isEqualTo(400);
            assertThat(json.body()).contains("\"error\"").contains("\"message\"");
            assertThat(multipart.statusCode()).isEqualTo(400);
            assertThat(multipart.body()).contains("\"error\"");
        }
    }

    @Test
    void a_thousand_concurrent_requests_with_good_and_wrong_keys_get_the_right_answers_and_leave_no_thread()
            throws Exception {
        Set<String> before = ourThreads();
        Map<Integer, AtomicInteger> codes = new ConcurrentHashMap<>();
        try (LocalOpenAi local = LocalOpenAi.builder().apiKey("right").build()) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    int n = i;
                    futures.add(pool.submit(() -> {
                        String key = n % 10 == 0 ? "wrong" : "right";
                        String path = switch (n % 4) {
                            case 0 -> "/models";
                            case 1 -> "/files";
                            case 2 -> "/fine_tuning/jobs";
                            default -> "/fine_tuning/jobs/ftjob-nope";
                        };
                        HttpResponse<String> r = Raw.send(HttpRequest.newBuilder(URI.create(local.baseUrl() + path))
                                .header("Authorization", "Bearer " + key).GET().build());
                        codes.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        // then: the 100 wrong keys refused (all on the first three paths), the unknown job 404, the rest 200
        assertThat(codes.get(401).get()).isEqualTo(100);
        assertThat(codes.get(404).get()).isEqualTo(250);
        assertThat(codes.get(200).get()).isEqualTo(650);
        assertThat(codes.keySet()).containsOnly(200, 401, 404);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!before.containsAll(ourThreads()) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(ourThreads()).isSubsetOf(before);
    }
}
