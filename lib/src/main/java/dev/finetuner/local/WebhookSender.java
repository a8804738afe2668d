package dev.finetuner.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Delivers a job's end ({@code fine_tuning.job.succeeded}, {@code .failed}, {@code .cancelled}) as a webhook
 * signed the Standard Webhooks way, as OpenAI does, from one thread of its own: the job runner only hands the
 * job over. A delivery answered with anything but 2xx, or not answered, is retried with doubling backoff up to
 * {@link #ATTEMPTS} times, with the same {@code webhook-id} and a fresh timestamp and signature each time.
 * Signing is written here with the JDK's {@code Mac}: this package may not use the library's verifier.
 */
final class WebhookSender {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    static final int ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final URI url;
    private final byte[] key;
    private final ScheduledExecutorService thread;

    WebhookSender(URI url, String secret, ThreadFactory threads) {
        this.url = url;
        this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, threads);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
    }

    /** A new secret in the {@code whsec_<base64 of 32 random bytes>} form. */
    static String newSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return "whsec_" + Base64.getEncoder().encodeToString(b);
    }

    /** Checks a configured secret's form, without showing it. */
    static String checkSecret(String secret) {
        if (secret == null || !secret.startsWith("whsec_")) {
            throw new IllegalArgumentException("the webhook secret must be whsec_ followed by base64");
        }
        try {
            if (Base64.getDecoder().decode(secret.substring(6)).length == 0) {
                throw new IllegalArgumentException("the webhook secret is empty after whsec_");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the webhook secret must be whsec_ followed by base64");
        }
        return secret;
    }

    /** Checks that the URL is http(s) to a loopback address: the backend talks to this machine only. */
    static URI checkUrl(URI url) {
        if (url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null) {
            throw new IllegalArgumentException("the webhook URL must be http(s)://host:port/path, was " + url);
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(url.getHost())) {
                if (!a.isLoopbackAddress()) {
                    throw new IllegalArgumentException("the webhook URL must be on loopback, as the backend is; "
                            + url.getHost() + " is " + a.getHostAddress());
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("the webhook URL's host is unknown: " + url.getHost());
        }
        return url;
    }

    /** Queues the webhook of a job that just ended; the caller holds the job's lock, so this only builds the body. */
    void ended(Job job) {
        ObjectNode event = Json.object();
        String id = Ids.next("evt_");
        event.put("object", "event");
        event.put("id", id);
        event.put("type", "fine_tuning.job." + job.status);
        event.put("created_at", job.finishedAt != null ? job.finishedAt : job.createdAt);
        event.putObject("data").put("id", job.id);
        byte[] body = Json.bytes(event);
        try {
            thread.execute(() -> deliver(id, body, 1));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("webhook {} for {} not sent: the backend is closing", id, job.id);
        }
    }

    private void deliver(String id, byte[] body, int attempt) {
        int status = -1;
        String problem;
        try {
            status = post(id, body);
            if (status / 100 == 2) {
                log.debug("webhook {} delivered to {} (attempt {})", id, url, attempt);
                return;
            }
            problem = "HTTP " + status;
        } catch (IOException e) {
            problem = e.toString();
        }
        if (attempt >= ATTEMPTS || thread.isShutdown()) {
            log.warn("webhook {} to {} given up after {} attempts: {}", id, url, attempt, problem);
            return;
        }
        long delay = FIRST_BACKOFF.toMillis() << (attempt - 1);
        log.debug("webhook {} to {} failed ({}), attempt {} in {} ms", id, url, problem, attempt + 1, delay);
        try {
            thread.schedule(() -> deliver(id, body, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("webhook {} not retried: the backend is closing", id);
        }
    }

    private int post(String id, byte[] body) throws IOException {
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(java.net.Proxy.NO_PROXY);
        try {
            c.setConnectTimeout((int) TIMEOUT.toMillis());
            c.setReadTimeout((int) TIMEOUT.toMillis());
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty("User-Agent", "LocalOpenAi-Webhooks");
            c.setRequestProperty("webhook-id", id);
            c.setRequestProperty("webhook-timestamp", timestamp);
            c.setRequestProperty("webhook-signature", "v1," + sign(id, timestamp, body));
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return status;
        } finally {
            c.disconnect();
        }
    }

    private String sign(String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    /** Stops the thread; a delivery under way is interrupted and no retry runs. */
    void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
