package dev.finetuner.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for the jobs and events endpoints whose job moves on as it is polled: each
 * retrieve runs a script step (add events, change status), so the follower sees a job progress the way
 * the real API shows it. Events are listed newest first and paged back with {@code after}, as the API
 * does. Faults: the next N requests answer 500, or are dropped.
 */
final class FakeJobsApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // without it the JDK server waits for delayed ACKs: about 40 ms a response
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<String[]> events = new ArrayList<>(); // {id, message, type}, oldest first
    private final AtomicInteger retrieves = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger dropNext = new AtomicInteger();
    private final Map<String, Integer> eventPageRequests = new HashMap<>();
    private volatile String status = "validating_files";
    private volatile IntConsumer script = poll -> { };
    private volatile LongSupplier clock = System::nanoTime;
    private final List<Long> requestTimes = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> requestsPerJob = new ConcurrentHashMap<>();
    private int nextEvent = 1;

    FakeJobsApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/fine_tuning/jobs/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Runs on every retrieve, with the retrieve's number from 1. */
    void script(IntConsumer step) {
        this.script = step;
    }

    synchronized String addEvent(String message) {
        String id = String.format("ftevent-%05d", nextEvent++);
        events.add(new String[] {id, message, "message"});
        return id;
    }

    synchronized String addMetrics(int step, double loss) {
        String id = String.format("ftevent-%05d", nextEvent++);
        events.add(new String[] {id, "Step " + step + ": training loss=" + loss, "metrics:" + step + ":" + loss});
        return id;
    }

    void status(String s) {
        this.status = s;
    }

    void failNext(int n) {
        failNext.set(n);
    }

    void dropNext(int n) {
        dropNext.set(n);
    }

    int requests() {
        return requests.get();
    }

    /** Requests about one job (its retrieves and event pages). */
    int requests(String jobId) {
        AtomicInteger n = requestsPerJob.get(jobId);
        return n == null ? 0 : n.get();
    }

    /** Reads the time of each request from {@code clock} (a test's manual clock). */
    void clock(LongSupplier clock) {
        this.clock = clock;
    }

    /** When each request came, on the clock. */
    List<Long> requestTimes() {
        return List.copyOf(requestTimes);
    }

    int retrieves() {
        return retrieves.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        requestTimes.add(clock.getAsLong());
        requestsPerJob.computeIfAbsent(ex.getRequestURI().getPath().split("/")[4], k -> new AtomicInteger())
                .incrementAndGet();
        try (ex) {
            if (dropNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                ex.getResponseBody().close(); // nothing sent: the client sees the connection end
                return;
            }
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ex, 500, "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\","
                        + "\"param\":null,\"code\":null}}");
                return;
            }
            String path = ex.getRequestURI().getPath();
            String[] parts = path.split("/");
            String jobId = parts[4];
            if (parts.length == 6 && parts[5].equals("events")) {
                send(ex, 200, eventsPage(ex.getRequestURI().getRawQuery()));
            } else {
                script.accept(retrieves.incrementAndGet());
                send(ex, 200, job(jobId));
            }
        }
    }

    private synchronized String eventsPage(String rawQuery) {
        Map<String, String> q = new HashMap<>();
        if (rawQuery != null) {
            for (String kv : rawQuery.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        int limit = Integer.parseInt(q.getOrDefault("limit", "20"));
        int start = events.size() - 1; // newest
        if (q.containsKey("after")) {
            start = -1;
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i)[0].equals(q.get("after"))) {
                    start = i - 1;
                }
            }
        }
        ObjectNode page = JSON.createObjectNode().put("object", "list");
        ArrayNode data = page.putArray("data");
        int i = start;
        for (; i >= 0 && data.size() < limit; i--) {
            String[] e = events.get(i);
            ObjectNode o = data.addObject().put("object", "fine_tuning.job.event").put("id", e[0])
                    .put("created_at", 1_700_000_000 + i).put("level", "info").put("message", e[1]);
            if (e[2].startsWith("metrics:")) {
                String[] m = e[2].split(":");
                o.put("type", "metrics");
                o.putObject("data").put("step", Integer.parseInt(m[1])).put("train_loss", Double.parseDouble(m[2]))
                        .put("total_steps", 100);
            } else {
                o.put("type", "message");
                o.putNull("data");
            }
        }
        page.put("has_more", i >= 0);
        return page.toString();
    }

    private String job(String id) {
        ObjectNode j = JSON.createObjectNode().put("id", id).put("object", "fine_tuning.job")
                .put("created_at", 1_700_000_000).put("model", "davinci-002").put("organization_id", "org-test")
                .put("seed", 42).put("training_file", "file-train").put("status", status);
        j.putObject("hyperparameters").put("n_epochs", "auto").put("batch_size", "auto")
                .put("learning_rate_multiplier", "auto");
        j.putArray("result_files");
        if (status.equals("succeeded")) {
            j.put("fine_tuned_model", "ft:davinci-002:org-test::abc123").put("finished_at", 1_700_000_900);
        }
        if (status.equals("failed")) {
            j.putObject("error").put("code", "invalid_training_file").put("message", "line 3 is broken")
                    .put("param", "training_file");
        }
        return j.toString();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("x-request-id", "req_fake");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
