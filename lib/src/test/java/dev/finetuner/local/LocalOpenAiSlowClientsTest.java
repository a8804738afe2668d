package dev.finetuner.local;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send a request slowly (a slow-loris attack, or a stalled network) neither starve the others nor hold
 * the backend's workers for ever.
 */
class LocalOpenAiSlowClientsTest {
    private static final int SLOW_CLIENTS = 64;

    /** Opens {@code n} connections, each sending {@code start} and then nothing more. */
    private static List<Socket> stalled(LocalOpenAi local, int n, String start) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), local.port());
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(start.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return sockets;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all that is left to do
            }
        }
    }

    /** Lists the models as a normal client does; fails the test if that takes over 3 seconds. */
    private static HttpResponse<String> normalRequest(LocalOpenAi local) throws Exception {
        return CompletableFuture.supplyAsync(() -> Raw.get(local.baseUrl() + "/models", "k")).get(3, TimeUnit.SECONDS);
    }

    /** What the server does to a stalled connection within {@code wait}: "closed", or "open" if nothing. */
    private static String fate(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        InputStream in = s.getInputStream();
        try {
            int b = in.read();
            return b < 0 ? "closed" : "answered " + (char) b;
        } catch (SocketTimeoutException e) {
            return "open";
        } catch (SocketException e) {
            return "closed"; // reset
        }
    }

    @Test
    void slow_header_senders_do_not_delay_another_client() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).build()) {
            // given 64 connections stalled in the middle of their headers
            List<Socket> slow = stalled(local, SLOW_CLIENTS, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slo");
            try {
                // when
                HttpResponse<String> r = normalRequest(local);
                // then
                assertThat(r.statusCode()).isEqualTo(200);
            } finally {
                closeAll(slow);
            }
        }
    }

    @Test
    void slow_body_senders_do_not_delay_another_client() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).build()) {
            // given 64 connections that sent their headers and one byte of a 100-byte JSON body
            List<Socket> slow = stalled(local, SLOW_CLIENTS, "POST /v1/fine_tuning/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
            try {
                // when
                HttpResponse<String> r = normalRequest(local);
                // then
                assertThat(r.statusCode()).isEqualTo(200);
            } finally {
                closeAll(slow);
            }
        }
    }

    @Test
    void a_client_that_stops_in_its_headers_is_cut_off_after_the_request_timeout() throws Exception {
        assertCutOffAfterTheRequestTimeout("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slo");
    }

    @Test
    void a_client_that_stops_in_its_body_is_cut_off_after_the_request_timeout() throws Exception {
        assertCutOffAfterTheRequestTimeout("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 100000\r\n\r\n--xyz\r\n");
    }

    /** A client that sends {@code stalledRequest} and then nothing is disconnected by the backend. */
    private static void assertCutOffAfterTheRequestTimeout(String stalledRequest) throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).requestTimeout(Duration.ofMillis(300))
                .build()) {
            // given
            List<Socket> slow = stalled(local, 1, stalledRequest);
            try {
                // when
                String fate = fate(slow.get(0), Duration.ofSeconds(5));
                // then
                assertThat(fate).isEqualTo("closed");
            } finally {
                closeAll(slow);
            }
        }
    }

    @Test
    void a_refused_request_whose_body_is_sent_slowly_does_not_hold_its_worker() throws Exception {
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).requestTimeout(Duration.ofMillis(300))
                .build()) {
            // given a request refused before its body is read (no key needed, but a wrong media type), body stalled
            List<Socket> slow = stalled(local, 1, "POST /v1/fine_tuning/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\nabc");
            try {
                // when
                Socket s = slow.get(0);
                s.setSoTimeout(5_000);
                byte[] answer = s.getInputStream().readAllBytes();
                // then: the 415 is sent, and the connection closed rather than kept waiting for the body's rest
                assertThat(new String(answer, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 415");
            } finally {
                closeAll(slow);
            }
        }
    }
}
