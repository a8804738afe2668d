package dev.finetuner.validation;

import dev.finetuner.DatasetException;
import dev.finetuner.dataset.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writing the prepared files can be pointed at nothing else: planted links are not followed, the input never replaced. */
class ValidatorOutputSafetyTest {
    @TempDir
    Path dir;

    private Path input() throws IOException {
        return Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 30)
                .mapToObj(i -> "ticket " + i + " ->, answer " + i + "\n").collect(Collectors.joining()));
    }

    @Test
    void a_link_planted_at_the_old_temporary_name_does_not_redirect_the_output_onto_the_input() throws IOException {
        // given: a link where the temporary file used to be written, pointing at the input
        Path input = input();
        String before = Files.readString(input);
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("tickets_prepared_train.jsonl.part"), input);
        // when
        ValidationReport r = Validator.builder().repair(Repair.RECOMMENDED).build().prepare(Dataset.read(input), out);
        // then
        assertThat(Files.readString(input)).isEqualTo(before);
        assertThat(r.trainingFile()).hasValueSatisfying(f -> {
            assertThat(Files.isSymbolicLink(f)).isFalse();
            assertThat(f).content().contains("\"prompt\":\"ticket 0 ->\"");
        });
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("tickets_prepared_train.jsonl", "tickets_prepared_train.jsonl.part");
        }
    }

    @Test
    void an_output_path_that_is_the_input_through_a_link_is_refused_and_the_input_kept() throws IOException {
        // given: the training file's name is a link to the input
        Path input = input();
        String before = Files.readString(input);
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("tickets_prepared_train.jsonl"), input);
        // when / then
        assertThatThrownBy(() -> Validator.standard().prepare(Dataset.read(input), out))
                .isInstanceOf(DatasetException.class).hasMessageContaining("is the file being prepared");
        assertThat(Files.readString(input)).isEqualTo(before);
    }

    @Test
    void the_writer_refuses_to_follow_a_link_at_the_file_it_opens() throws IOException {
        Path input = input();
        String before = Files.readString(input);
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), input);

        assertThatThrownBy(() -> dev.finetuner.dataset.DatasetWriter.open(link)).isInstanceOf(DatasetException.class);
        assertThat(Files.readString(input)).isEqualTo(before);
    }
}
