package dev.finetuner.local;

import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.JobCreateParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Starting, closing and the standalone main. */
class LocalOpenAiLifecycleCloseTest {

    @Test
    void start_listens_on_loopback_and_gives_a_base_url_ending_in_v1() {
        // given
        try (LocalOpenAi local = LocalOpenAi.start()) {
            // when
            String url = local.baseUrl();
            // then
            assertThat(url).startsWith("http://127.0.0.1:").endsWith("/v1");
            assertThat(Raw.get(url + "/models", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void the_backend_is_not_reachable_on_other_interfaces() throws IOException {
        // given an address of this machine that is not loopback
        List<InetAddress> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()).toList();
        assumeThat(others).isNotEmpty();
        try (LocalOpenAi local = LocalOpenAi.start()) {
            // when / then
            assertThatThrownBy(() -> new Socket(others.get(0), local.port()).close()).isInstanceOf(IOException.class);
        }
    }

    /** The live threads a backend may have started that were not there before. */
    private static Set<Thread> backendThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t))
                .filter(t -> t.getName().startsWith("local-openai") || t.getName().startsWith("HTTP-Dispatcher")
                        || t.getName().equals("server-timer"))
                .collect(Collectors.toSet());
    }

    @Test
    void close_stops_every_thread_it_started_and_can_be_called_twice(@TempDir Path dir) throws InterruptedException {
        // given a backend on its wall clock that served requests and is in the middle of a job
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        LocalOpenAi local = LocalOpenAi.builder().speed(1).build();
        var client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
        String fileId = client.files().create(FileCreateParams.builder().file(TestData.write(dir, "r.jsonl",
                TestData.jsonl(TestData.reviews(12, 1)))).purpose(FilePurpose.FINE_TUNE).build()).id();
        String jobId = client.fineTuning().jobs().create(JobCreateParams.builder().model("babbage-002")
                .trainingFile(fileId).build()).id();
        // at speed 1 the job spends 15 wall-clock seconds in the queue: it is far from done when the backend closes
        assertThat(client.fineTuning().jobs().retrieve(jobId).status().asString()).isIn("validating_files", "queued");
        client.close();
        Set<Thread> started = backendThreads(before);
        assertThat(started).extracting(Thread::getName)
                .anySatisfy(n -> assertThat(n).matches("local-openai-\\d+-clock-\\d+"))
                .anySatisfy(n -> assertThat(n).matches("local-openai-\\d+-http-\\d+"));
        // when
        local.close();
        local.close();
        // then: each of them ends; close() waits for its pools, and the JDK server's dispatcher thread exits
        // on its own once the server has stopped, so it is joined (with a bound) rather than looked at at once
        for (Thread t : started) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(started).filteredOn(Thread::isAlive).extracting(Thread::getName).isEmpty();
        assertThat(backendThreads(before)).isEmpty();
        assertThat(dir).exists();
    }

    @Test
    void main_prints_the_base_url_and_serves_until_killed() throws Exception {
        // given
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.finetuner.local.LocalOpenAi", "--port", "0", "--key", "k-123").redirectErrorStream(false).start();
        try {
            // when
            String url;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                url = out.readLine();
                // then
                assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/v1");
                assertThat(Raw.get(url + "/models", "k-123").statusCode()).isEqualTo(200);
                assertThat(Raw.get(url + "/models", "nope").statusCode()).isEqualTo(401);
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
