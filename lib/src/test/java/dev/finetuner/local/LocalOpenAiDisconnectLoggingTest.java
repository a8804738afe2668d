package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away mid-request is the client's business: logged at DEBUG, without a stack trace, while a
 * failure of the backend itself stays an ERROR.
 */
class LocalOpenAiDisconnectLoggingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Closes with a reset, as a killed client or a dropped network does. */
    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static boolean aboutTheClient(CapturedLog.Line l) {
        return l.level() == Level.DEBUG && l.message().contains("client");
    }

    @Test
    void a_client_gone_while_sending_a_body_is_logged_at_debug() throws Exception {
        CapturedLog log = new CapturedLog();
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).logger(log).build()) {
            // given an upload of 1 MB of which 64 KB were sent
            Socket s = new Socket(InetAddress.getLoopbackAddress(), local.port());
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
                    + "Content-Length: 1048576\r\n\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; "
                    + "filename=\"a.jsonl\"\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            // when
            reset(s);
            // then
            CapturedLog.Line line = log.await(LocalOpenAiDisconnectLoggingTest::aboutTheClient, WAIT);
            assertThat(line.message()).contains("POST /v1/files");
            assertThat(line.thrown()).isNull();
            assertThat(log.at(Level.ERROR)).isEmpty();
            assertThat(log.at(Level.WARN)).isEmpty();
        }
    }

    @Test
    void a_client_gone_while_reading_a_response_is_logged_at_debug() throws Exception {
        CapturedLog log = new CapturedLog();
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).logger(log).build()) {
            // given a file larger than what the sockets' buffers hold (16 MB; the send buffer grows to 4 MB at most)
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("k").maxRetries(0).build();
            Path big = Files.write(dir.resolve("big.jsonl"), new byte[16 << 20]);
            String id = client.files().create(FileCreateParams.builder().file(big).purpose(FilePurpose.BATCH).build()).id();
            client.close();
            Socket s = new Socket();
            s.setReceiveBufferSize(4096); // before connecting, so that the window stays small
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), local.port()));
            s.getOutputStream().write(("GET /v1/files/" + id + "/content HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo('H');
            // when
            reset(s);
            // then
            CapturedLog.Line line = log.await(LocalOpenAiDisconnectLoggingTest::aboutTheClient, WAIT);
            assertThat(line.message()).contains("GET /v1/files/" + id + "/content");
            assertThat(line.thrown()).isNull();
            assertThat(log.at(Level.ERROR)).isEmpty();
        }
    }

    @Test
    void a_failure_of_the_backend_itself_is_still_an_error_with_its_stack_trace() throws Exception {
        CapturedLog log = new CapturedLog();
        Path storage = dir.resolve("storage");
        try (LocalOpenAi local = LocalOpenAi.builder().clock(new ManualClock()).storageDirectory(storage).logger(log)
                .build()) {
            // given a storage directory whose files directory was removed under the backend
            Files.delete(storage.resolve("files"));
            // when
            HttpResponse<String> r = Raw.send(Raw.request(local.baseUrl() + "/files", "k")
                    .header("Content-Type", "multipart/form-data; boundary=xyz")
                    .POST(HttpRequest.BodyPublishers.ofString("--xyz\r\nContent-Disposition: form-data; name=\"purpose\""
                            + "\r\n\r\nbatch\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\""
                            + "\r\n\r\n{}\r\n--xyz--\r\n")).build());
            // then
            assertThat(r.statusCode()).isEqualTo(500);
            CapturedLog.Line line = log.await(l -> l.level() == Level.ERROR, WAIT);
            assertThat(line.message()).contains("POST /v1/files");
            assertThat(line.thrown()).isNotNull();
        }
    }
}
