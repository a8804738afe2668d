package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetuner.service.Job;
import dev.finetuner.service.JobEvent;
import dev.finetuner.service.JobStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The service's memory, in its database through Spring's JDBC: the jobs it started, each job's events in the
 * order they were delivered, and the last event delivered, which is where following resumes after a restart.
 * An event and the cursor after it are written in one transaction, so a restart neither loses nor repeats one.
 */
@Repository
class JobStore {
    private static final String TERMINAL = "('succeeded', 'failed', 'cancelled')";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final ObjectMapper json;
    private final Clock clock = Clock.systemUTC();

    JobStore(JdbcClient jdbc, TransactionTemplate tx, ObjectMapper json) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.json = json;
    }

    /** A job as stored. */
    record JobRow(String id, String model, String fileName, String status, String fineTunedModel, String error,
                  String lastEventId, boolean followed, int repeatedEvents, String lastWebhookId, long createdAt,
                  long updatedAt) {
        boolean terminal() {
            return JobStatus.of(status).isTerminal();
        }
    }

    /** An event as stored: its place in the job's stream, and the event. */
    record StoredEvent(int seq, String eventId, long createdAt, String level, String type, String message,
                       String metrics) {
    }

    void insert(Job job, String fileName) {
        long now = clock.millis();
        jdbc.sql("INSERT INTO fine_tune_job (id, model, file_name, status, followed, repeated_events, created_at, updated_at)"
                        + " VALUES (?, ?, ?, ?, FALSE, 0, ?, ?)")
                .params(job.id(), job.model(), fileName, job.status().asString(), now, now).update();
    }

    Optional<JobRow> find(String id) {
        return jdbc.sql("SELECT * FROM fine_tune_job WHERE id = ?").param(id).query(JobStore::jobRow).optional();
    }

    /** The jobs not yet followed to their end, oldest first: the ones to resume. */
    List<JobRow> unfollowed() {
        return jdbc.sql("SELECT * FROM fine_tune_job WHERE followed = FALSE ORDER BY created_at").query(JobStore::jobRow).list();
    }

    /**
     * Stores an event after the job's others and moves the cursor to it, in one transaction. An event already
     * stored is not stored again but counted in {@code repeated_events}: the follower promises none, and a
     * count that is not 0 would say it broke that promise.
     */
    void addEvent(String jobId, JobEvent e) {
        tx.executeWithoutResult(status -> {
            boolean known = jdbc.sql("SELECT COUNT(*) FROM fine_tune_event WHERE job_id = ? AND event_id = ?")
                    .params(jobId, e.id()).query(Integer.class).single() > 0;
            if (known) {
                jdbc.sql("UPDATE fine_tune_job SET repeated_events = repeated_events + 1 WHERE id = ?").param(jobId).update();
                return;
            }
            int seq = jdbc.sql("SELECT COALESCE(MAX(seq), 0) + 1 FROM fine_tune_event WHERE job_id = ?")
                    .param(jobId).query(Integer.class).single();
            jdbc.sql("INSERT INTO fine_tune_event (job_id, seq, event_id, created_at, level, type, message, metrics)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(jobId, seq, e.id(), e.createdAt().getEpochSecond(), e.level(), e.type().orElse(null),
                            abbreviate(e.message(), 4000), e.metrics().map(this::metricsJson).orElse(null))
                    .update();
            jdbc.sql("UPDATE fine_tune_job SET last_event_id = ?, updated_at = ? WHERE id = ?")
                    .params(e.id(), clock.millis(), jobId).update();
        });
    }

    /** Stores the job's status; an ended job's status is never overwritten (a late poll cannot undo a webhook). */
    void status(Job job) {
        jdbc.sql("UPDATE fine_tune_job SET status = ?, fine_tuned_model = ?, error = ?, updated_at = ?"
                        + " WHERE id = ? AND status NOT IN " + TERMINAL)
                .params(job.status().asString(), job.fineTunedModel().orElse(null),
                        job.error().map(err -> abbreviate(err.code() + ": " + err.message(), 2000)).orElse(null),
                        clock.millis(), job.id())
                .update();
    }

    /** Marks the job as followed to its end: nothing is left to resume. */
    void followed(Job job) {
        status(job);
        jdbc.sql("UPDATE fine_tune_job SET followed = TRUE, updated_at = ? WHERE id = ?").params(clock.millis(), job.id()).update();
    }

    void webhook(String jobId, String webhookId) {
        jdbc.sql("UPDATE fine_tune_job SET last_webhook_id = ?, updated_at = ? WHERE id = ?")
                .params(webhookId, clock.millis(), jobId).update();
    }

    List<StoredEvent> eventsAfter(String jobId, int seq) {
        return jdbc.sql("SELECT seq, event_id, created_at, level, type, message, metrics FROM fine_tune_event"
                + " WHERE job_id = ? AND seq > ? ORDER BY seq").params(jobId, seq).query(JobStore::storedEvent).list();
    }

    /** {@return the place of an event in the job's stream, if this service stored it} */
    Optional<Integer> seqOf(String jobId, String eventId) {
        return jdbc.sql("SELECT seq FROM fine_tune_event WHERE job_id = ? AND event_id = ?").params(jobId, eventId)
                .query(Integer.class).optional();
    }

    int eventCount(String jobId) {
        return jdbc.sql("SELECT COUNT(*) FROM fine_tune_event WHERE job_id = ?").param(jobId).query(Integer.class).single();
    }

    // explicit mappers: the reflective one probes camelCase column names first, which H2 logs as errors
    private static JobRow jobRow(ResultSet r, int row) throws SQLException {
        return new JobRow(r.getString("id"), r.getString("model"), r.getString("file_name"), r.getString("status"),
                r.getString("fine_tuned_model"), r.getString("error"), r.getString("last_event_id"),
                r.getBoolean("followed"), r.getInt("repeated_events"), r.getString("last_webhook_id"),
                r.getLong("created_at"), r.getLong("updated_at"));
    }

    private static StoredEvent storedEvent(ResultSet r, int row) throws SQLException {
        return new StoredEvent(r.getInt("seq"), r.getString("event_id"), r.getLong("created_at"), r.getString("level"),
                r.getString("type"), r.getString("message"), r.getString("metrics"));
    }

    private String metricsJson(JobEvent.Metrics m) {
        ObjectNode o = json.createObjectNode();
        put(o, "step", m.step());
        put(o, "total_steps", m.totalSteps());
        put(o, "train_loss", m.trainLoss());
        put(o, "train_mean_token_accuracy", m.trainMeanTokenAccuracy());
        put(o, "valid_loss", m.validLoss());
        put(o, "valid_mean_token_accuracy", m.validMeanTokenAccuracy());
        put(o, "full_valid_loss", m.fullValidLoss());
        put(o, "full_valid_mean_token_accuracy", m.fullValidMeanTokenAccuracy());
        return o.toString();
    }

    private static void put(ObjectNode o, String name, OptionalLong v) {
        v.ifPresent(x -> o.put(name, x));
    }

    private static void put(ObjectNode o, String name, OptionalDouble v) {
        v.ifPresent(x -> o.put(name, x));
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
