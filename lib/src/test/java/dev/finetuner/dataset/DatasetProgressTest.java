package dev.finetuner.dataset;

import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Dataset#withProgress}: how far a read of a file has got, for a progress bar. */
class DatasetProgressTest {
    private static final long STEP = 64 * 1024;

    @TempDir
    Path dir;

    private Path jsonl(int examples) throws IOException {
        return Files.writeString(dir.resolve("tickets.jsonl"), IntStream.range(0, examples)
                .mapToObj(i -> "{\"prompt\":\"ticket " + i + " about the printer on floor " + (i % 7) + " ->\","
                        + "\"completion\":\" printer\\n\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private static long readAll(Dataset dataset) {
        try (Stream<Example> s = dataset.stream()) {
            return s.count();
        }
    }

    @Test
    void a_read_reports_the_bytes_read_every_64_kib_and_the_file_size_at_the_end() throws IOException {
        // given: about 1.3 MB
        Path file = jsonl(20_000);
        long size = Files.size(file);
        List<Long> reported = new ArrayList<>();
        // when
        long examples = readAll(Dataset.read(file).withProgress(reported::add));
        // then
        assertThat(examples).isEqualTo(20_000);
        assertThat(reported).isSorted().last().isEqualTo(size);
        assertThat(reported).hasSizeBetween((int) (size / STEP) - 1, (int) (size / STEP) + 1);
        for (int i = 1; i < reported.size(); i++) {
            assertThat(reported.get(i) - reported.get(i - 1)).isPositive();
        }
        assertThat(reported.subList(0, reported.size() - 1)).allMatch(bytes -> bytes >= STEP && bytes <= size);
    }

    @Test
    void a_csv_file_reports_its_progress_too() throws IOException {
        // given
        Path file = Files.writeString(dir.resolve("tickets.csv"), "prompt,completion\n" + IntStream.range(0, 10_000)
                .mapToObj(i -> "\"ticket " + i + ", printer on floor " + (i % 7) + " ->\", printer")
                .collect(Collectors.joining("\n", "", "\n")));
        List<Long> reported = new ArrayList<>();
        // when
        readAll(Dataset.read(file).withProgress(reported::add));
        // then
        assertThat(reported).hasSizeGreaterThan(2).isSorted().last().isEqualTo(Files.size(file));
    }

    @Test
    void a_small_file_reports_only_its_end() throws IOException {
        // given
        Path file = jsonl(3);
        List<Long> reported = new ArrayList<>();
        // when
        readAll(Dataset.read(file).withProgress(reported::add));
        // then
        assertThat(reported).containsExactly(Files.size(file));
    }

    @Test
    void a_validator_reads_the_file_twice_and_each_read_counts_from_the_start() throws IOException {
        // given
        Path file = jsonl(20_000);
        long size = Files.size(file);
        List<Long> reported = new CopyOnWriteArrayList<>(); // told on the validator's reading thread
        // when
        ValidationReport report = Validator.standard().validate(Dataset.read(file).withProgress(reported::add));
        // then: two rising runs, each ending at the file's size
        assertThat(report.counts().records()).isEqualTo(20_000);
        assertThat(reported).filteredOn(bytes -> bytes == size).hasSize(2);
        int end = reported.indexOf(size);
        assertThat(reported.subList(0, end + 1)).isSorted();
        assertThat(reported.subList(end + 1, reported.size())).isNotEmpty().isSorted();
    }

    @Test
    void progress_survives_a_mapping_and_an_in_memory_dataset_reports_nothing() throws IOException {
        // given
        List<Long> fromFile = new ArrayList<>();
        List<Long> fromMemory = new ArrayList<>();
        Path file = jsonl(3);
        // when
        readAll(Dataset.read(file).withProgress(fromFile::add).map(e -> e));
        readAll(Dataset.of(Dataset.read(file).toList()).withProgress(fromMemory::add));
        // then
        assertThat(fromFile).containsExactly(Files.size(file));
        assertThat(fromMemory).isEmpty();
    }

    @Test
    void a_null_listener_is_refused() throws IOException {
        Dataset dataset = Dataset.read(jsonl(3));
        assertThatThrownBy(() -> dataset.withProgress(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("bytesRead");
    }
}
