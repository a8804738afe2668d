package dev.finetuner.local;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.MultipartField;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileDeleted;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.uploads.Upload;
import com.openai.models.uploads.UploadCompleteParams;
import com.openai.models.uploads.UploadCreateParams;
import com.openai.models.uploads.parts.PartCreateParams;
import com.openai.models.uploads.parts.UploadPart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code /v1/files} and {@code /v1/uploads} with the official client, and the request limits. */
class LocalOpenAiFilesTest {
    private static LocalOpenAi local;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        local = LocalOpenAi.start();
        client = OpenAIOkHttpClient.builder().baseUrl(local.baseUrl()).apiKey("test").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        local.close();
    }

    private static FileObject upload(String name, String content) {
        return client.files().create(FileCreateParams.builder().purpose(FilePurpose.FINE_TUNE)
                .file(MultipartField.<InputStream>builder().value(new ByteArrayInputStream(
                        content.getBytes(StandardCharsets.UTF_8))).filename(name).build()).build());
    }

    private static String content(String fileId) throws IOException {
        try (HttpResponse r = client.files().content(fileId); InputStream in = r.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void an_uploaded_file_can_be_listed_downloaded_and_deleted() throws IOException {
        // given
        String text = "{\"prompt\":\"a\",\"completion\":\" b\"}\n";
        FileObject f = upload("tiny.jsonl", text);
        // when
        List<String> listed = client.files().list(FileListParams.builder().purpose("fine-tune").build()).data().stream()
                .map(FileObject::id).toList();
        String downloaded = content(f.id());
        FileDeleted deleted = client.files().delete(f.id());
        // then
        assertThat(listed).contains(f.id());
        assertThat(downloaded).isEqualTo(text);
        assertThat(f.bytes()).isEqualTo(text.length());
        assertThat(deleted.deleted()).isTrue();
        assertThat(catchThrowableOfType(NotFoundException.class, () -> client.files().retrieve(f.id())).getMessage())
                .contains("No such File object: " + f.id());
    }

    @Test
    void a_fine_tune_file_that_is_not_jsonl_is_refused() {
        // given
        String name = "data.csv";
        // when
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> upload(name, "a,b\n"));
        // then
        assertThat(e.getMessage()).contains("Must be .jsonl");
    }

    @Test
    void an_upload_in_parts_becomes_one_file_in_the_order_given() throws Exception {
        // given
        byte[] a = "{\"prompt\":\"one\",\"completion\":\" 1\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = "{\"prompt\":\"two\",\"completion\":\" 2\"}\n".getBytes(StandardCharsets.UTF_8);
        Upload u = client.uploads().create(UploadCreateParams.builder().bytes(a.length + b.length).filename("parts.jsonl")
                .mimeType("text/jsonl").purpose(FilePurpose.FINE_TUNE).build());
        UploadPart second = client.uploads().parts().create(PartCreateParams.builder().uploadId(u.id()).data(b).build());
        UploadPart first = client.uploads().parts().create(PartCreateParams.builder().uploadId(u.id()).data(a).build());
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        md5.update(a);
        md5.update(b);
        // when
        Upload done = client.uploads().complete(UploadCompleteParams.builder().uploadId(u.id()).addPartId(first.id())
                .addPartId(second.id()).md5(HexFormat.of().formatHex(md5.digest())).build());
        // then
        assertThat(u.status()).isEqualTo(Upload.Status.PENDING);
        assertThat(first.uploadId()).isEqualTo(u.id());
        assertThat(done.status()).isEqualTo(Upload.Status.COMPLETED);
        FileObject file = done.file().orElseThrow();
        assertThat(file.filename()).isEqualTo("parts.jsonl");
        assertThat(content(file.id())).isEqualTo(new String(a, StandardCharsets.UTF_8) + new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void an_upload_whose_parts_do_not_add_up_is_not_completed() {
        // given
        Upload u = client.uploads().create(UploadCreateParams.builder().bytes(100).filename("short.jsonl")
                .mimeType("text/jsonl").purpose(FilePurpose.FINE_TUNE).build());
        UploadPart p = client.uploads().parts().create(PartCreateParams.builder().uploadId(u.id())
                .data(new byte[10]).build());
        // when
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.uploads().complete(
                UploadCompleteParams.builder().uploadId(u.id()).addPartId(p.id()).build()));
        // then
        assertThat(e.getMessage()).contains("10 bytes").contains("100 bytes");
    }

    @Test
    void a_cancelled_upload_takes_no_more_parts() {
        // given
        Upload u = client.uploads().create(UploadCreateParams.builder().bytes(3).filename("c.jsonl")
                .mimeType("text/jsonl").purpose(FilePurpose.FINE_TUNE).build());
        // when
        Upload cancelled = client.uploads().cancel(u.id());
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> client.uploads().parts().create(
                PartCreateParams.builder().uploadId(u.id()).data(new byte[3]).build()));
        // then
        assertThat(cancelled.status()).isEqualTo(Upload.Status.CANCELLED);
        assertThat(e.getMessage()).contains("cancelled");
    }

    @Test
    void a_json_body_over_8_mb_is_refused_with_413() {
        // given
        String big = "{\"model\":\"" + "x".repeat(9 << 20) + "\"}";
        // when
        var r = Raw.post(local.baseUrl() + "/fine_tuning/jobs", big, "test");
        // then
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(Raw.error(r).get("code").asText()).isEqualTo("request_too_large");
    }

    @Test
    void ids_that_try_to_leave_the_storage_are_not_found() {
        // given
        List<String> paths = List.of("/files/..%2F..%2Fetc%2Fpasswd/content", "/files/file-..%2Fjobs/content",
                "/files/..", "/fine_tuning/jobs/ftjob-..%2F..%2Fx", "/uploads/upload_..%2Fx/cancel");
        // when
        List<Integer> statuses = paths.stream().map(p -> p.startsWith("/uploads")
                ? Raw.post(local.baseUrl() + p, "{}", "test").statusCode()
                : Raw.get(local.baseUrl() + p, "test").statusCode()).toList();
        // then
        assertThat(statuses).allSatisfy(s -> assertThat(s).isEqualTo(404));
    }

    @Test
    void an_unknown_path_answers_404_invalid_url() {
        // given
        String url = local.baseUrl() + "/fine-tunes";
        // when
        var r = Raw.get(url, "test");
        // then
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Raw.error(r).get("message").asText()).isEqualTo("Invalid URL (GET /v1/fine-tunes)");
    }
}
