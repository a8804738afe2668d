package dev.finetuner.validation;

import dev.finetuner.DatasetException;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Duplicate detection in a bounded heap: with a tiny budget the table fills after a few examples, the
 * rest are sorted on disk in many runs and merged, and the result is that of the in-memory table, down
 * to the byte. A shared hash is only a candidate: texts decide.
 */
class DuplicateSpillTest {
    private static final DatasetStats.Budget TINY_TABLE = budget(16, 64, null);

    @TempDir
    Path dir;

    private static DatasetStats.Budget budget(int slots, int run, Path dir) {
        return new DatasetStats.Budget(slots, run, dir);
    }

    private static String pc(String prompt, String completion) {
        return "{\"prompt\":\"" + prompt + "\",\"completion\":\"" + completion + "\"}";
    }

    /**
     * A few thousand classification rows: 12% repeat a random earlier row (repeats of repeats too, and
     * of invalid rows), 2% have an empty completion, names are not ASCII.
     */
    private Path rows(int n) throws IOException {
        Random random = new Random(7);
        String[] classes = {" yes", " no", " maybe", " later"};
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int dice = random.nextInt(100);
            if (i > 0 && dice < 12) {
                rows.add(rows.get(random.nextInt(rows.size())));
            } else if (dice < 14) {
                rows.add(pc("question " + i + " from Zoë ->", ""));
            } else {
                rows.add(pc("Question " + i + " from Łukasz Øre ->", classes[random.nextInt(classes.length)]));
            }
        }
        return Files.writeString(dir.resolve("rows.jsonl"), String.join("\n", rows) + "\n");
    }

    private static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private ValidationReport prepare(Validator v, Path data, String out) {
        return v.prepare(Dataset.read(data), dir.resolve(out));
    }

    @Test
    void a_budget_far_too_small_gives_the_same_report_and_files_as_the_in_memory_table() throws IOException {
        // given
        Path data = rows(3000);
        Path spill = Files.createDirectories(dir.resolve("spill"));
        for (Set<Repair> repairs : List.of(Repair.RECOMMENDED, EnumSet.allOf(Repair.class), Set.<Repair>of())) {
            Validator inMemory = Validator.builder().repair(repairs).validationFraction(0.2).build();
            Validator onDisk = inMemory.toBuilder().dedupeBudget(budget(16, 64, spill)).build();
            String name = repairs.size() + "";
            // when
            ValidationReport expected = prepare(inMemory, data, "memory" + name);
            ValidationReport actual = prepare(onDisk, data, "disk" + name);
            // then
            assertThat(actual.findings()).isEqualTo(expected.findings());
            assertThat(actual.findingCounts()).isEqualTo(expected.findingCounts());
            assertThat(actual.counts()).isEqualTo(expected.counts());
            assertThat(actual.tokens()).isEqualTo(expected.tokens());
            assertThat(actual.classes()).isEqualTo(expected.classes());
            assertThat(expected.findingCounts().get("duplicate")).isGreaterThan(300);
            for (String f : listing(dir.resolve("memory" + name))) {
                assertThat(Files.mismatch(dir.resolve("memory" + name).resolve(f), dir.resolve("disk" + name).resolve(f)))
                        .as(f).isEqualTo(-1L);
            }
            assertThat(listing(spill)).isEmpty();
        }
    }

    @Test
    void each_duplicate_names_its_line_and_the_line_of_its_first_occurrence_when_spilled() throws IOException {
        // given: line 30 repeats line 2, line 3000 repeats line 2999, far beyond the table
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            rows.add(pc("question " + i + " ->", " answer " + i));
        }
        rows.set(29, rows.get(1));
        rows.set(2999, rows.get(2998));
        rows.set(2500, rows.get(2998)); // line 2501 is the first; 2999 and 3000 repeat it
        Path data = Files.writeString(dir.resolve("d.jsonl"), String.join("\n", rows) + "\n");
        Validator v = Validator.builder().dedupeBudget(TINY_TABLE).maxFindingsPerCode(10).build();
        // when
        ValidationReport r = v.validate(Dataset.read(data));
        // then
        assertThat(r.findings()).filteredOn(f -> f.code().equals("duplicate"))
                .extracting(Finding::line, Finding::message)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(30L, "the same example as line 2"),
                        org.assertj.core.groups.Tuple.tuple(2999L, "the same example as line 2501"),
                        org.assertj.core.groups.Tuple.tuple(3000L, "the same example as line 2501"));
    }

    /** Statistics filled with a table of 16 slots: many sorted runs on disk, settled into those of one table. */
    @Test
    void statistics_sorted_on_disk_settle_into_those_of_the_table() throws IOException {
        // given
        List<Object> events = new ArrayList<>();
        Dataset.read(rows(3000)).stream(events::add).forEach(events::add);
        Validator v = Validator.builder().repair(Repair.RECOMMENDED).validationFraction(0.2).build();
        try (FirstPass table = new FirstPass(v); FirstPass disk = new FirstPass(v.toBuilder().dedupeBudget(TINY_TABLE).build())) {
            table.fill(events);
            disk.fill(events);
            assertThat(disk.stats.spilledRuns()).isGreaterThan(40);
            // when
            Planning pt = table.plan();
            Planning pd = disk.plan();
            // then
            assertThat(disk.stats.keptByShape).isEqualTo(table.stats.keptByShape);
            assertThat(disk.stats.strataByShape).isEqualTo(table.stats.strataByShape);
            assertThat(disk.stats.classes).isEqualTo(table.stats.classes);
            assertThat(disk.stats.repeats).isEqualTo(table.stats.repeats);
            assertThat(pd.task).isEqualTo(pt.task);
            assertThat(pd.plan.build()).isEqualTo(pt.plan.build());
            List<long[]> a = new ArrayList<>();
            List<long[]> b = new ArrayList<>();
            table.stats.forEachRepeat((line, first) -> a.add(new long[] {line, first}));
            disk.stats.forEachRepeat((line, first) -> b.add(new long[] {line, first}));
            assertThat(b).hasSizeGreaterThan(300).usingRecursiveComparison().isEqualTo(a);
        }
    }

    /** Thue-Morse words: for any odd multiplier, a polynomial hash modulo 2^64 cannot tell A_k from B_k. */
    private static String[] thueMorse(int k) {
        String a = "a";
        String b = "b";
        for (int i = 0; i < k; i++) {
            String na = a + b;
            b = b + a;
            a = na;
        }
        return new String[] {a, b};
    }

    @Test
    void examples_that_share_a_64_bit_hash_but_not_their_text_are_both_kept() throws IOException {
        // given: two prompts with one hash, and a true repeat of the second
        String[] tm = thueMorse(11);
        Example.PromptCompletion x = new Example.PromptCompletion(1, tm[0] + " ->", " yes END", java.util.Map.of());
        Example.PromptCompletion y = new Example.PromptCompletion(2, tm[1] + " ->", " yes END", java.util.Map.of());
        assertThat(DatasetStats.hash(x)).isEqualTo(DatasetStats.hash(y));
        Path data = Files.writeString(dir.resolve("c.jsonl"), String.join("\n", pc("q0 ->", " no END"),
                pc(tm[0] + " ->", " yes END"), pc(tm[1] + " ->", " yes END"), pc(tm[1] + " ->", " yes END"),
                pc(tm[0] + " ->", " yes END")) + "\n");
        for (DatasetStats.Budget budget : List.of(DatasetStats.Budget.DEFAULT, budget(2, 2, null))) {
            List<Example> kept = new ArrayList<>();
            Validator v = Validator.builder().repair(Repair.RECOMMENDED).dedupeBudget(budget).build();
            // when
            ValidationReport r = v.validate(Dataset.read(data), new Validator.Output() {
                @Override
                public void training(Example example) {
                    kept.add(example);
                }

                @Override
                public void validation(Example example) {
                    kept.add(example);
                }
            });
            // then
            assertThat(kept).extracting(Example::line).containsExactly(1L, 2L, 3L);
            assertThat(r.findings()).filteredOn(f -> f.code().equals("duplicate"))
                    .extracting(Finding::line, Finding::message)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(4L, "the same example as line 3"),
                            org.assertj.core.groups.Tuple.tuple(5L, "the same example as line 2"));
            assertThat(r.counts().kept()).isEqualTo(3);
        }
    }

    @Test
    void temporary_files_are_deleted_when_the_output_fails_in_pass_2() throws IOException {
        // given: an output that fails once pass 2 has its files
        Path data = rows(3000);
        Path spill = Files.createDirectories(dir.resolve("spill"));
        List<String> seen = new ArrayList<>();
        Validator v = Validator.builder().repair(Repair.RECOMMENDED).dedupeBudget(budget(16, 64, spill)).build();
        Validator.Output failing = new Validator.Output() {
            @Override
            public void training(Example example) {
                if (example.line() > 2000) {
                    try {
                        seen.addAll(listing(spill));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    throw new IllegalStateException("disk full");
                }
            }

            @Override
            public void validation(Example example) {
                training(example);
            }
        };
        // when
        assertThatThrownBy(() -> v.validate(Dataset.read(data), failing)).hasMessageContaining("disk full");
        // then
        assertThat(seen).anyMatch(f -> f.startsWith("finetuner-texts-"));
        assertThat(listing(spill)).isEmpty();
    }

    @Test
    void temporary_files_are_deleted_when_reading_fails_in_pass_1() throws IOException {
        // given: examples that stop with an error after the table has spilled many runs
        Path spill = Files.createDirectories(dir.resolve("spill"));
        List<String> seen = new ArrayList<>();
        List<Example> examples = new ArrayList<>();
        for (int i = 1; i <= 40_000; i++) {
            examples.add(new Example.PromptCompletion(i, "question " + i % 4000 + " ->", " yes", java.util.Map.of()));
        }
        Dataset failing = Dataset.of(examples).map(e -> {
            if (e.line() > 30_000) { // the reader runs at most about 10,000 examples ahead
                try {
                    seen.addAll(listing(spill));
                } catch (IOException x) {
                    throw new IllegalStateException(x);
                }
                throw new IllegalStateException("connection reset");
            }
            return e;
        });
        Validator v = Validator.builder().repair(Repair.RECOMMENDED).dedupeBudget(budget(16, 64, spill)).build();
        // when
        assertThatThrownBy(() -> v.validate(failing)).hasStackTraceContaining("connection reset");
        // then
        assertThat(seen).anyMatch(f -> f.startsWith("finetuner-sort-"));
        assertThat(listing(spill)).isEmpty();
    }

    @Test
    void a_missing_temporary_directory_is_a_dataset_error_that_says_what_to_do() throws IOException {
        // given
        Path data = rows(200);
        Validator v = Validator.builder().dedupeBudget(budget(16, 64, dir.resolve("no-such-dir"))).build();
        // when, then
        assertThatThrownBy(() -> v.validate(Dataset.read(data)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("no-such-dir")
                .hasMessageContaining("java.io.tmpdir");
    }
}
