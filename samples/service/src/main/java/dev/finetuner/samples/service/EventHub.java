package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open event streams of each job. The database is the only source of what a stream sends: a signal ("job X
 * changed") makes each of its streams send what the database holds after what it sent last, on a thread of the
 * hub's own, never the follower's, so a slow client cannot hold up following.
 */
@Component
class EventHub implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    /** How long a stream stays open at most; a client reconnects with Last-Event-ID. */
    static final Duration STREAM_TIMEOUT = Duration.ofHours(1);

    private final JobStore store;
    private final ObjectMapper json;
    private final Map<String, Set<Stream>> streams = new ConcurrentHashMap<>();
    private final ExecutorService senders;
    private volatile boolean running;

    EventHub(JobStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
        AtomicInteger n = new AtomicInteger();
        this.senders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sse-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens a stream of the job's events after the one at {@code afterSeq} (0: from the first), ending with an
     * {@code end} event once the job is followed to its end.
     */
    SseEmitter open(String jobId, int afterSeq) {
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT.toMillis());
        Stream stream = new Stream(jobId, emitter, afterSeq);
        streams.computeIfAbsent(jobId, k -> ConcurrentHashMap.newKeySet()).add(stream);
        emitter.onCompletion(stream::close);
        emitter.onTimeout(stream::close);
        emitter.onError(e -> stream.close());
        senders.execute(stream::drain);
        return emitter;
    }

    /** Something of the job changed in the database: its streams send what is new. */
    void signal(String jobId) {
        Set<Stream> s = streams.get(jobId);
        if (s != null) {
            for (Stream stream : s) {
                try {
                    senders.execute(stream::drain);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    return;
                }
            }
        }
    }

    /** One client's stream: sends in order, never twice, on whichever sender thread drains it. */
    private final class Stream {
        private final String jobId;
        private final SseEmitter emitter;
        private int lastSeq;
        private boolean closed;

        Stream(String jobId, SseEmitter emitter, int afterSeq) {
            this.jobId = jobId;
            this.emitter = emitter;
            this.lastSeq = afterSeq;
        }

        synchronized void drain() {
            if (closed) {
                return;
            }
            try {
                // the row first: when it says "followed", every event is already stored and is read below
                JobStore.JobRow row = store.find(jobId).orElseThrow();
                for (JobStore.StoredEvent e : store.eventsAfter(jobId, lastSeq)) {
                    emitter.send(SseEmitter.event().id(e.eventId()).name("job-event")
                            .data(eventJson(e), MediaType.APPLICATION_JSON));
                    lastSeq = e.seq();
                }
                if (row.followed()) {
                    ObjectNode end = json.createObjectNode();
                    end.put("status", row.status());
                    end.put("fine_tuned_model", row.fineTunedModel());
                    end.put("error", row.error());
                    emitter.send(SseEmitter.event().name("end").data(end.toString(), MediaType.APPLICATION_JSON));
                    emitter.complete();
                    close();
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("event stream of {} closed: {}", jobId, e.toString());
                emitter.completeWithError(e);
                close();
            }
        }

        synchronized void close() {
            closed = true;
            Set<Stream> s = streams.get(jobId);
            if (s != null) {
                s.remove(this);
            }
        }
    }

    private String eventJson(JobStore.StoredEvent e) {
        ObjectNode o = json.createObjectNode();
        o.put("id", e.eventId());
        o.put("created_at", e.createdAt());
        o.put("level", e.level());
        o.put("type", e.type());
        o.put("message", e.message());
        if (e.metrics() != null) {
            try {
                o.set("metrics", json.readTree(e.metrics()));
            } catch (IOException bad) {
                throw new IllegalStateException("stored metrics of " + e.eventId() + " are not JSON", bad);
            }
        }
        return o.toString();
    }

    @Override
    public void start() {
        running = true;
    }

    /** Ends every open stream (clients reconnect with Last-Event-ID) and stops the sender threads. */
    @Override
    public void stop() {
        running = false;
        streams.values().forEach(set -> set.forEach(s -> s.emitter.complete()));
        streams.clear();
        senders.shutdown();
        try {
            senders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
