package dev.finetuner.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/files}: the API's 512 MB limit, refused from the declared length before the body arrives.
 *
 * <p>The request is written on a plain socket: the JDK's {@code HttpClient} (HTTP/1.1) reads the answer only once it
 * has sent the whole body, so it cannot show whether the server answered early; a socket that sends the head and a
 * few bytes, then waits for the answer with a read timeout, can.
 */
class LocalOpenAiFileLimitsTest {
    private static final int READ_TIMEOUT_MS = 5_000;

    /** The response to a request declaring {@code contentLength} bytes that sends a few and then waits. */
    private static Answer declaring(LocalOpenAi local, long contentLength) throws IOException {
        URI base = URI.create(local.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(READ_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/files HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer test\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " + contentLength + "\r\n\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return Answer.read(socket.getInputStream());
        }
    }

    /** A status and a JSON body, read as far as the body's declared length. */
    private record Answer(int status, JsonNode body) {
        static Answer read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed before the head ended: " + head);
                }
                head.write(b);
            }
            String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            int length = 0;
            for (String line : lines) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return new Answer(status, new ObjectMapper().readTree(in.readNBytes(length)));
        }
    }

    @Test
    void a_file_declared_just_over_512_mib_is_refused_before_its_body_arrives() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start()) {
            // given 550 MB: over 512 MiB, under the 600 MiB that used to be read in full
            long declared = 550_000_000L;
            // when
            Answer a = declaring(local, declared);
            // then
            assertThat(a.status()).isEqualTo(413);
            assertThat(a.body().at("/error/type").asText()).isEqualTo("invalid_request_error");
            assertThat(a.body().at("/error/message").asText()).contains(Long.toString(512L * 1024 * 1024));
        }
    }

    @Test
    void a_file_declared_far_over_the_limit_is_refused_before_its_body_arrives() throws IOException {
        try (LocalOpenAi local = LocalOpenAi.start()) {
            // when
            Answer a = declaring(local, 50L << 30);
            // then
            assertThat(a.status()).isEqualTo(413);
        }
    }
}
