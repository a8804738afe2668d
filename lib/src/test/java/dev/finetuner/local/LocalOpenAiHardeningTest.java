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
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend under abuse: malformed bodies, wrong keys and a thousand requests at once. */
class LocalOpenAiHardeningTest {

    /** The live threads of local backends. */
    private static Set<Thread> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("local-openai")).collect(Collectors.toSet());
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
        Set<Thread> before = ourThreads();
        Map<Integer, AtomicInteger> codes = new ConcurrentHashMap<>();
        Set<Thread> started;
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
            started = ourThreads();
            started.removeAll(before);
        }
        // then: the 100 wrong keys refused (all on the first three paths), the unknown job 404, the rest 200
        assertThat(codes.get(401).get()).isEqualTo(100);
        assertThat(codes.get(404).get()).isEqualTo(250);
        assertThat(codes.get(200).get()).isEqualTo(650);
        assertThat(codes.keySet()).containsOnly(200, 401, 404);
        // close() has stopped the pools; a worker may still be on its way out, so each is joined, with a bound
        assertThat(started).isNotEmpty();
        for (Thread t : started) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(started).filteredOn(Thread::isAlive).extracting(Thread::getName).isEmpty();
        assertThat(ourThreads()).isSubsetOf(before);
    }
}
