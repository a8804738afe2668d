package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetuner.FineTuner;
import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.JobEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service stopped while a job runs and started again on the same H2 file database: it resumes following
 * from the last event it stored and delivers each event exactly once. The backend runs on outside the service,
 * as OpenAI does while a service restarts.
 */
class FineTuneServiceRestartTest {
    @TempDir
    Path dir;
    private LocalOpenAi backend;
    private FineTuner observer;
    private ConfigurableApplicationContext service;

    @BeforeEach
    void startBackend() {
        // slow enough that a job of 400 examples runs for some seconds: the restart falls in its middle
        backend = LocalOpenAi.builder().speed(40).build();
        observer = FineTuner.builder().baseUrl(backend.baseUrl()).apiKey("test").build();
    }

    @AfterEach
    void stopAll() {
        if (service != null) {
            service.close();
        }
        observer.close();
        backend.close();
    }

    private String dbUrl() {
        return "jdbc:h2:file:" + dir.resolve("service").toAbsolutePath();
    }

    private Http start() {
        service = new SpringApplicationBuilder(FineTuneServiceApplication.class).run(
                "--server.port=0", "--spring.datasource.url=" + dbUrl(),
                "--finetuner.base-url=" + backend.baseUrl(), "--finetuner.api-key=test", "--finetuner.webhook-secret=",
                "--finetuner.poll-interval=20ms", "--finetuner.max-requests-per-minute=100000");
        return new Http(Integer.parseInt(service.getEnvironment().getProperty("local.server.port")));
    }

    /** The stored events' ids in stream order, and the job's cursor, read from the database file itself. */
    private record Stored(List<String> eventIds, String lastEventId, boolean followed) {
    }

    private Stored stored(String jobId) throws SQLException {
        try (Connection c = DriverManager.getConnection(dbUrl(), "sa", "")) {
            List<String> ids = new ArrayList<>();
            try (ResultSet r = c.createStatement().executeQuery(
                    "SELECT event_id FROM fine_tune_event WHERE job_id = '" + jobId + "' ORDER BY seq")) {
                while (r.next()) {
                    ids.add(r.getString(1));
                }
            }
            try (ResultSet r = c.createStatement().executeQuery(
                    "SELECT last_event_id, followed FROM fine_tune_job WHERE id = '" + jobId + "'")) {
                r.next();
                return new Stored(ids, r.getString(1), r.getBoolean(2));
            }
        }
    }

    private List<String> backendEventIds(String jobId) {
        return observer.connection().jobs().allEvents(jobId).stream().map(JobEvent::id).toList();
    }

    @Test
    void a_restarted_service_resumes_following_after_the_last_stored_event_and_delivers_each_event_once() throws Exception {
        // given: a job followed until a few of its events are stored
        Http http = start();
        Http.Answer created = http.upload("reviews.csv", Datasets.reviewsCsv(400));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> http.job(id).get("events").asInt() >= 3);

        // when: the service stops in the middle of the job
        service.close();
        service = null;
        Stored before = stored(id);
        assertThat(before.followed()).as("stopped before the job's end was followed").isFalse();
        assertThat(before.lastEventId()).isEqualTo(before.eventIds().get(before.eventIds().size() - 1));
        // the job goes on meanwhile, so the restarted service has events to catch up on
        await().atMost(Duration.ofSeconds(60)).until(() -> backendEventIds(id).size() > before.eventIds().size());

        // and starts again on the same database
        Http again = start();
        await().atMost(Duration.ofSeconds(60)).until(() -> again.job(id).get("followed").asBoolean());

        // then: the events stored before the restart are kept as they were, the rest follow them, none twice
        List<String> all = backendEventIds(id);
        Stored after = stored(id);
        assertThat(after.eventIds()).isEqualTo(all).doesNotHaveDuplicates();
        assertThat(after.eventIds().subList(0, before.eventIds().size())).isEqualTo(before.eventIds());
        assertThat(after.lastEventId()).isEqualTo(all.get(all.size() - 1));
        JsonNode job = again.job(id);
        assertThat(job.get("status").asText()).isEqualTo("succeeded");
        assertThat(job.get("repeatedEvents").asInt()).as("events the follower handed over twice").isZero();
        // and a client that saw the events up to the restart resumes its stream with no gap and no repeat
        Http.Answer rest = again.get("/fine-tunes/" + id + "/events", Map.of("Last-Event-ID", before.lastEventId()));
        assertThat(Sse.jobEventIds(Sse.parse(rest.body()))).isEqualTo(all.subList(before.eventIds().size(), all.size()));
    }
}
