package dev.finetuner.service;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.finetuner.ApiException;
import dev.finetuner.AwaitTimeoutException;
import dev.finetuner.internal.ManualClock;
import dev.finetuner.DatasetException;
import dev.finetuner.FineTunerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aMultipart;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link FilesService}: uploads named by content so an identical file is reused, large files in ordered
 * parts through the Uploads API (cancelled when a part fails), waiting for processing, list, download
 * (base64 result files decoded) and delete.
 */
class FilesServiceTest {
    private static final String FILES = "/v1/files";
    private static final String UPLOADS = "/v1/uploads";
    private static final String TRAIN = """
            {"messages": [{"role": "user", "content": "Where is my order?"}, {"role": "assistant", "content": "Let me check."}]}
            {"messages": [{"role": "user", "content": "Cancel it."}, {"role": "assistant", "content": "Done."}]}
            """;

    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private OpenAiConnection api;
    private FilesService files;

    @BeforeEach
    void connect() {
        api = OpenAiConnection.builder().apiKey("fake-test-0123456789abcdefghij").baseUrl(wm.baseUrl() + "/v1")
                .retry(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20)).maxRetryAfter(Duration.ofMillis(50)).build())
                .timing(clock)
                .build();
        files = api.files();
        // by default nothing has been uploaded yet
        wm.stubFor(get(urlPathEqualTo(FILES)).atPriority(10).willReturn(okJson(list())));
    }

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void a_small_file_is_uploaded_in_one_multipart_request_for_fine_tuning_under_a_name_carrying_its_hash()
            throws IOException {
        // given
        Path train = Files.writeString(dir.resolve("train.jsonl"), TRAIN);
        String name = "train.sha256-" + sha256(TRAIN).substring(0, 16) + ".jsonl";
        wm.stubFor(post(urlEqualTo(FILES)).willReturn(okJson(file("file-abc", name, TRAIN.length(), "uploaded", null))));
        // when
        FileInfo uploaded = files.upload(train);
        // then
        assertThat(uploaded.id()).isEqualTo("file-abc");
        assertThat(uploaded.filename()).isEqualTo(name);
        assertThat(uploaded.bytes()).isEqualTo(TRAIN.length());
        wm.verify(1, postRequestedFor(urlEqualTo(FILES))
                .withHeader("Content-Type", containing("multipart/form-data"))
                .withRequestBodyPart(aMultipart().withName("purpose").withBody(equalTo("fine-tune")).build())
                .withRequestBodyPart(aMultipart().withName("file")
                        .withHeader("Content-Disposition", containing("filename=\"" + name + "\""))
                        .withBody(equalTo(TRAIN)).build()));
    }

    @Test
    void the_same_content_uploaded_again_is_found_among_the_files_and_not_sent_twice() throws IOException {
        // given: the file was uploaded once, and the API now lists it
        Path train = Files.writeString(dir.resolve("train.jsonl"), TRAIN);
        String name = "train.sha256-" + sha256(TRAIN).substring(0, 16) + ".jsonl";
        String stored = file("file-abc", name, TRAIN.length(), "processed", null);
        wm.stubFor(get(urlPathEqualTo(FILES)).inScenario("files").whenScenarioStateIs(STARTED)
                .willReturn(okJson(list())));
        wm.stubFor(post(urlEqualTo(FILES)).inScenario("files").willReturn(okJson(stored)).willSetStateTo("stored"));
        wm.stubFor(get(urlPathEqualTo(FILES)).inScenario("files").whenScenarioStateIs("stored")
                .willReturn(okJson(list(file("file-other", "other.sha256-0000000000000000.jsonl", 10, "processed", null),
                        stored))));
        FileInfo first = files.upload(train);
        // when
        FileInfo second = files.upload(train);
        // then
        assertThat(second.id()).isEqualTo(first.id()).isEqualTo("file-abc");
        wm.verify(1, postRequestedFor(urlEqualTo(FILES)));
        wm.verify(2, getRequestedFor(urlPathEqualTo(FILES)).withQueryParam("purpose", equalTo("fine-tune")));
    }

    @Test
    void without_reuse_the_file_is_uploaded_even_when_an_identical_one_is_there() throws IOException {
        // given
        Path train = Files.writeString(dir.resolve("train.jsonl"), TRAIN);
        String name = "train.sha256-" + sha256(TRAIN).substring(0, 16) + ".jsonl";
        wm.stubFor(get(urlPathEqualTo(FILES)).willReturn(okJson(list(
                file("file-old", name, TRAIN.length(), "processed", null)))));
        wm.stubFor(post(urlEqualTo(FILES)).willReturn(okJson(file("file-new", name, TRAIN.length(), "uploaded", null))));
        // when
        FileInfo uploaded = files.upload(train, UploadOptions.defaults().withoutReuse());
        // then
        assertThat(uploaded.id()).isEqualTo("file-new");
        wm.verify(1, postRequestedFor(urlEqualTo(FILES)));
        wm.verify(0, getRequestedFor(urlPathEqualTo(FILES)));
    }

    @Test
    void a_file_of_the_same_name_that_failed_processing_is_not_reused() throws IOException {
        // given
        Path train = Files.writeString(dir.resolve("train.jsonl"), TRAIN);
        String name = "train.sha256-" + sha256(TRAIN).substring(0, 16) + ".jsonl";
        wm.stubFor(get(urlPathEqualTo(FILES)).willReturn(okJson(list(
                file("file-broken", name, TRAIN.length(), "error", "Invalid file format.")))));
        wm.stubFor(post(urlEqualTo(FILES)).willReturn(okJson(file("file-new", name, TRAIN.length(), "uploaded", null))));
        // when
        FileInfo uploaded = files.upload(train);
        // then
        assertThat(uploaded.id()).isEqualTo("file-new");
        wm.verify(1, postRequestedFor(urlEqualTo(FILES)));
    }

    @Test
    void a_small_upload_reports_its_progress_complete() throws IOException {
        // given
        Path train = Files.writeString(dir.resolve("train.jsonl"), TRAIN);
        wm.stubFor(post(urlEqualTo(FILES))
                .willReturn(okJson(file("file-abc", "x.jsonl", TRAIN.length(), "uploaded", null))));
        List<long[]> progress = Collections.synchronizedList(new ArrayList<>());
        // when
        files.upload(train, UploadOptions.defaults()
                .withProgress((sent, total) -> progress.add(new long[] {sent, total})));
        // then
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).containsExactly(TRAIN.length(), TRAIN.length());
    }

    @Test
    void a_file_above_the_multipart_threshold_is_sent_in_parts_and_completed_with_the_part_ids_in_order()
            throws IOException {
        // given: 2 full parts of 1024 bytes and a last one of 500, the first part answered slowest
        byte[] content = threeParts();
        Path big = Files.write(dir.resolve("big.jsonl"), content);
        String name = "big.sha256-" + sha256(content).substring(0, 16) + ".jsonl";
        stubUploadsApi(name, content.length);
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/parts")).withRequestBody(containing("block-1"))
                .willReturn(okJson(part("part_1")).withFixedDelay(150)));
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/parts")).withRequestBody(containing("block-2"))
                .willReturn(okJson(part("part_2"))));
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/parts")).withRequestBody(containing("block-3"))
                .willReturn(okJson(part("part_3"))));
        List<long[]> progress = Collections.synchronizedList(new ArrayList<>());
        UploadOptions options = UploadOptions.defaults().withMultipart(1024, 1024, 2)
                .withProgress((sent, total) -> progress.add(new long[] {sent, total}));
        // when
        FileInfo uploaded = files.upload(big, options);
        // then
        assertThat(uploaded.id()).isEqualTo("file-big");
        wm.verify(1, postRequestedFor(urlEqualTo(UPLOADS)).withRequestBody(equalToJson("""
                {"bytes": %d, "filename": "%s", "mime_type": "text/jsonl", "purpose": "fine-tune"}"""
                .formatted(content.length, name))));
        wm.verify(3, postRequestedFor(urlEqualTo(UPLOADS + "/upload_abc/parts")));
        wm.verify(1, postRequestedFor(urlEqualTo(UPLOADS + "/upload_abc/complete")).withRequestBody(equalToJson("""
                {"part_ids": ["part_1", "part_2", "part_3"]}""")));
        wm.verify(0, postRequestedFor(urlEqualTo(FILES)));
        assertThat(progress).allSatisfy(p -> assertThat(p[1]).isEqualTo(content.length));
        assertThat(progress).extracting(p -> p[0]).isSorted().last().isEqualTo((long) content.length);
    }

    @Test
    void a_part_that_keeps_failing_cancels_the_upload_and_fails_with_an_api_exception() throws IOException {
        // given: the second part always gets a 500
        byte[] content = threeParts();
        Path big = Files.write(dir.resolve("big.jsonl"), content);
        stubUploadsApi("big.sha256-" + sha256(content).substring(0, 16) + ".jsonl", content.length);
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/parts")).willReturn(okJson(part("part_ok"))));
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/parts")).withRequestBody(containing("block-2"))
                .willReturn(serverError().withHeader("x-request-id", "req_part2")));
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/cancel"))
                .willReturn(okJson(upload("big.jsonl", content.length, "cancelled", null))));
        // when
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> files.upload(big, UploadOptions.defaults().withMultipart(1024, 1024, 2)));
        // then
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).hasValue(500);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.requestId()).contains("req_part2");
        wm.verify(1, postRequestedFor(urlEqualTo(UPLOADS + "/upload_abc/cancel")));
        wm.verify(0, postRequestedFor(urlEqualTo(UPLOADS + "/upload_abc/complete")));
    }

    @Test
    void a_missing_local_file_is_a_dataset_exception_with_code_file_not_found_and_nothing_is_sent() {
        // given
        Path missing = dir.resolve("nope.jsonl");
        // when
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> files.upload(missing));
        // then
        assertThat(e).isNotNull();
        assertThat(e.file()).contains(missing);
        assertThat(e.getMessage()).contains("nope.jsonl");
        assertThat(e.code()).isEqualTo("file_not_found");
        wm.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void await_processed_returns_the_file_once_the_api_has_processed_it() {
        // given: uploaded at first, processed on the next look
        wm.stubFor(get(urlEqualTo(FILES + "/file-abc")).inScenario("processing").whenScenarioStateIs(STARTED)
                .willReturn(okJson(file("file-abc", "train.jsonl", 120, "uploaded", null))).willSetStateTo("done"));
        wm.stubFor(get(urlEqualTo(FILES + "/file-abc")).inScenario("processing").whenScenarioStateIs("done")
                .willReturn(okJson(file("file-abc", "train.jsonl", 120, "processed", null))));
        // when
        FileInfo info = files.awaitProcessed("file-abc", Duration.ofSeconds(5));
        // then: looked at again after 200 ms
        assertThat(info.isProcessed()).isTrue();
        assertThat(info.status()).isEqualTo("processed");
        wm.verify(2, getRequestedFor(urlEqualTo(FILES + "/file-abc")));
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(200));
    }

    @Test
    void await_processed_fails_with_the_status_details_when_processing_failed() {
        // given
        wm.stubFor(get(urlEqualTo(FILES + "/file-abc")).willReturn(okJson(file("file-abc", "train.jsonl", 120, "error",
                "Invalid file format: line 3 is not valid JSON."))));
        // when / then
        assertThatThrownBy(() -> files.awaitProcessed("file-abc", Duration.ofSeconds(5)))
                .isExactlyInstanceOf(FineTunerException.class)
                .hasMessageContaining("file-abc")
                .hasMessageContaining("train.jsonl")
                .hasMessageContaining("Invalid file format: line 3 is not valid JSON.");
    }

    @Test
    void await_processed_gives_up_with_an_await_timeout_exception_and_the_last_status() {
        // given: a file that stays uploaded
        wm.stubFor(get(urlEqualTo(FILES + "/file-abc")).willReturn(okJson(file("file-abc", "train.jsonl", 120, "uploaded",
                null))));
        // when
        AwaitTimeoutException e = catchThrowableOfType(AwaitTimeoutException.class,
                () -> files.awaitProcessed("file-abc", Duration.ofSeconds(30)));
        // then: pauses double from 200 ms to 5 s, and the last look is at the deadline
        assertThat(e).isNotNull();
        assertThat(e.lastStatus()).isEqualTo("uploaded");
        assertThat(e.waited()).isEqualTo(Duration.ofSeconds(30));
        assertThat(clock.sleeps()).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(800), Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(3800));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(30));
        wm.verify(11, getRequestedFor(urlEqualTo(FILES + "/file-abc")));
    }

    @Test
    void the_timeout_message_of_await_processed_speaks_of_the_file_not_of_a_job() {
        // given
        wm.stubFor(get(urlEqualTo(FILES + "/file-abc")).willReturn(okJson(file("file-abc", "train.jsonl", 120, "uploaded",
                null))));
        // when
        AwaitTimeoutException e = catchThrowableOfType(AwaitTimeoutException.class,
                () -> files.awaitProcessed("file-abc", Duration.ofMillis(100)));
        // then
        assertThat(e.getMessage()).contains("file-abc").contains("uploaded").doesNotContain("fine-tuning job");
    }

    @Test
    void download_decodes_a_result_file_served_as_base64() {
        // given: the metrics CSV, base64-encoded as the API serves result files
        String csv = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.52,0.6,,\n2,1.21,0.7,,\n";
        wm.stubFor(get(urlEqualTo(FILES + "/file-results/content")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/octet-stream")
                .withBody(Base64.getEncoder().encodeToString(csv.getBytes(StandardCharsets.UTF_8)))));
        // when
        byte[] content = files.download("file-results");
        // then
        assertThat(new String(content, StandardCharsets.UTF_8)).isEqualTo(csv);
    }

    @Test
    void download_leaves_a_plain_csv_as_it_is() {
        // given
        String csv = "step,train_loss\n1,1.52\n2,1.21\n";
        wm.stubFor(get(urlEqualTo(FILES + "/file-results/content")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/octet-stream").withBody(csv)));
        // when
        byte[] content = files.download("file-results");
        // then
        assertThat(new String(content, StandardCharsets.UTF_8)).isEqualTo(csv);
    }

    @Test
    void delete_returns_true_when_the_api_says_the_file_is_gone() {
        // given
        wm.stubFor(delete(urlEqualTo(FILES + "/file-abc")).willReturn(okJson("""
                {"id": "file-abc", "object": "file", "deleted": true}""")));
        // when
        boolean deleted = files.delete("file-abc");
        // then
        assertThat(deleted).isTrue();
        wm.verify(1, deleteRequestedFor(urlEqualTo(FILES + "/file-abc")));
    }

    @Test
    void list_maps_every_file() {
        // given
        wm.stubFor(get(urlPathEqualTo(FILES)).willReturn(okJson(list(
                file("file-abc", "train.jsonl", 120, "processed", null),
                file("file-def", "bad.jsonl", 7, "error", "Invalid file format.")))));
        // when
        List<FileInfo> all = files.list();
        // then
        assertThat(all).containsExactly(
                new FileInfo("file-abc", "train.jsonl", 120, "fine-tune", "processed", Optional.empty(),
                        Instant.ofEpochSecond(1721764800)),
                new FileInfo("file-def", "bad.jsonl", 7, "fine-tune", "error", Optional.of("Invalid file format."),
                        Instant.ofEpochSecond(1721764800)));
        assertThat(all.get(0).isProcessed()).isTrue();
        assertThat(all.get(1).isError()).isTrue();
    }

    // --- the API's shapes ---------------------------------------------------------------------------------

    private void stubUploadsApi(String name, long bytes) {
        wm.stubFor(post(urlEqualTo(UPLOADS)).willReturn(okJson(upload(name, bytes, "pending", null))));
        wm.stubFor(post(urlEqualTo(UPLOADS + "/upload_abc/complete")).willReturn(okJson(
                upload(name, bytes, "completed", file("file-big", name, bytes, "uploaded", null)))));
    }

    private static String upload(String filename, long bytes, String status, String file) {
        return """
                {"id": "upload_abc", "object": "upload", "bytes": %d, "created_at": 1721764800, "filename": "%s",
                 "purpose": "fine-tune", "status": "%s", "expires_at": 1721768400, "file": %s}"""
                .formatted(bytes, filename, status, file == null ? "null" : file);
    }

    private static String part(String id) {
        return """
                {"id": "%s", "object": "upload.part", "created_at": 1721764801, "upload_id": "upload_abc"}"""
                .formatted(id);
    }

    private static String file(String id, String filename, long bytes, String status, String details) {
        return """
                {"id": "%s", "object": "file", "bytes": %d, "created_at": 1721764800, "filename": "%s",
                 "purpose": "fine-tune", "status": "%s", "status_details": %s}"""
                .formatted(id, bytes, filename, status, details == null ? "null" : '"' + details + '"');
    }

    private static String list(String... files) {
        return "{\"object\": \"list\", \"data\": [" + String.join(",", files) + "], \"has_more\": false}";
    }

    /** 2 548 bytes of JSONL: lines padded so that each 1024-byte part holds one marker, block-1 to block-3. */
    private static byte[] threeParts() {
        StringBuilder sb = new StringBuilder();
        for (int block = 1; block <= 3; block++) {
            int size = block < 3 ? 1024 : 500;
            String head = "{\"prompt\": \"block-" + block + " ";
            String tail = "\", \"completion\": \" ok\"}\n";
            sb.append(head).append("x".repeat(size - head.length() - tail.length())).append(tail);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
