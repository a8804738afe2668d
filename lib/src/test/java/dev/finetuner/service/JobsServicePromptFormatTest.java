package dev.finetuner.service;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A job created from an uploaded file keeps the prompt format that file was written with. */
class JobsServicePromptFormatTest {
    @TempDir
    Path dir;

    private LocalOpenAi local;
    private OpenAiConnection api;

    @BeforeEach
    void start() {
        local = LocalOpenAi.start();
        api = OpenAiConnection.builder().apiKey("test").baseUrl(local.baseUrl()).build();
    }

    @AfterEach
    void stop() {
        api.close();
        local.close();
    }

    private String upload(String name, String lines) throws IOException {
        return api.files().upload(Files.writeString(dir.resolve(name), lines)).id();
    }

    private static String promptCompletions() {
        return IntStream.range(0, 20).mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the vpn ->\",\"completion\":\""
                + " answer " + i + "\\n\"}").collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void a_completion_model_job_records_the_separator_and_stop_of_its_training_file() throws IOException {
        // given: a file uploaded on its own, as `finetuner upload` does
        String file = upload("train.jsonl", promptCompletions());
        // when: the job is created from the file id alone
        Job job = api.jobs().create(JobRequest.builder("davinci-002", file).build());
        // then
        assertThat(job.metadata()).containsEntry("finetuner_separator", " ->").containsEntry("finetuner_stop", "\n");
    }

    @Test
    void a_format_given_in_the_metadata_is_kept_and_other_metadata_stays() throws IOException {
        String file = upload("train.jsonl", promptCompletions());

        Job job = api.jobs().create(JobRequest.builder("babbage-002", file).putMetadata("finetuner_separator", " =>")
                .putMetadata("team", "support").build());

        assertThat(job.metadata()).containsEntry("finetuner_separator", " =>").containsEntry("team", "support")
                .doesNotContainKey("finetuner_stop");
    }

    @Test
    void a_chat_model_job_gets_no_prompt_format() throws IOException {
        String file = upload("chat.jsonl", IntStream.range(0, 10).mapToObj(i -> "{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"q" + i + "\"},{\"role\":\"assistant\",\"content\":\"a" + i + "\"}]}")
                .collect(Collectors.joining("\n", "", "\n")));

        Job job = api.jobs().create(JobRequest.builder("gpt-4o-mini-2024-07-18", file).build());

        assertThat(job.metadata()).doesNotContainKeys("finetuner_separator", "finetuner_stop");
    }
}
